"""The Harness on Discord: the real bot and the real discord.py against FakeDiscord.

Users are names mapped to stable snowflake ids (`stable_id(name)`), so facilitator ids can
go into the config before anyone has spoken. `send` with a `language` runs the command as
a slash command with that locale (only interactions tell a Discord bot the user's
language); without one it is a `!command` (or plain text) in the user's DM.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.discord import DiscordAdapter
from bot.app import Bot
from bot.model import Event, EventKind
from bot.outbox import Outbox
from bot.platforms import command_menu
from tests.fakes.discord_server import TOKEN, FakeDiscord, FakeUser, SentMessage, stable_id
from tests.harness import Reply, make_config

# Interface language -> what a Discord client in that language reports. Discord has no
# Arabic locale; the code goes through as-is so cross-platform scenarios stay comparable.
LOCALES = {"en": "en-US", "fr": "fr", "es": "es-ES", "pt": "pt-BR"}
UNPACED = {"messages_per_second": 1000.0, "messages_per_channel_per_second": 100.0}
_UNDO = re.compile(r"\\(?P<esc>[^\w\s])|`(?P<code>[^`\n]+)`"
                   r"|\[(?P<label>(?:\\.|[^\]\\\n])+)\]\(<(?P<url>[^>\s]+)>\)|\*\*|\*")


def from_discord(text: str) -> str:
    """What a person reads: escapes undone, our Markdown (`**b**`, `*i*`, `` `c` ``,
    `[label](<url>)`) reduced to plain text as `to_plain` does. Every literal `*` was
    escaped by `to_discord`, so a bare one is formatting."""
    def plain(m: re.Match[str]) -> str:
        if m.group("esc"):
            return m.group("esc")
        if m.group("code") is not None:
            return m.group("code")
        if m.group("url"):
            return f"{from_discord(m.group('label'))} ({m.group('url')})"
        return ""

    return _UNDO.sub(plain, text.replace("\u200b", ""))


class HandledEvents:
    """Wraps the dispatcher's handler to record each event once it has been handled, so a
    test knows when the bot is done with what a user did."""

    def __init__(self, handle: object):
        self._handle = handle
        self.events: list[Event] = []

    async def __call__(self, event: Event) -> None:
        try:
            await self._handle(event)  # type: ignore[operator]
        finally:
            self.events.append(event)

    def handled(self, native_id: str) -> bool:
        return any(e.native_id == native_id for e in self.events)


@dataclass
class DiscordHarness:
    bot: Bot
    fake: FakeDiscord
    adapter: DiscordAdapter
    handled: HandledEvents
    platform: str = "discord"
    _users: dict[str, FakeUser] = field(default_factory=dict)
    _locale: dict[str, str] = field(default_factory=dict)
    _seen: int = 0  # how many of fake.sent were already returned

    @property
    def prefix(self) -> str:
        return self.bot.services.config.discord.command_prefix

    def user(self, name: str) -> FakeUser:
        if name not in self._users:
            self._users[name] = self.fake.add_user(name, display_name=name.capitalize())
        return self._users[name]

    async def settle(self, native_id: str) -> None:
        """Wait until the event `native_id` was handled and every reply due was sent."""
        await self.fake.wait_for(lambda: self.handled.handled(native_id), what=native_id)
        outbox: Outbox = self.bot.services.outbox
        assert await outbox.wait_idle("discord", limit=10)

    def replies(self, name: str | None = None) -> list[Reply]:
        """The bot's messages since the last call (to `name`'s DM only, if given)."""
        new, self._seen = self.fake.sent[self._seen:], len(self.fake.sent)
        dm = self.fake.dm_channel(self.user(name)).id if name else None
        return [self._reply(s) for s in new if dm is None or s.channel_id == dm]

    def _reply(self, sent: SentMessage) -> Reply:
        """A poll reads as its question with the answers as buttons (as on the console);
        files as lines "📎 name" after the text."""
        channel = self.fake.channels[sent.channel_id]
        where = channel.recipient.name if channel.recipient else f"#{channel.name}"
        if sent.poll is not None:
            return Reply(where, sent.poll["question"]["text"],
                         [a["poll_media"]["text"] for a in sent.poll["answers"]])
        text = "\n".join(line for line in [from_discord(sent.content)] + [
            f"📎 {a['filename']}" for a in sent.attachments] if line)
        return Reply(where, text, sent.labels)

    async def send(self, user: str, text: str, *, language: str | None = None) -> list[Reply]:
        who = self.user(user)
        if language:
            self._locale[user] = LOCALES.get(language, language)
        self.replies()  # forget what came before
        if language and text.startswith("/") and len(text) > 1:
            name, _, arguments = text[1:].partition(" ")
            interaction = await self.fake.slash(who, name, arguments.strip() or None,
                                                locale=self._locale[user])
            native_id = f"interaction:{interaction.id}"
        else:
            if text.startswith("/") and len(text) > 1:
                text = self.prefix + text[1:]
            message = await self.fake.user_says(who, text)
            native_id = message["id"]
        await self.settle(native_id)
        return self.replies(user)

    async def press(self, user: str, label: str) -> list[Reply]:
        who = self.user(user)
        dm = self.fake.dm_channel(who).id
        locale = self._locale.get(user, "en-US")
        for sent in reversed(self.fake.sent_to(dm)):
            custom_id = dict(sent.buttons).get(label)
            value = dict(sent.choices).get(label)  # an option of a select menu
            if custom_id is not None or value is not None:
                self.replies()
                interaction = await (
                    self.fake.press_button(who, sent.message_id, custom_id, locale=locale)
                    if custom_id is not None
                    else self.fake.choose(who, sent.message_id, value or "", locale=locale))
                await self.settle(f"interaction:{interaction.id}")
                return self.replies(user)
        raise AssertionError(f"no button {label!r} in {user}'s chat")


    async def vote(self, user: str, labels: list[str]) -> list[Reply]:
        """`user` votes for each of `labels` on the newest poll in their DM that has them."""
        who = self.user(user)
        dm = self.fake.dm_channel(who).id
        found = next(((s.message_id, answers) for s in reversed(self.fake.sent_to(dm))
                      if (answers := {a["poll_media"]["text"]: a["answer_id"]
                                      for a in (s.poll or {}).get("answers", [])})
                      and all(label in answers for label in labels)), None)
        if found is None:
            raise AssertionError(f"no poll with {labels!r} in {user}'s chat")
        message_id, answers = found
        self.replies()

        def votes() -> int:
            return sum(e.kind is EventKind.POLL_ANSWER for e in self.handled.events)

        expected = votes() + len(labels)
        for label in labels:
            await self.fake.vote(who, message_id, answers[label])
        await self.fake.wait_for(lambda: votes() >= expected, what="the votes")
        assert await self.bot.services.outbox.wait_idle("discord", limit=10)
        return self.replies(user)


@asynccontextmanager
async def open_discord(tmp_path: Path, facilitators: list[str] = (),  # type: ignore[assignment]
                       *, paced: bool = False, **sections: object
                       ) -> AsyncIterator[DiscordHarness]:
    """The bot on the fake Discord; `sections` are extra config, e.g. cohorts=[...]."""
    fake = await FakeDiscord().start()
    try:
        config = make_config(
            tmp_path, discord={"api_base_url": fake.api_base_url, "gateway_url": fake.gateway_url,
                               **({} if paced else UNPACED)},
            facilitators={"discord": [str(stable_id(name)) for name in facilitators]},
            **sections)
        bot = await Bot.create(config)
        handled = HandledEvents(bot.dispatcher.handle)
        bot.dispatcher.handle = handled  # type: ignore[method-assign]
        adapter = DiscordAdapter(config.discord, TOKEN, command_menu(bot.services),
                                 ready_timeout=10, guild_ready_timeout=0.05)
        try:
            await bot.add_platform(adapter)
            yield DiscordHarness(bot, fake, adapter, handled)
        finally:
            await bot.close()
    finally:
        await fake.close()
