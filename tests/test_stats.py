"""Engagement: activity counted (never its text), /stats as text and chart, and quiet
participants prompted once per quiet period, with the opt-out respected."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import (
    ConsoleHarness,
    Reply,
    column_names,
    demo_cohort,
    open_console,
    table_names,
)

SECRET = "zebra-sunrise-4217"
BRIDGE = {"name": "academy", "channels": [
    {"platform": "console", "chat_id": "academy", "language": "en"},
    {"platform": "console", "chat_id": "academie", "language": "fr"},
]}


async def say(h: ConsoleHarness, user: str, chat: str | None, text: str,
              language: str | None = None) -> list[Reply]:
    """`user` writes `text` in the group `chat` (None: their private chat)."""
    h.adapter._group = chat
    try:
        return await h.send(user, text, language=language)
    finally:
        h.adapter._group = None


async def every_value(h: ConsoleHarness) -> list[str]:
    """Every value of every row of every table, as text."""
    db = h.bot.services.db
    tables = await table_names(db)
    values: list[str] = []
    for table in tables:
        for row in await db.fetchall(f'SELECT * FROM "{table}"'):
            values += [str(v) for v in tuple(row)]
    return values


def line_of(reply: Reply, start: str) -> str:
    found = [line.strip() for line in reply.text.split("\n") if line.strip().startswith(start)]
    assert found, (start, reply.text)
    return found[0]


async def test_activity_is_counted_without_its_text(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            bridges=[BRIDGE]) as h:
        # Bridged chats: the relay consumes these messages; they are counted all the same.
        for text in ("hello all", "how are you", "see you monday"):
            await say(h, "ana", "academy", text, language="en")
        for text in ("bonjour", "à bientôt"):
            await say(h, "chloe", "academie", text, language="fr")
        # A chat outside any bridge, and a private chat, with a word to look for.
        await say(h, "ana", "corridor", f"the code is {SECRET}")
        await say(h, "rosa", None, f"hola {SECRET}", language="es")
        assert not [v for v in await every_value(h) if SECRET in v]
        rows = await h.bot.services.db.fetchall(
            "SELECT platform, chat_id, language, messages FROM activity ORDER BY chat_id")
        assert [tuple(r) for r in rows] == [
            ("console", "", "es", 1), ("console", "#academie", "fr", 2),
            ("console", "#academy", "en", 3), ("console", "#corridor", "en", 1)]
        columns = set(await column_names(h.bot.services.db, "activity"))
        assert columns == {"day", "participant_id", "platform", "chat_id", "language",
                           "messages"}

        [answer] = await h.send("fac", "/stats", language="en")
        assert answer.text.startswith("📊 Activity over the last 7 days")
        assert line_of(answer, "Messages:") == "Messages: 7"
        assert line_of(answer, "Active people:").endswith("3 wrote messages")
        assert "academy (Console): 3" in answer.text
        assert "academie (Console): 2" in answer.text
        assert "private chats with the bot: 1" in answer.text
        assert "English: 4" in answer.text and "Français: 2" in answer.text
        assert "Español: 1" in answer.text and "Console: 7" in answer.text
        # The chart is attached (the console prints its path).
        [path] = re.findall(r"📎 (\S+\.png)", answer.text)
        png = await asyncio.to_thread(Path(path).read_bytes)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def test_stats_counts_only_the_span_asked(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await say(h, "ana", "academy", "early", language="en")
        await h.advance(timedelta(days=10))
        await say(h, "ana", "academy", "late")
        [week] = await h.send("fac", "/stats")
        assert line_of(week, "Messages:") == "Messages: 1"
        [month] = await h.send("fac", "/stats 30")
        assert month.text.startswith("📊 Activity over the last 30 days")
        assert line_of(month, "Messages:") == "Messages: 2"


async def test_stats_is_for_facilitators_and_reads_its_argument(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        [refused] = await h.send("ana", "/stats", language="en")
        assert refused.text == "Sorry, /stats is for facilitators only."
        for bad in ("/stats week", "/stats 0", "/stats 400"):
            [answer] = await h.send("fac", bad, language="en")
            assert answer.text == "Give a number of days from 1 to 366, for example /stats 30."
        [empty] = await h.send("fac", "/stats 3")
        assert line_of(empty, "Messages:") == "Messages: 0"
        assert "📎" not in empty.text  # nothing to draw


async def test_units_and_surveys_are_read_and_a_broken_query_fails_loudly(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        db = h.bot.services.db
        await say(h, "ana", "academy", "hi", language="en")
        ana = await h.bot.services.participants.account("console", "ana")
        assert ana is not None
        now = h.bot.services.clock.timestamp()
        await db.execute("INSERT INTO unit_progress (participant_id, unit, passed_at) "
                         "VALUES (?, 1, ?), (?, 2, ?)", (ana.participant_id, now,
                                                         ana.participant_id, now))
        [answer] = await h.send("fac", "/stats", language="en")
        assert line_of(answer, "Units completed:") == (
            "Units completed: 2; participants who completed one: 1")
        # A table the statistics read is missing: no silent "no data" (issue 14: no
        # repository swallows a database error); the facilitator gets the apology and the
        # failure is logged.
        await db.execute("DROP TABLE unit_progress")
        [answer] = await h.send("fac", "/stats")
        assert answer.text.startswith("Sorry, something went wrong on my side.")
        assert any("handler failed: command /stats" in r.getMessage() for r in caplog.records)


QUIET = ("We have not heard from you", "no sabemos de usted")  # en, es


def prompts_to(replies: list[Reply], user: str) -> list[str]:
    return [r.text for r in replies if r.chat_id == user and any(q in r.text for q in QUIET)]


async def test_a_quiet_participant_is_prompted_once_per_quiet_period(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"],
                            cohorts=[demo_cohort(quiet_after_days=3)]) as h:
        for user in ("ana", "rosa", "fac"):
            await say(h, user, "academy", "hello", language="es" if user == "rosa" else "en")
        [opted] = await h.send("rosa", "/quiet")
        assert "/quiet off" in opted.text
        assert not prompts_to(await h.advance(timedelta(days=2)), "ana")
        replies = await h.advance(timedelta(days=2))
        [prompt] = prompts_to(replies, "ana")
        assert "SSTC Academy — demo cohort" in prompt and "/quiet" in prompt
        assert not prompts_to(replies, "rosa")  # opted out
        assert not prompts_to(replies, "fac")  # facilitators are not prompted
        # Still quiet: not again.
        assert not prompts_to(await h.advance(timedelta(days=6)), "ana")
        [listing] = await h.send("fac", "/quiet list")
        assert listing.text.startswith("SSTC Academy — demo cohort: quiet for 3 days or more:")
        assert re.search(r"• ana \(Console\): last active 10 days ago — prompted on ",
                         listing.text)
        assert "• rosa (Console): last active 10 days ago — opted out of reminders" \
            in listing.text
        # Active again, then quiet again: one new prompt. Rosa opts back in.
        await say(h, "ana", "academy", "back from the field")
        await h.send("rosa", "/quiet off")
        replies = await h.advance(timedelta(days=4))
        assert len(prompts_to(replies, "ana")) == 1
        assert len(prompts_to(replies, "rosa")) == 1
        assert not prompts_to(await h.advance(timedelta(days=4)), "ana")


async def test_quiet_list_is_for_facilitators(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        [refused] = await h.send("ana", "/quiet list", language="en")
        assert refused.text == "Sorry, /quiet list is for facilitators only."
        [answer] = await h.send("fac", "/quiet list", language="en")
        assert answer.text == ("SSTC Academy — demo cohort: nobody has been quiet for 10 days "
                               "or more.")
        # Asked in a group: names of quiet people are sent privately.
        replies = await say(h, "fac", "academy", "/quiet list")
        assert [r.text for r in replies if r.chat_id == "#academy"] == [
            "I sent you the list privately."]
        assert [r.text for r in replies if r.chat_id == "fac"] == [answer.text]
