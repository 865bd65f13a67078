"""The translated relay: one conversation across linked chats, platforms and languages.

A participant's message in a bridged chat becomes one copy per other chat of the bridge,
translated once per target language (not once per chat), attributed to its author, and
sent through the outbox like every other message. The message map remembers every copy
under one relay id, so replies, edits and deletions follow, also after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.base import file_line, safe_file_name, too_large_line
from bot.adapters.capabilities import declared
from bot.circuit import CircuitBreaker
from bot.flood import FloodGuard
from bot.i18n import Catalogs, _, use_language
from bot.model import Attachment, ChatKind, ChatRef, Event, MessageAction, OutboundMessage
from bot.outbox import RELAY, Outbox
from bot.ports import Translating, TranslationOutcome
from storage.bridges import BridgeChannel, BridgeRepository
from storage.outbox import OutboxItem
from storage.relay_map import RelayEntry, RelayMap

log = logging.getLogger("bot.relay")


@dataclass
class Untranslated:
    source: str | None
    texts: dict[str, str]
    failed: set[str]


class NoTranslation:
    """The relay without a translation engine: every copy carries the original."""

    async def translate_for(self, text: str, targets: set[str], source_hint: str | None = None,
                            received_at: float | None = None) -> Untranslated:
        return Untranslated(source_hint, {t: text for t in targets}, set())

    async def close(self) -> None:
        pass


NO_TEXT = Untranslated(None, {}, set())
RELAY_FILES = "relay-files"
FILE_LIFETIME = 24 * 3600.0


@dataclass(frozen=True)
class Fetched:
    path: Path
    size: int


def _remove_older_than(root: Path, cutoff: float) -> None:
    if not root.is_dir():
        return
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                if folder.is_dir():
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    folder.unlink()
        except OSError:
            continue


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
    # Where relayed files wait for their copies: beside the database unless given.
    files_dir: Path | None = None
    # A download that takes longer is abandoned (the copy says which file is missing); a
    # platform whose downloads time out again and again is not asked for a while.
    download_deadline: float = 90.0
    _copies_with_files: dict[str, int] = field(default_factory=dict, init=False)
    _download_breakers: dict[str, CircuitBreaker] = field(default_factory=dict, init=False)
    _swept_at: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        # A copy that fails for good frees its files too (record_sent covers the others).
        self.outbox.on_failed.append(self._copy_failed)

    async def channel_of(self, event: Event) -> BridgeChannel | None:
        if event.chat.is_private:
            return None
        return await self.bridges.channel(event.platform, event.chat.chat_id)

    async def targets_of(self, event: Event) -> list[BridgeChannel] | None:
        """The other channels of the bridge the event's chat is in; None when it is in none."""
        if event.chat.is_private:
            return None
        here = (event.platform, event.chat.chat_id)
        channels = await self.bridges.linked(*here)
        if not channels:
            return None
        return [c for c in channels if (c.platform, c.chat_id) != here]

    async def relay(self, event: Event, participant_id: int, targets: list[BridgeChannel],
                    now: float) -> tuple[int, float]:
        """Send copies of `event` to `targets` (targets_of); returns (copies, delay)."""
        relay_id = relay_id_of(event)
        # No source hint: people write in other languages than their chat's; the detector
        # decides (and says None for "ok" or a link, which then go out as they are).
        result = await self.translator.translate_for(
            event.text, {t.language for t in targets}, received_at=event.received_at) \
            if event.text.strip() else NO_TEXT
        await self.relay_map.record(RelayEntry(
            relay_id, event.platform, event.chat.chat_id, event.native_id or "", "origin",
            participant_id, event.text, result.source, now))
        delay = self.flood.delay(participant_id, now)
        attribution = f"{event.author.display_name} · " \
                      f"{declared(event.platform).name}"
        replied = await self._replied_relay(event)
        fetched = await self._fetch_files(event, relay_id, targets)
        uploading = 0
        for target in targets:
            text = self._text_for(target.language, event.text, result) if event.text.strip() \
                else ""
            uploads, lines = self._files_for(target, event.attachments, fetched)
            msg = OutboundMessage(
                chat=ChatRef(target.platform, target.chat_id, ChatKind(target.chat_kind),
                             title=target.title),
                text="\n".join(part for part in (text, *lines) if part),
                attribution=attribution,
                relay_ids=[relay_id],
                reply_to_native_id=await self._copy_in(replied, target),
                attachments=uploads,
                # A copy with files is never merged with others.
                mergeable=not uploads,
            )
            prefix = "relay-files" if uploads else "relay"
            uploading += bool(uploads)
            await self.outbox.enqueue(
                msg, priority=RELAY, not_before=now + delay if delay else 0.0,
                dedupe_key=f"{prefix}:{relay_id}:{target.platform}:{target.chat_id}")
        if fetched:
            folder = next(iter(fetched.values())).path.parent
            if uploading:
                self._copies_with_files[str(folder)] = uploading
            else:
                await asyncio.to_thread(shutil.rmtree, folder, True)
        return len(targets), delay

    # --- files ------------------------------------------------------------------------
    def _upload_limit(self, platform: str) -> int:
        adapter = self.outbox.adapter(platform)
        return int(getattr(adapter, "upload_limit", 0)) if adapter is not None else 0

    async def _fetch_files(self, event: Event, relay_id: str, targets: list[BridgeChannel]
                           ) -> dict[int, Fetched]:
        """Download the event's files once, into a folder of their own, if some target
        can take them; {attachment index: file}. Whatever fails is announced by name."""
        source = self.outbox.adapter(event.platform)
        limit = max((self._upload_limit(t.platform) for t in targets), default=0)
        if not event.attachments or source is None or limit <= 0 \
                or not hasattr(source, "download"):
            return {}
        root = self.files_dir or self.relay_map.db.path.parent / RELAY_FILES
        await self._sweep(root)
        folder = root / safe_file_name(relay_id.replace(":", "_"))
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        fetched: dict[int, Fetched] = {}
        for i, attachment in enumerate(event.attachments):
            if attachment.size is not None and attachment.size > limit:
                continue
            dest = folder / f"{i}-{safe_file_name(attachment.file_name)}"
            breaker = self._download_breakers.setdefault(
                event.platform, CircuitBreaker(f"{event.platform} file downloads"))
            if not breaker.allow():
                continue
            try:
                async with asyncio.timeout(self.download_deadline):
                    path = await source.download(attachment, dest, limit)
                breaker.succeeded()
                size = (await asyncio.to_thread(path.stat)).st_size if path else 0
            except TimeoutError:
                breaker.failed()
                log.warning("relay %s: a download took over %g s", relay_id,
                            self.download_deadline)
                path = None
            except Exception:
                log.exception("relay %s: downloading a file failed", relay_id)
                path = None
            if path is not None:
                fetched[i] = Fetched(path, size)
        if not fetched:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        return fetched

    def _files_for(self, target: BridgeChannel, attachments: list[Attachment],
                   fetched: dict[int, Fetched]) -> tuple[list[Attachment], list[str]]:
        """What one target gets: the files it can take, uploaded; a line for each other
        (with its link when the source gave a public one)."""
        limit = self._upload_limit(target.platform)
        uploads: list[Attachment] = []
        lines: list[str] = []
        for i, a in enumerate(attachments):
            got = fetched.get(i)
            size = got.size if got is not None else a.size
            if got is not None and got.size <= limit:
                uploads.append(Attachment(a.kind, a.file_name, got.size, path=str(got.path),
                                          mime=a.mime))
            elif size is not None and size > limit and not a.url:
                with use_language(self.catalogs.pack(target.language)):
                    lines.append(too_large_line(a.file_name))
            else:
                lines.append(file_line(a))
        return uploads, lines

    async def _files_sent(self, msg: OutboundMessage) -> None:
        """A copy with files went out (or failed for good): the last one cleans up."""
        for folder in {str(Path(a.path).parent) for a in msg.attachments if a.path}:
            left = self._copies_with_files.get(folder)
            if left is None:
                continue
            if left > 1:
                self._copies_with_files[folder] = left - 1
                continue
            del self._copies_with_files[folder]
            await asyncio.to_thread(shutil.rmtree, folder, True)

    async def _copy_failed(self, item: OutboxItem, msg: OutboundMessage,
                           failure: Exception) -> None:
        await self._files_sent(msg)

    async def _sweep(self, root: Path) -> None:
        """Remove file folders older than a day (copies that never went out, a restart
        in between), at most once an hour."""
        now = time.time()
        if now - self._swept_at < 3600:
            return
        self._swept_at = now
        await asyncio.to_thread(_remove_older_than, root, now - FILE_LIFETIME)

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
        result = await self.translator.translate_for(event.text, languages,
                                                     received_at=event.received_at)
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
                            f"{declared(event.platform).name}",
                relay_ids=[relay_id], action=MessageAction.EDIT, target_native_id=copy.native_id,
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
                    relay_ids=[entry.relay_id], action=MessageAction.DELETE,
                    target_native_id=copy.native_id,
                ), priority=RELAY, dedupe_key=f"relay-delete:{entry.relay_id}:{copy.platform}:"
                                              f"{copy.chat_id}")
                queued += 1
        return queued

    async def close(self) -> None:
        await self.translator.close()

    async def record_sent(self, item: OutboxItem, msg: OutboundMessage, native_id: str) -> None:
        """Outbox hook: a copy went out; remember where."""
        if msg.action is not MessageAction.SEND:
            return
        if msg.attachments:
            await self._files_sent(msg)
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
