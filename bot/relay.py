"""The translated relay: one conversation across linked chats, platforms and languages.

A participant's message in a bridged chat becomes one copy per other chat of the bridge,
translated once per target language (not once per chat), attributed to its author, and
sent through the outbox like every other message. The message map remembers every copy
under one relay id, so replies, edits and deletions follow, also after a restart.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from bot.i18n import Catalogs, _, use_language
from bot.model import ChatKind, ChatRef, Event, OutboundMessage
from bot.outbox import RELAY, Outbox
from storage.bridges import BridgeChannel, BridgeRepository
from storage.outbox import OutboxItem
from storage.relay_map import RelayEntry, RelayMap

log = logging.getLogger("bot.relay")
PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": "Console"}


class TranslationOutcome(Protocol):
    @property
    def source(self) -> str | None: ...
    @property
    def texts(self) -> dict[str, str]: ...
    @property
    def failed(self) -> set[str]: ...


class Translating(Protocol):
    async def translate_for(self, text: str, targets: set[str],
                            source_hint: str | None = None) -> TranslationOutcome: ...

    async def close(self) -> None: ...


@dataclass
class FloodGuard:
    """At most `limit` relayed messages per author per `window` seconds go out at once;
    beyond that they are delayed (never dropped) and the author is told once."""

    limit: int = 12
    window: float = 60.0
    _recent: dict[int, deque[float]] = field(default_factory=dict)
    _warned_until: dict[int, float] = field(default_factory=dict)

    def delay(self, author: int, now: float) -> float:
        """Seconds this author's next message should wait (0: none)."""
        times = self._recent.setdefault(author, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        # Spread what exceeds the limit over the next windows.
        delay = 0.0 if len(times) < self.limit else (len(times) - self.limit + 1) * (
            self.window / self.limit)
        times.append(now + delay)
        return delay

    def should_warn(self, author: int, now: float) -> bool:
        if self._warned_until.get(author, 0.0) > now:
            return False
        self._warned_until[author] = now + self.window
        return True


@dataclass
class Untranslated:
    source: str | None
    texts: dict[str, str]
    failed: set[str]


class NoTranslation:
    """The relay without a translation engine: every copy carries the original."""

    async def translate_for(self, text: str, targets: set[str],
                            source_hint: str | None = None) -> Untranslated:
        return Untranslated(source_hint, {t: text for t in targets}, set())

    async def close(self) -> None:
        pass


NO_TEXT = Untranslated(None, {}, set())


def relay_id_of(event: Event) -> str:
    """Deterministic: an update delivered twice (after a crash) relays once."""
    return f"{event.platform}:{event.chat.chat_id}:{event.native_id}"


@dataclass
class Relay:
    bridges: BridgeRepository
    relay_map: RelayMap
    outbox: Outbox
    catalogs: Catalogs
    translator: Translating
    flood: FloodGuard = field(default_factory=FloodGuard)

    async def channel_of(self, event: Event) -> BridgeChannel | None:
        if event.chat.is_private:
            return None
        return await self.bridges.channel(event.platform, event.chat.chat_id)

    async def relay(self, event: Event, participant_id: int, origin: BridgeChannel,
                    now: float) -> tuple[int, float]:
        """Send copies of `event` to the rest of the bridge; returns (copies, delay)."""
        relay_id = relay_id_of(event)
        targets = [c for c in await self.bridges.channels(origin.bridge_id)
                   if (c.platform, c.chat_id) != (event.platform, event.chat.chat_id)]
        # No source hint: people write in other languages than their chat's; the detector
        # decides (and says None for "ok" or a link, which then go out as they are).
        result = await self.translator.translate_for(event.text, {t.language for t in targets}) \
            if event.text.strip() else NO_TEXT
        await self.relay_map.record(RelayEntry(
            relay_id, event.platform, event.chat.chat_id, event.native_id or "", "origin",
            participant_id, event.text, result.source, now))
        delay = self.flood.delay(participant_id, now)
        attribution = f"{event.author.display_name} · " \
                      f"{PLATFORM_NAMES.get(event.platform, event.platform)}"
        replied = await self._replied_relay(event)
        # Files are not re-uploaded yet: each is announced by name, so that a photo sent
        # without words still reaches the other chats as a line rather than as nothing.
        files = "\n".join(f"📎 {a.file_name}" for a in event.attachments)
        for target in targets:
            text = self._text_for(target.language, event.text, result) if event.text.strip() \
                else ""
            msg = OutboundMessage(
                chat=ChatRef(target.platform, target.chat_id, ChatKind(target.chat_kind),
                             title=target.title),
                text="\n".join(part for part in (text, files) if part),
                attribution=attribution,
                relay_ids=[relay_id],
                reply_to_native_id=await self._copy_in(replied, target),
            )
            await self.outbox.enqueue(
                msg, priority=RELAY, not_before=now + delay if delay else 0.0,
                dedupe_key=f"relay:{relay_id}:{target.platform}:{target.chat_id}")
        return len(targets), delay

    async def edit(self, event: Event, now: float) -> int:
        """An origin was edited: edit every copy, translated again. Returns edits queued."""
        entries = [e for e in await self.relay_map.relays_of(
            event.platform, event.chat.chat_id, event.native_id or "") if e.role == "origin"]
        if not entries:
            return 0
        relay_id = entries[0].relay_id
        copies = [c for c in await self.relay_map.copies(relay_id) if c.role == "copy"]
        channels = {(c.platform, c.chat_id): await self.bridges.channel(c.platform, c.chat_id)
                    for c in copies}
        languages = {ch.language for ch in channels.values() if ch}
        result = await self.translator.translate_for(event.text, languages)
        await self.relay_map.update_text(relay_id, event.text, result.source)
        queued = 0
        for copy in copies:
            channel = channels[(copy.platform, copy.chat_id)]
            if channel is None:
                continue
            if await self.relay_map.shares_post(copy.platform, copy.chat_id, copy.native_id) > 1:
                log.info("relay %s: copy in a merged post, not edited", relay_id)
                continue
            await self.outbox.enqueue(OutboundMessage(
                chat=ChatRef(copy.platform, copy.chat_id, ChatKind(channel.chat_kind)),
                text=self._text_for(channel.language, event.text, result),
                attribution=f"{event.author.display_name} · "
                            f"{PLATFORM_NAMES.get(event.platform, event.platform)}",
                relay_ids=[relay_id], action="edit", target_native_id=copy.native_id,
            ), priority=RELAY, dedupe_key=f"relay-edit:{relay_id}:{copy.platform}:"
                                          f"{copy.chat_id}:{int(now * 1000)}")
            queued += 1
        return queued

    async def delete(self, event: Event) -> int:
        """An origin was deleted (Discord tells bots; Telegram does not): delete copies."""
        entries = [e for e in await self.relay_map.relays_of(
            event.platform, event.chat.chat_id, event.native_id or "") if e.role == "origin"]
        log.debug("relay: deletion of %s:%s:%s concerns %d relay(s)", event.platform,
                  event.chat.chat_id, event.native_id, len(entries))
        queued = 0
        for entry in entries:
            for copy in await self.relay_map.copies(entry.relay_id):
                if copy.role != "copy" or await self.relay_map.shares_post(
                        copy.platform, copy.chat_id, copy.native_id) > 1:
                    continue
                channel = await self.bridges.channel(copy.platform, copy.chat_id)
                kind = ChatKind(channel.chat_kind) if channel else ChatKind.GROUP
                await self.outbox.enqueue(OutboundMessage(
                    chat=ChatRef(copy.platform, copy.chat_id, kind), text="",
                    relay_ids=[entry.relay_id], action="delete",
                    target_native_id=copy.native_id,
                ), priority=RELAY, dedupe_key=f"relay-delete:{entry.relay_id}:{copy.platform}:"
                                              f"{copy.chat_id}")
                queued += 1
        return queued

    async def close(self) -> None:
        await self.translator.close()

    async def record_sent(self, item: OutboxItem, msg: OutboundMessage, native_id: str) -> None:
        """Outbox hook: a copy went out; remember where."""
        if msg.action != "send":
            return
        for relay_id in msg.relay_ids:
            await self.relay_map.record(RelayEntry(
                relay_id, msg.chat.platform, msg.chat.chat_id, native_id, "copy", None, None,
                None, time.time()))

    def _text_for(self, language: str, original: str, result: TranslationOutcome) -> str:
        if language in result.failed:
            with use_language(self.catalogs.pack(language)):
                mark = _("(translation unavailable)")
            return f"{original}\n{mark}"
        return result.texts.get(language, original)

    async def _replied_relay(self, event: Event) -> str | None:
        if not event.reply_to_native_id:
            return None
        entries = await self.relay_map.relays_of(event.platform, event.chat.chat_id,
                                                 event.reply_to_native_id)
        return entries[0].relay_id if entries else None

    async def _copy_in(self, relay_id: str | None, target: BridgeChannel) -> str | None:
        """The native id of relay `relay_id` in the target chat (its origin or its copy)."""
        if relay_id is None:
            return None
        for entry in await self.relay_map.copies(relay_id):
            if (entry.platform, entry.chat_id) == (target.platform, target.chat_id):
                return entry.native_id
        return None
