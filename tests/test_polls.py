"""/poll: parsing and validation, a poll mirrored into bridged chats of different languages
with the votes merged, re-votes, the close at the deadline through the real scheduler
(text and chart posted once), a restart in between; and Telegram + Discord together."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import ConsoleAdapter, ConsoleUser
from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import Bot
from bot.i18n import Catalogs, use_language
from bot.model import ChatKind, ChatRef, Event, EventKind, UserRef
from bot.platforms import command_menu
from handlers.polls.text import PollInputError, parse_duration, parse_poll
from storage.polls import PollRepository, Tally
from tests.fakes.discord_server import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.libretranslate_server import FakeLibreTranslate
from tests.fakes.telegram_server import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import ConsoleHarness, Reply, make_config, open_console
from tests.harness_discord import from_discord

LANGUAGES = ("en", "fr", "es", "pt", "ar")
BRIDGE = {"bridges": [{"name": "academy", "channels": [
    {"platform": "console", "chat_id": "lobby", "language": "en"},
    {"platform": "console", "chat_id": "salon", "language": "fr"},
]}]}
POLL = ("--for 2h --bridge Which day suits you? | Monday | Tuesday | Wednesday "
        "|| fr: Quel jour vous convient ? | Lundi | Mardi | Mercredi")


def english(text: str) -> Any:
    with use_language(Catalogs(LANGUAGES).pack("en")):
        return parse_poll(text, "en", LANGUAGES)


def problem(text: str) -> str:
    with use_language(Catalogs(LANGUAGES).pack("en")), pytest.raises(PollInputError) as exc:
        parse_poll(text, "en", LANGUAGES)
    return str(exc.value)


# --- parsing ---------------------------------------------------------------------------

def test_a_poll_with_flags_before_and_after_and_translations() -> None:
    spec = english("--multiple Which day? | Monday | Tuesday || fr: Quel jour ? | Lundi | Mardi"
                   " || es: ¿Qué día? | Lunes | Martes --for 3d --anonymous")
    assert (spec.question, spec.options, spec.language) == ("Which day?",
                                                           ["Monday", "Tuesday"], "en")
    assert spec.translations == {"fr": ("Quel jour ?", ["Lundi", "Mardi"]),
                                 "es": ("¿Qué día?", ["Lunes", "Martes"])}
    assert spec.multiple and spec.anonymous and not spec.bridge
    assert spec.duration == timedelta(days=3)
    plain = english("Tea or coffee? | Tea -- hot | Coffee")
    assert plain.options == ["Tea -- hot", "Coffee"]  # "--" inside the poll is text
    assert not plain.anonymous and not plain.multiple and plain.duration == timedelta(days=1)
    assert english("fr: Thé ou café ? | Thé | Café --for=30m").language == "fr"


@pytest.mark.parametrize(("text", "duration"), [
    ("30m", timedelta(minutes=30)), ("2h", timedelta(hours=2)), ("3d", timedelta(days=3)),
    ("1w", timedelta(weeks=1)), ("1d12h", timedelta(days=1, hours=12)),
    ("45min", timedelta(minutes=45)), ("4w", timedelta(weeks=4)),
])
def test_durations_from_minutes_to_weeks(text: str, duration: timedelta) -> None:
    with use_language(Catalogs(LANGUAGES).pack("en")):
        assert parse_duration(text) == duration


@pytest.mark.parametrize(("text", "reply"), [
    ("Which day?", "Write the question, then the options, separated by |"),
    (" | Monday | Tuesday", "The question is empty"),
    ("Q" * 301 + " | a | b", "The question is too long: 301 characters, at most 300."),
    ("Which day? | Monday", "A poll needs at least 2 options; this one has 1."),
    ("Q | " + " | ".join(str(n) for n in range(11)),
     "A poll has at most 10 options; this one has 11."),
    ("Q | a | | b", "Option 2 is empty: remove the extra |."),
    ("Q | a | " + "b" * 101, "Option 2 is too long: 101 characters, at most 100."),
    ("Q | Tea | tea", "The option \"tea\" is there twice."),
    ("Q | a | b --for 2", "I could not read the duration \"2\""),
    ("Q | a | b --for 1m", "A poll stays open at least 5 minutes."),
    ("Q | a | b --for 5w", "A poll stays open at most 4 weeks."),
    ("Q | a | b --for", "Say how long after --for"),
    ("--secret Q | a | b", "I don't know the option --secret."),
    ("--anonymous --public Q | a | b", "Choose --anonymous or --public, not both."),
    ("Q | a | b || Quel ? | x | y", "Each translation after || starts with its language code"),
    ("Q | a | b || de: Frage | x | y", "de is not one of the bot's languages"),
    ("Q | a | b || fr: Quoi ? | x", "fr: A poll needs at least 2 options"),
    ("Q | a | b | c || fr: Quoi ? | x | y", "The fr translation has 2 options; the poll has 3."),
    ("Q | a | b || fr: Quoi ? | x | y || fr: Quoi ? | x | y",
     "The poll has its fr wording twice."),
    ("Q | a | b || en: Q | a | b", "The poll has its en wording twice."),
])
def test_each_mistake_gets_its_own_answer(text: str, reply: str) -> None:
    assert reply in problem(text)


async def test_bad_input_and_wrong_places_are_answered_to_the_asker(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], **BRIDGE) as h:
        [usage] = await h.send("fac", "/poll", language="en")
        assert usage.text.startswith("Create a poll: /poll Which day suits you?")
        [short] = await h.send("fac", "/poll Which day? | Monday")
        assert short.text == "A poll needs at least 2 options; this one has 1."
        [private] = await h.send("fac", "/poll Which day? | Monday | Tuesday")
        assert private.text.startswith("Post a poll in a group chat")
        [nobridge] = await h.send("fac", "/poll bridge nowhere Q | a | b")
        assert nobridge.text.startswith("There is no bridge called nowhere.")
        h.adapter._group = "elsewhere"
        # In a group, what only the asker needs goes to them privately; the group reads
        # that it did.
        [unbridged, note] = await h.send("fac", "/poll --bridge Q | a | b")
        assert unbridged.text.startswith("This chat is not linked to a bridge")
        assert (unbridged.chat_id, note.chat_id) == ("fac", "#elsewhere")
        assert note.text == "I have answered you in a private message."
        [refused] = await h.send("ana", "/poll Q | a | b", language="en")
        assert refused.text == "Sorry, /poll is for facilitators only."
        [unknown] = in_chat(await h.send("fac", "/poll results 7"), "fac")
        assert unknown.text == "There is no poll #7. See /poll list."
        [none] = in_chat(await h.send("fac", "/poll list"), "fac")
        assert none.text.startswith("No poll yet.")
        assert await PollRepository(h.bot.services.db).latest(5) == []


# --- console: two bridged chats, two languages ------------------------------------------

def in_chat(replies: list[Reply], chat: str) -> list[Reply]:
    return [r for r in replies if r.chat_id == chat]


async def say(h: ConsoleHarness, chat: str, user: str, text: str, language: str
              ) -> list[Reply]:
    h.adapter._group = chat
    return await h.send(user, text, language=language)


def chart_path(reply: Reply) -> Path:
    line = next(line for line in reply.text.splitlines() if line.startswith("📎 "))
    return Path(line[2:].strip())


async def test_a_bridged_poll_in_two_languages_merges_votes_and_closes_at_the_deadline(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], **BRIDGE) as h:
        posted = await say(h, "lobby", "fac", f"/poll {POLL}", "en")
        [lobby] = in_chat(posted, "#lobby")[:1]
        [salon] = in_chat(posted, "#salon")
        assert (lobby.text, lobby.buttons) == ("Which day suits you?",
                                               ["Monday", "Tuesday", "Wednesday"])
        assert (salon.text, salon.buttons) == ("Quel jour vous convient ?",
                                               ["Lundi", "Mardi", "Mercredi"])
        confirmation = in_chat(posted, "#lobby")[-1].text
        assert confirmation.startswith("Poll #1 is posted in 2 chats and closes on")
        assert "console:#salon (fr): your translation" in confirmation

        [ack] = await say(h, "lobby", "ana", "2", "en")
        assert ack.text == "Your vote is counted: Tuesday."
        await say(h, "salon", "remi", "1", "fr")
        await say(h, "salon", "lea", "3", "fr")
        await say(h, "salon", "remi", "2", "fr")  # Rémi changes his mind: replaces his vote
        [so_far] = await say(h, "lobby", "fac", "/poll results 1", "en")
        assert "2. Tuesday: ███████░░░ 2 votes (67%)" in so_far.text
        assert "1. Monday: ░░░░░░░░░░ 0 votes (0%)" in so_far.text
        assert "3 people voted." in so_far.text

        assert await h.advance(timedelta(minutes=119)) == []  # not yet
        closing = await h.advance(timedelta(minutes=2))
        [en] = in_chat(closing, "#lobby")
        [fr] = in_chat(closing, "#salon")
        assert en.text.startswith("📊 Results of the poll: Which day suits you?\n"
                                  "1. Monday: ░░░░░░░░░░ 0 votes (0%)\n"
                                  "2. Tuesday: ███████░░░ 2 votes (67%)\n"
                                  "3. Wednesday: ███░░░░░░░ 1 vote (33%)\n"
                                  "3 people voted.")
        assert "Quel jour vous convient ?" in fr.text and "2. Mardi : ███████░░░" in fr.text
        for reply in (en, fr):
            image = chart_path(reply)
            assert image.suffix == ".png" and image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert chart_path(en) != chart_path(fr)  # one chart per language

        # Closed: a late vote is not counted.
        repo = PollRepository(h.bot.services.db)
        salon_copy = next(c for c in await repo.copies(1) if c.chat_id == "#salon")
        await h.bot.dispatcher.handle(Event(
            EventKind.POLL_ANSWER, "console", ChatRef("console", "#salon", ChatKind.GROUP),
            UserRef("console", "zoe", "zoe"), datetime.now(UTC), text="add",
            poll_id=salon_copy.poll_key, option_ids=[0]))
        assert (await repo.tally(1, 3)).counts == [0, 2, 1]
        # The deadline does not fire twice, and an early close is refused now.
        assert await h.advance(timedelta(days=2)) == []
        [already] = in_chat(await say(h, "lobby", "fac", "/poll close 1", "en"), "fac")
        assert already.text == "Poll #1 is already closed."
        rows = await h.bot.services.db.fetchall(
            "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE 'pollresult:%'")
        assert sorted(r[0] for r in rows) == ["pollresult:1:console:#lobby",
                                              "pollresult:1:console:#salon"]
        stops = await h.bot.services.db.fetchall(
            "SELECT payload FROM outbox WHERE dedupe_key LIKE 'pollstop:%' AND status = 'sent'")
        assert len(stops) == 2
        [listing] = await say(h, "lobby", "fac", "/poll list", "en")
        assert "#1 · closed on" in listing.text and "3 voters · academy" in listing.text


async def test_a_poll_in_one_group_closed_early_and_a_multiple_choice_revote(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        posted = await say(h, "team", "fac", "/poll --multiple Snacks? | Tea | Coffee | Fruit",
                           "en")
        assert posted[0].buttons == ["Tea", "Coffee", "Fruit"]
        await say(h, "team", "ana", "1,3", "en")
        [ack] = await say(h, "team", "ana", "2", "en")  # her whole new choice
        assert ack.text == "Your vote is counted: Coffee."
        await say(h, "team", "bo", "2,3", "en")
        closing = await say(h, "team", "fac", "/poll close 1", "en")
        # The confirmation and the results go out in either order (different priorities,
        # and the results may already be on their way when the confirmation is queued).
        [done] = [r for r in closing if r.text.startswith("Poll #1 is closed")]
        [results] = [r for r in closing if r is not done]
        assert "1. Tea: ░░░░░░░░░░ 0 votes (0%)" in results.text
        assert "2. Coffee: ██████████ 2 votes (100%)" in results.text
        assert "3. Fruit: █████░░░░░ 1 vote (50%)" in results.text
        assert "Several answers were allowed" in results.text
        assert done.text == "Poll #1 is closed; its results are posted in 1 chat."
        # The deadline's schedule was cancelled with the early close: nothing more.
        assert await h.advance(timedelta(days=2)) == []


async def test_a_restart_between_posting_and_closing_still_closes_and_counts(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], **BRIDGE) as h:
        await say(h, "lobby", "fac", f"/poll {POLL}", "en")
        await say(h, "lobby", "ana", "1", "en")
        await say(h, "salon", "remi", "3", "fr")
        copies = await PollRepository(h.bot.services.db).copies(1)
        salon = next(c for c in copies if c.chat_id == "#salon")
        assert salon.native_id and salon.poll_key == salon.native_id
    # A new process on the same database: the poll, its copies and its schedule are there.
    config = make_config(tmp_path, facilitators={"console": ["fac"]}, **BRIDGE)
    bot = await Bot.create(config)
    out = io.StringIO()
    try:
        await bot.add_platform(ConsoleAdapter(user=ConsoleUser("x"), reader=io.StringIO(),
                                              writer=out, clock=bot.services.clock))
        # A vote for the salon's copy arrives after the restart (and Rémi changes it).
        for user, option in (("lea", 1), ("remi", 1)):
            await bot.dispatcher.handle(Event(
                EventKind.POLL_ANSWER, "console",
                ChatRef("console", "#salon", ChatKind.GROUP, title="salon"),
                UserRef("console", user, user), datetime.now(UTC), text="add",
                poll_id=salon.poll_key, option_ids=[option]))
        bot.services.clock.advance(timedelta(hours=2, minutes=1))
        assert await bot.services.scheduler.run_due(bot.services.clock.now()) == 1
        assert await bot.services.outbox.wait_idle("console", limit=10)
        printed = out.getvalue()
        assert "📊 Results of the poll: Which day suits you?" in printed
        assert "1. Monday: ███░░░░░░░ 1 vote (33%)\n  2. Tuesday: ███████░░░ 2 votes (67%)" \
            in printed
        assert printed.count("📊") == 2 and printed.count("(poll closed)") == 2
    finally:
        await bot.close()


async def test_a_bridged_poll_is_machine_translated_when_an_engine_is_configured(
        tmp_path: Path) -> None:
    async with FakeLibreTranslate() as lt, open_console(
            tmp_path, facilitators=["fac"], translation={"engine": "libretranslate",
                                                         "url": lt.url}, **BRIDGE) as h:
        posted = await say(h, "salon", "fac", "/poll --bridge Merci pour le travail ? | Oui "
                                              "| Non", "fr")
        [lobby] = in_chat(posted, "#lobby")
        assert lobby.text != "Merci pour le travail ?" and "thanks" in lobby.text.lower()
        assert "console:#lobby (en): traduction automatique" in in_chat(posted, "#salon")[-1].text
        lt.mode = "500"
        posted = await say(h, "salon", "fac", "/poll --bridge Le travail et le lien ? | Oui "
                                              "| Non", "fr")
        [lobby] = in_chat(posted, "#lobby")
        assert lobby.text == "Le travail et le lien ?"
        assert "tel quel (la traduction a échoué)" in in_chat(posted, "#salon")[-1].text


# --- Telegram and Discord together ----------------------------------------------------

Json = dict[str, Any]
FACILITATOR_TG = 4242


async def until(condition: Callable[[Tally], bool], repo: PollRepository) -> None:
    """Votes travel through the fakes' updates and gateway: wait for them to be counted."""
    for _ in range(250):
        if condition(await repo.tally(1, 2)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"votes not counted as expected: {await repo.tally(1, 2)}")


