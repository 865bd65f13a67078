"""The translated relay between the console and both platforms (issue 7, "console↔both"):
a console group chat in French, a Telegram group in English and a Discord channel in
Spanish on one bridge, the real python-telegram-bot and discord.py clients against the
loopback fakes, the fake LibreTranslate as the engine, and the real console adapter
printing into a StringIO, all attached to one Bot.

What the console cannot do, and so what is not tested from it: the console adapter turns a
typed line into a message, a command, a button press or a vote, never into an edit or a
deletion (there is no way to edit a line already typed). Its outbound side does support
edits (capability "edit": an edited copy is printed again), which is tested here.
A console reply is the adapter's event for the typed line with the replied-to message's
id, as the other platforms report a reply.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.adapters.console import ConsoleAdapter, ConsoleUser
from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import Bot
from bot.platforms import command_menu
from handlers.relay.router import relay_id_of
from storage.relay_map import RelayEntry
from tests.fakes.discord_server import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.libretranslate_server import PHRASEBOOK, FakeLibreTranslate
from tests.fakes.telegram_server import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import Reply, make_config, parse_console_output

Json = dict[str, Any]
WELCOME = PHRASEBOOK[0]  # one sentence in en, fr, es, pt and ar
SALON = "#salon"


@dataclass
class ConsoleWorld:
    bot: Bot
    tg: FakeTelegram
    dc: FakeDiscord
    lt: FakeLibreTranslate
    console: ConsoleAdapter
    output: io.StringIO
    group: Json  # the English Telegram group
    _read: int = 0

    async def settle(self) -> None:
        assert await self.bot.services.outbox.wait_idle(limit=20, include_delayed=True)

    async def say_on_console(self, user: str, text: str, *, language: str | None = "fr",
                             reply_to: str | None = None) -> str:
        """`user` types `text` into the console's #salon (replying to the message whose
        native id is `reply_to`, if given); returns the relay id of that message."""
        self.console.user = ConsoleUser(user, language)
        self.console._group = SALON.lstrip("#")
        event = self.console.event_for(text)
        if reply_to is not None:
            event = dataclasses.replace(event, reply_to_native_id=reply_to)
        await self.bot.dispatcher.handle(event)
        return relay_id_of(event)

    def console_replies(self) -> list[Reply]:
        """What the console printed since the last call."""
        text = self.output.getvalue()
        new, self._read = text[self._read:], len(text)
        return parse_console_output(new)

    async def console_copy_of(self, relay_id: str) -> RelayEntry:
        """The map's entry for the copy of `relay_id` printed in the console's #salon."""
        copies = await self.bot.services.relay.relay_map.copies(relay_id)
        [copy] = [c for c in copies if (c.platform, c.chat_id, c.role) ==
                  ("console", SALON, "copy")]
        return copy


@asynccontextmanager
async def console_world(tmp_path: Path) -> AsyncIterator[ConsoleWorld]:
    async with FakeTelegram() as tg, FakeLibreTranslate() as lt:
        dc = await FakeDiscord().start()
        group = tg.add_group("Academy EN")
        channels = [
            {"platform": "console", "chat_id": SALON, "language": "fr", "title": "salon"},
            {"platform": "telegram", "chat_id": group["id"], "language": "en",
             "title": "Academy EN"},
            {"platform": "discord", "chat_id": dc.general, "language": "es",
             "title": "general"},
        ]
        config = make_config(
            tmp_path,
            telegram={"api_base_url": tg.api_base_url, "file_base_url": tg.file_base_url,
                      "poll_timeout": 1, "messages_per_second": 1000.0,
                      "messages_per_chat_per_second": 100.0,
                      "group_messages_per_minute": 1000.0},
            discord={"api_base_url": dc.api_base_url, "gateway_url": dc.gateway_url,
                     "messages_per_second": 1000.0, "messages_per_channel_per_second": 100.0},
            translation={"engine": "libretranslate", "url": lt.url},
            bridges=[{"name": "academy", "channels": channels}])
        bot = await Bot.create(config)
        output = io.StringIO()
        console = ConsoleAdapter(user=ConsoleUser("nobody"), reader=io.StringIO(""),
                                 writer=output, clock=bot.services.clock)
        try:
            menu = command_menu(bot.services)
            await bot.add_platform(console)
            await bot.add_platform(TelegramAdapter(config.telegram, TELEGRAM_TOKEN, menu))
            await bot.add_platform(DiscordAdapter(config.discord, DISCORD_TOKEN, menu,
                                                  ready_timeout=10, guild_ready_timeout=0.05))
            yield ConsoleWorld(bot, tg, dc, lt, console, output, group)
        finally:
            await bot.close()
            await dc.close()


