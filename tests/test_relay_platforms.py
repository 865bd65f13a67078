"""The translated relay across Telegram and Discord, with a translation engine: the real
python-telegram-bot, discord.py and aiohttp clients against loopback fakes."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import Bot
from bot.platforms import command_menu
from tests.fakes.discord_server import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_server import FakeDiscord, FakeFile
from tests.fakes.libretranslate_server import FakeLibreTranslate
from tests.fakes.telegram_limits import FloodLimits
from tests.fakes.telegram_server import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import make_config

Json = dict[str, Any]
FRENCH = "Bonjour à tous, bienvenue à la session."
ENGLISH = "Hello everyone, welcome to the session."


@dataclass
class World:
    bot: Bot
    tg: FakeTelegram
    dc: FakeDiscord
    lt: FakeLibreTranslate
    group: Json  # the French Telegram group
    config: Any

    async def settle(self) -> None:
        assert await self.bot.services.outbox.wait_idle(limit=20, include_delayed=True)

    async def start_platforms(self) -> None:
        menu = command_menu(self.bot.services)
        await self.bot.add_platform(TelegramAdapter(self.config.telegram, TELEGRAM_TOKEN, menu))
        await self.bot.add_platform(DiscordAdapter(self.config.discord, DISCORD_TOKEN, menu,
                                                   ready_timeout=10, guild_ready_timeout=0.05))


@asynccontextmanager
async def relay_world(tmp_path: Path, *, group_per_minute: float = 1000.0,
                      welcome_channel: bool = False,
                      wrap_dispatch: Callable[[Any], Any] | None = None
                      ) -> AsyncIterator[World]:
    """`wrap_dispatch`, if given, wraps the dispatcher before the platforms start (they keep
    the handle they were given): the relay benchmark times events with it."""
    async with FakeTelegram() as tg, FakeLibreTranslate() as lt:
        dc = await FakeDiscord().start()
        group = tg.add_group("Académie FR")
        channels = [{"platform": "telegram", "chat_id": group["id"], "language": "fr",
                     "title": "Académie FR"},
                    {"platform": "discord", "chat_id": dc.general, "language": "en",
                     "title": "general"}]
        if welcome_channel:
            channels.append({"platform": "discord", "chat_id": dc.welcome, "language": "en",
                             "title": "welcome"})
        config = make_config(
            tmp_path,
            telegram={"api_base_url": tg.api_base_url, "file_base_url": tg.file_base_url,
                      "poll_timeout": 1, "messages_per_second": 1000.0,
                      "messages_per_chat_per_second": 100.0,
                      "group_messages_per_minute": group_per_minute},
            discord={"api_base_url": dc.api_base_url, "gateway_url": dc.gateway_url,
                     "messages_per_second": 1000.0, "messages_per_channel_per_second": 100.0},
            translation={"engine": "libretranslate", "url": lt.url},
            bridges=[{"name": "academy", "channels": channels}])
        bot = await Bot.create(config)
        world = World(bot, tg, dc, lt, group, config)
        if wrap_dispatch is not None:
            bot.dispatcher.handle = wrap_dispatch(bot.dispatcher.handle)  # type: ignore[method-assign]
        try:
            await world.start_platforms()
            yield world
        finally:
            await world.bot.close()
            await dc.close()


async def test_french_in_telegram_arrives_in_english_on_discord_and_the_reply_comes_back(
        tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        marie = w.tg.add_user("Marie", language_code="fr")
        original = w.tg.push_text(marie, FRENCH, chat=w.group)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        assert copy.content == ENGLISH
        assert copy.via == "webhook" and copy.username == "Marie · Telegram"

        john = w.dc.add_user("john", display_name="John")
        await w.dc.user_says(john, ENGLISH, channel=w.dc.general, reply_to=copy.message_id)
        back = await w.tg.wait_for(lambda: w.tg.bot_messages(w.group), 10)
        assert back[-1]["text"] == f"John · Discord: {FRENCH}"
        assert back[-1]["reply_to_message"]["message_id"] == original["message_id"]
        await w.settle()
        # The webhook's echo and the bot's own messages are never relayed back.
        assert len(w.tg.bot_messages(w.group)) == 1
        assert len(w.dc.sent_to(w.dc.general)) == 1


async def test_one_translation_request_per_target_language(tmp_path: Path) -> None:
    async with relay_world(tmp_path, welcome_channel=True) as w:
        marie = w.tg.add_user("Marie", language_code="fr")
        w.tg.push_text(marie, FRENCH, chat=w.group)
        await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general) and w.dc.sent_to(w.dc.welcome),
                            what="both copies")
        assert [m.content for m in w.dc.sent_to(w.dc.welcome)] == [ENGLISH]
        assert len(w.lt.requests) == 1  # two English channels, one request
        w.tg.push_text(marie, FRENCH, chat=w.group)  # the same words again: the cache
        await w.dc.wait_for(lambda: len(w.dc.sent_to(w.dc.welcome)) == 2, what="second copy")
        assert len(w.lt.requests) == 1


async def test_when_the_engine_fails_the_original_goes_out_marked(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        w.lt.mode = "500"
        marie = w.tg.add_user("Marie", language_code="fr")
        w.tg.push_text(marie, FRENCH, chat=w.group)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        assert copy.content == f"{FRENCH}\n(translation unavailable)"


async def test_not_worth_translating_goes_as_it_is(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        marie = w.tg.add_user("Marie", language_code="fr")
        for text in ("ok", "https://www.ilo.org/sstc", "👍👍"):
            w.tg.push_text(marie, text, chat=w.group)
        copies = await w.dc.wait_for(lambda: len(w.dc.sent_to(w.dc.general)) == 3 and
                                     w.dc.sent_to(w.dc.general), what="three copies")
        assert [c.content for c in copies] == ["ok", "https://www.ilo.org/sstc", "👍👍"]
        assert w.lt.requests == []


async def test_edits_and_deletions_reach_the_copies_also_after_a_restart(tmp_path: Path
                                                                         ) -> None:
    async with relay_world(tmp_path) as w:
        marie = w.tg.add_user("Marie", language_code="fr")
        original = w.tg.push_text(marie, "Bonjour", chat=w.group)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        john = w.dc.add_user("john", display_name="John")
        said = await w.dc.user_says(john, "See you at 10:00", channel=w.dc.general)
        await w.tg.wait_for(lambda: w.tg.bot_messages(w.group), 10)
        await w.settle()

        await w.bot.close()  # restart: a new bot on the same database
        w.bot = await Bot.create(w.config)
        await w.start_platforms()

        w.tg.edit_text(marie, original, FRENCH)
        await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general)[0].content == ENGLISH,
                            what="the edited copy")
        assert len(w.dc.sent_to(w.dc.general)) == 1  # edited in place, nothing new
        assert copy.message_id == w.dc.sent_to(w.dc.general)[0].message_id

        await w.dc.user_deletes(int(said["id"]))  # Discord tells bots about deletions
        await w.tg.wait_for(lambda: w.tg.deleted, 10)
        assert w.tg.deleted[0][0] == w.group["id"]


async def test_a_burst_into_a_telegram_group_is_merged_within_its_limit(tmp_path: Path
                                                                        ) -> None:
    # The case scaled ten times faster: the group allows 200 posts a minute here
    # (20 on Telegram), the Discord burst is 100 messages in 6 s (in a minute there).
    async with relay_world(tmp_path, group_per_minute=200.0) as w:
        w.tg.limits = FloodLimits(overall_per_second=1000, per_chat_per_second=100,
                                  per_group_per_minute=200)
        # A busy channel: 25 people, 4 messages each (one person alone at that pace would
        # be slowed by the flood guard, which is tested on the console).
        people = [w.dc.add_user(f"p{i}", display_name=f"P{i}") for i in range(25)]
        for i in range(100):
            await w.dc.user_says(people[i % 25], f"message number {i:03d}",
                                 channel=w.dc.general)
            await asyncio.sleep(0.06)
        await w.settle()
        posts = w.tg.bot_messages(w.group)
        lines = list(itertools.chain.from_iterable(p["text"].split("\n") for p in posts))
        numbers = [line.rsplit(" ", 1)[-1] for line in lines]
        assert numbers == [f"{i:03d}" for i in range(100)]  # every message, in order
        assert all(line.split(": ", 1)[0] == f"P{int(n) % 25} · Discord"
                   for line, n in zip(lines, numbers, strict=True))
        assert len(posts) < 100 and w.tg.limits.refused == 0
        times = sorted(c.at for c in w.tg.calls if c.method == "sendMessage")
        for i, first in enumerate(times):  # never more than the group's limit per minute
            assert sum(1 for t in times[i:] if t < first + 60.0) <= 200


async def test_a_photo_without_words_is_announced_by_name(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        marie = w.tg.add_user("Marie", language_code="fr")
        size = {"file_unique_id": "u1", "width": 800, "height": 600, "file_size": 52_000}
        photo = w.tg._store(w.group, marie, photo=[{"file_id": "p-small", **size},
                                                   {"file_id": "p-large", **size}])
        w.tg.push_update("message", photo)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        assert copy.content == "📎 photo.jpg" and copy.username == "Marie · Telegram"
        assert w.lt.requests == []


# --- files ------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def relay_folders(tmp_path: Path) -> list[str]:
    """Folders of relayed files still waiting (beside the database)."""
    root = tmp_path / "relay-files"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


async def test_a_telegram_photo_is_uploaded_again_on_discord(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        marie = w.tg.add_user("Marie", language_code="fr")
        w.tg.push_file(marie, "photo", "IMG_0001.jpg", PNG, w.group, caption=FRENCH)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        assert (copy.via, copy.username, copy.content) == ("webhook", "Marie · Telegram",
                                                           ENGLISH)
        [shown] = copy.attachments
        assert shown["filename"] == "photo.jpg"
        assert w.dc.cdn[int(shown["id"])].content == PNG
        assert len(w.tg.calls_to("getFile")) == 1
        await w.settle()
        assert relay_folders(tmp_path) == []  # the copy went out: the download is gone


async def test_a_discord_file_is_downloaded_once_for_every_chat(tmp_path: Path) -> None:
    async with relay_world(tmp_path, welcome_channel=True) as w:
        john = w.dc.add_user("john", display_name="John")
        await w.dc.user_says(john, ENGLISH, channel=w.dc.general,
                             files=[FakeFile("agenda.pdf", b"%PDF agenda", "application/pdf")])
        [posted] = await w.tg.wait_for(lambda: w.tg.bot_messages(w.group), 10)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.welcome), what="the copy")
        assert posted["caption"] == f"John · Discord: {FRENCH}"
        assert posted["document"]["file_name"] == "agenda.pdf"
        assert w.tg.files[posted["document"]["file_id"]].content == b"%PDF agenda"
        assert w.dc.cdn[int(copy.attachments[0]["id"])].content == b"%PDF agenda"
        assert len(w.dc.cdn_downloads) == 1
        await w.settle()
        assert relay_folders(tmp_path) == []


async def test_a_discord_file_over_telegrams_limit_becomes_a_link(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        telegram = w.bot.services.outbox.adapter("telegram")
        assert telegram is not None
        telegram.upload_limit = 4096  # type: ignore[misc]
        john = w.dc.add_user("john", display_name="John")
        said = await w.dc.user_says(john, ENGLISH, channel=w.dc.general,
                                    files=[FakeFile("report.pdf", b"r" * 5000)])
        [posted] = await w.tg.wait_for(lambda: w.tg.bot_messages(w.group), 10)
        url = said["attachments"][0]["url"]
        assert posted["text"] == f"John · Discord: {FRENCH}\n📎 report.pdf: {url}"
        assert w.tg.calls_to("sendDocument") == []
        assert w.dc.cdn_downloads == []  # no target could take it: never fetched
        await w.settle()
        assert relay_folders(tmp_path) == []