@dataclass
class World:
    bot: Bot
    tg: FakeTelegram
    dc: FakeDiscord
    group: Json

    async def settle(self) -> None:
        assert await self.bot.services.outbox.wait_idle(limit=20, include_delayed=True)


@asynccontextmanager
async def two_platforms(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeTelegram() as tg:
        dc = await FakeDiscord().start()
        group = tg.add_group("Académie FR")
        config = make_config(
            tmp_path, facilitators={"telegram": [FACILITATOR_TG]},
            telegram={"api_base_url": tg.api_base_url, "file_base_url": tg.file_base_url,
                      "poll_timeout": 1, "messages_per_second": 1000.0,
                      "messages_per_chat_per_second": 100.0, "group_messages_per_minute": 1000},
            discord={"api_base_url": dc.api_base_url, "gateway_url": dc.gateway_url,
                     "messages_per_second": 1000.0, "messages_per_channel_per_second": 100.0},
            bridges=[{"name": "academy", "channels": [
                {"platform": "telegram", "chat_id": group["id"], "language": "fr",
                 "title": "Académie FR"},
                {"platform": "discord", "chat_id": dc.general, "language": "en",
                 "title": "general"}]}])
        bot = await Bot.create(config)
        try:
            menu = command_menu(bot.services)
            await bot.add_platform(TelegramAdapter(config.telegram, TELEGRAM_TOKEN, menu))
            await bot.add_platform(DiscordAdapter(config.discord, DISCORD_TOKEN, menu,
                                                  ready_timeout=10, guild_ready_timeout=0.05))
            yield World(bot, tg, dc, group)
        finally:
            await bot.close()
            await dc.close()


async def test_a_poll_on_telegram_and_discord_merges_votes_and_the_bot_closes_both(
        tmp_path: Path) -> None:
    async with two_platforms(tmp_path) as w:
        fac = w.tg.add_user("Fac", user_id=FACILITATOR_TG, language_code="en")
        w.tg.push_command(fac, "poll", "--bridge --for 2d Which day? | Monday | Tuesday "
                                       "|| fr: Quel jour ? | Lundi | Mardi", chat=w.group)
        tg_poll = (await w.tg.wait_for(lambda: [m for m in w.tg.bot_messages(w.group)
                                                if "poll" in m], 10))[0]
        [dc_poll] = await w.dc.wait_for(lambda: [m for m in w.dc.sent_to(w.dc.general)
                                                 if m.poll], what="the Discord poll")
        assert tg_poll["poll"]["question"] == "Quel jour ?"
        assert [o["text"] for o in tg_poll["poll"]["options"]] == ["Lundi", "Mardi"]
        assert not tg_poll["poll"]["is_anonymous"]  # public by default: votes are counted
        assert "open_period" not in tg_poll["poll"]  # 2 days: the bot closes it itself
        assert dc_poll.poll is not None and dc_poll.poll["question"]["text"] == "Which day?"
        await w.settle()

        marie, paul = w.tg.add_user("Marie"), w.tg.add_user("Paul")
        w.tg.vote(marie, tg_poll, [0])
        w.tg.vote(paul, tg_poll, [1])
        w.tg.vote(paul, tg_poll, [])  # Paul retracts his vote
        john = w.dc.add_user("john", display_name="John")
        await w.dc.vote(john, dc_poll.message_id, 1)  # Monday (Discord counts from 1)
        repo = PollRepository(w.bot.services.db)
        await until(lambda t: t.voters == 2 and t.counts == [2, 0], repo)
        # Discord reports single votes added and removed (the fake has no removals yet:
        # the event the adapter makes of one); John then votes Tuesday.
        await w.bot.dispatcher.handle(Event(
            EventKind.POLL_ANSWER, "discord", ChatRef("discord", str(w.dc.general),
                                                      ChatKind.GROUP),
            UserRef("discord", str(john.id), "John"), datetime.now(UTC), text="remove",
            poll_id=str(dc_poll.message_id), option_ids=[0]))
        assert (await repo.tally(1, 2)).counts == [1, 0]
        await w.dc.vote(john, dc_poll.message_id, 2)
        await until(lambda t: t.voters == 2 and t.counts == [1, 1], repo)

        w.bot.services.clock.advance(timedelta(days=2, minutes=1))
        assert await w.bot.services.scheduler.run_due(w.bot.services.clock.now()) == 1
        await w.settle()
        assert tg_poll["poll"]["is_closed"]
        assert w.dc.calls("POST", f"/polls/{dc_poll.message_id}/expire")
        tg_results = [m for m in w.tg.bot_messages(w.group) if "📊" in (m.get("caption") or
                                                                       m.get("text") or "")]
        assert len(tg_results) == 1 and "photo" in tg_results[0]
        assert "1. Lundi : █████░░░░░ 1 vote (50\xa0%)" in tg_results[0]["caption"]
        dc_results = [m for m in w.dc.sent_to(w.dc.general) if "📊" in m.content]
        assert len(dc_results) == 1
        read = from_discord(dc_results[0].content)
        assert read.startswith("📊 Results of the poll: Which day?\n"
                               "1. Monday: █████░░░░░ 1 vote (50%)\n"
                               "2. Tuesday: █████░░░░░ 1 vote (50%)\n2 people voted.")
        assert dc_results[0].attachments and \
            dc_results[0].attachments[0]["filename"].startswith("poll-1-en")


def test_each_platform_gets_a_poll_it_accepts() -> None:
    from bot.adapters.capabilities import declared
    from handlers.polls.commands import native_poll
    from storage.polls import PollCopy, PollRecord

    record = PollRecord(1, None, "Q", ["a", "b"], "en", False, True, None, 0.0, 60.0, None, None)
    long_options = ["x" * 100, "short"]
    discord = native_poll(PollCopy(1, "discord", "1", "group", None, "en", "Q", long_options),
                          record, 7200, declared("discord"))
    telegram = native_poll(PollCopy(1, "telegram", "-1", "group", None, "en", "Q",
                                    long_options), record, 7200, declared("telegram"))
    assert [len(o) for o in discord.options] == [55, 5] and discord.options[0].endswith("…")
    assert telegram.options == long_options
    assert (telegram.multiple, telegram.anonymous, telegram.close_after_seconds) == (
        True, False, 7200)


async def test_an_anonymous_poll_counts_telegram_totals_with_the_discord_votes(
        tmp_path: Path) -> None:
    """Telegram names no voter in an anonymous poll, only its counts: the copy counts by
    its latest totals, added to the Discord copy's per-voter votes."""
    async with two_platforms(tmp_path) as w:
        fac = w.tg.add_user("Fac", user_id=FACILITATOR_TG, language_code="en")
        w.tg.push_command(fac, "poll", "--anonymous --multiple --bridge --for 2d Which day? "
                                       "| Monday | Tuesday || fr: Quel jour ? | Lundi | Mardi",
                          chat=w.group)
        tg_poll = (await w.tg.wait_for(lambda: [m for m in w.tg.bot_messages(w.group)
                                                if "poll" in m], 10))[0]
        [dc_poll] = await w.dc.wait_for(lambda: [m for m in w.dc.sent_to(w.dc.general)
                                                 if m.poll], what="the Discord poll")
        assert tg_poll["poll"]["is_anonymous"]
        await w.settle()
        [confirmation] = [m for m in w.tg.bot_messages(w.group)
                          if m.get("text", "").startswith("Poll #1 is posted")]
        assert "Discord always shows who voted" in confirmation["text"]
        assert "Telegram" not in confirmation["text"]  # its votes are counted now

        marie, paul, lea = w.tg.add_user("Marie"), w.tg.add_user("Paul"), w.tg.add_user("Léa")
        w.tg.vote(marie, tg_poll, [0, 1])
        w.tg.vote(paul, tg_poll, [1])
        w.tg.vote(lea, tg_poll, [0])
        w.tg.vote(paul, tg_poll, [0])  # Paul changes his mind: Tuesday -> Monday
        john = w.dc.add_user("john", display_name="John")
        await w.dc.vote(john, dc_poll.message_id, 2)  # Tuesday
        repo = PollRepository(w.bot.services.db)
        # Telegram: Monday 3, Tuesday 1, 3 people (Marie chose both); Discord: John.
        await until(lambda t: t == Tally([3, 2], 4), repo)
        [sent] = await w.bot.services.db.fetchall(
            "SELECT platform, chat_id, counts, voters FROM poll_totals WHERE poll_id = 1")
        assert tuple(sent) == ("telegram", str(w.group["id"]), "[3, 1]", 3)
        # Nobody behind the totals became a participant (Fac and John only).
        [people] = await w.bot.services.db.fetchall("SELECT COUNT(*) FROM participants")
        assert people[0] == 2

        w.bot.services.clock.advance(timedelta(days=2, minutes=1))
        assert await w.bot.services.scheduler.run_due(w.bot.services.clock.now()) == 1
        await w.settle()
        assert tg_poll["poll"]["is_closed"]
        dc_results = [m for m in w.dc.sent_to(w.dc.general) if "📊" in m.content]
        assert len(dc_results) == 1
        read = from_discord(dc_results[0].content)
        assert read.startswith("📊 Results of the poll: Which day?\n"
                               "1. Monday: ████████░░ 3 votes (75%)\n"
                               "2. Tuesday: █████░░░░░ 2 votes (50%)\n4 people voted.\n"
                               "Several answers were allowed")
        assert "not included" not in read
        [tg_results] = [m for m in w.tg.bot_messages(w.group)
                        if "📊" in (m.get("caption") or m.get("text") or "")]
        assert "1. Lundi : ████████░░ 3 votes (75\xa0%)" in tg_results["caption"]
        # The stopped poll's final state arrives after the close: it changes nothing, and
        # neither do totals that come late.
        telegram = next(a for a in w.bot.adapters if isinstance(a, TelegramAdapter))
        await w.tg.wait_for(lambda: telegram.handled_update_id >= w.tg.last_update_id, 10)
        await w.bot.dispatcher.handle(Event(
            EventKind.POLL_TOTALS, "telegram", ChatRef("telegram", "", ChatKind.GROUP),
            UserRef("telegram", "", "Telegram"), datetime.now(UTC),
            poll_id=tg_poll["poll"]["id"], option_counts=[9, 9], voter_count=9))
        assert await repo.tally(1, 2) == Tally([3, 2], 4)


async def test_totals_never_count_a_public_poll_twice_and_odd_totals_are_refused(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        await say(h, "team", "fac", "/poll Tea? | Yes | No", "en")
        await say(h, "team", "fac", "/poll --anonymous Coffee? | Yes | No | Maybe", "en")
        repo = PollRepository(h.bot.services.db)
        [public] = await repo.copies(1)
        [anonymous] = await repo.copies(2)
        await say(h, "team", "ana", "1", "en")  # the newest poll in the chat: Coffee

        async def totals(key: str | None, counts: list[int], voters: int | None) -> None:
            await h.bot.dispatcher.handle(Event(
                EventKind.POLL_TOTALS, "console", ChatRef("console", "", ChatKind.GROUP),
                UserRef("console", "", ""), datetime.now(UTC), poll_id=key,
                option_counts=counts, voter_count=voters))

        await totals(public.poll_key, [4, 1], 5)  # a public poll counts its voters one by one
        assert await repo.tally(1, 2) == Tally([0, 0], 0)
        await totals(anonymous.poll_key, [1, 2], 3)  # not the poll's 3 options
        await totals(anonymous.poll_key, [1, -1, 0], 0)
        await totals("elsewhere", [1, 1, 1], 3)  # not one of ours
        assert await repo.tally(2, 3) == Tally([1, 0, 0], 1)
        await totals(anonymous.poll_key, [0, 2, 1], None)  # one answer each: 3 people
        await totals(anonymous.poll_key, [1, 2, 1], 4)  # the latest totals replace the others
        assert await repo.tally(2, 3) == Tally([2, 2, 1], 5)
        # Nothing went wrong on the way, and nobody was answered (there is nobody to answer).
        [apologies] = await h.bot.services.db.fetchall(
            "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%went wrong%' "
            "OR payload LIKE '%\"chat_id\": \"\"%'")
        assert apologies[0] == 0


async def test_a_vote_is_confirmed_with_the_option_of_the_voters_copy(tmp_path: Path) -> None:
    """Issue 15 item 7: "Votre vote est compté : Tuesday" was seen where the voter's copy had
    French options. On today's code the confirmation names the option of the copy voted on;
    this keeps it so, for a French voter and for an English speaker in the French chat."""
    async with open_console(tmp_path, facilitators=["fac"], **BRIDGE) as h:
        await say(h, "lobby", "fac", "/poll " + POLL, "en")
        [french] = await say(h, "salon", "marie", "2", "fr")
        assert french.text == "Votre vote est compté : Mardi."
        [english] = await say(h, "salon", "pierre", "2", "en")
        assert english.text == "Your vote is counted: Mardi."