async def test_a_console_message_reaches_telegram_and_discord_translated_and_attributed(
        tmp_path: Path) -> None:
    async with console_world(tmp_path) as w:
        await w.say_on_console("Amelie", WELCOME["fr"])
        [posted] = await w.tg.wait_for(lambda: w.tg.bot_messages(w.group), 10)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        assert posted["text"] == f"Amelie · Console: {WELCOME['en']}"
        assert (copy.via, copy.username, copy.content) == ("webhook", "Amelie · Console",
                                                           WELCOME["es"])
        # One request per target language (en, es), each from the detected French.
        assert sorted((r["source"], r["target"]) for r in w.lt.requests) == [
            ("fr", "en"), ("fr", "es")]
        await w.settle()
        assert w.console_replies() == []  # the console is not sent its own message back


async def test_telegram_and_discord_messages_reach_the_console_translated(
        tmp_path: Path) -> None:
    async with console_world(tmp_path) as w:
        john = w.tg.add_user("John", language_code="en")
        w.tg.push_text(john, WELCOME["en"], chat=w.group)
        await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the Discord copy")
        await w.settle()
        assert [(r.chat_id, r.text) for r in w.console_replies()] == [
            (SALON, f"John · Telegram: {WELCOME['fr']}")]
        assert w.dc.sent_to(w.dc.general)[0].content == WELCOME["es"]

        lucia = w.dc.add_user("lucia", display_name="Lucía")
        await w.dc.user_says(lucia, WELCOME["es"], channel=w.dc.general)
        await w.tg.wait_for(lambda: len(w.tg.bot_messages(w.group)) == 1, 10)
        await w.settle()
        assert [(r.chat_id, r.text) for r in w.console_replies()] == [
            (SALON, f"Lucía · Discord: {WELCOME['fr']}")]
        assert w.tg.bot_messages(w.group)[0]["text"] == f"Lucía · Discord: {WELCOME['en']}"


async def test_a_console_reply_to_a_relayed_copy_is_a_reply_on_both_platforms(
        tmp_path: Path) -> None:
    async with console_world(tmp_path) as w:
        john = w.tg.add_user("John", language_code="en")
        original = w.tg.push_text(john, WELCOME["en"], chat=w.group)
        [dc_copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        await w.settle()
        relay_id = f"telegram:{w.group['id']}:{original['message_id']}"
        console_copy = await w.console_copy_of(relay_id)

        await w.say_on_console("Amelie", "Merci et à bientôt", reply_to=console_copy.native_id)
        [answer] = await w.tg.wait_for(lambda: w.tg.bot_messages(w.group), 10)
        assert answer["reply_to_message"]["message_id"] == original["message_id"]
        assert answer["text"].endswith("[en] thanks and à bientôt")  # the fake engine
        on_discord = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general)[1:],
                                         what="the reply")
        [reply] = on_discord
        # Webhooks cannot reply: the bot posts it, named, as a reply to the copy.
        assert reply.reference_id == dc_copy.message_id
        # (the fake engine's "Spanish", with Markdown escaped as the adapter does)
        assert (reply.via, reply.content) == ("channel",
                                              r"**Amelie · Console**: \[es\] Merci et à bientôt")


async def test_a_reply_on_telegram_to_a_console_message_threads_on_discord(
        tmp_path: Path) -> None:
    async with console_world(tmp_path) as w:
        relay_id = await w.say_on_console("Amelie", WELCOME["fr"])
        [tg_copy] = await w.tg.wait_for(lambda: w.tg.bot_messages(w.group), 10)
        [dc_copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        await w.settle()
        john = w.tg.add_user("John", language_code="en")
        w.tg.push_text(john, "Thanks and see you", chat=w.group, reply_to=tg_copy)
        [reply] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general)[1:],
                                      what="the reply")
        assert reply.reference_id == dc_copy.message_id
        await w.settle()
        [shown] = w.console_replies()
        assert (shown.chat_id, shown.text) == (SALON, "John · Telegram: [fr] merci et voir you")
        # On the console the reply lands in #salon, mapped as a copy of John's message.
        [origin] = [e for e in await w.bot.services.relay.relay_map.copies(relay_id)
                    if e.role == "origin"]
        assert (origin.platform, origin.chat_id) == ("console", SALON)


async def test_an_edit_on_telegram_is_printed_again_on_the_console_translated(
        tmp_path: Path) -> None:
    async with console_world(tmp_path) as w:
        john = w.tg.add_user("John", language_code="en")
        original = w.tg.push_text(john, "Hello", chat=w.group)
        await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        await w.settle()
        [first] = w.console_replies()
        assert first.text == "John · Telegram: Hello"  # one word: relayed as it is

        w.tg.edit_text(john, original, WELCOME["en"])
        await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general)[0].content == WELCOME["es"],
                            what="the edited copy")
        await w.settle()
        # The console cannot change a printed line: the edited copy is printed again.
        assert [(r.chat_id, r.text) for r in w.console_replies()] == [
            (SALON, f"John · Telegram: {WELCOME['fr']}")]
        assert len(w.dc.sent_to(w.dc.general)) == 1  # edited in place on Discord
