"""Reminders and schedules: typed in the reader's language, on time, once, DST-safe, and
still delivered after a restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Bot
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Catalogs, _, use_language
from bot.model import ChatKind
from bot.timeparse import next_occurrence, split_recurring, split_when
from handlers.reminders import REMINDER
from storage.schedules import NewSchedule
from tests.harness import make_config, open_console


async def test_a_french_reminder_arrives_once_at_its_time(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        [ok] = await h.send("amelie", "/remind demain à 9h appeler Ana", language="fr")
        assert ok.text.startswith("C’est noté (n° 1) : je vous le rappellerai le ")
        assert await h.advance(timedelta(minutes=10)) == []
        fired = await h.advance(timedelta(days=2))
        assert [r.text for r in fired] == ["⏰ Rappel : appeler Ana"]
        assert await h.advance(timedelta(days=2)) == []  # never twice
        [listing] = await h.send("amelie", "/remind list")
        assert listing.text == "Rien n’est programmé."


@pytest.mark.parametrize("language", [c for c in SUPPORTED_LANGUAGES])
def test_the_examples_the_bot_suggests_parse_in_their_language(language: str) -> None:
    zone, now = ZoneInfo("Europe/Rome"), datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    with use_language(Catalogs(SUPPORTED_LANGUAGES).pack(language)):
        examples = [_("/remind tomorrow 9:00 read unit 2"), _("/remind in 2 hours call Ana"),
                    _("/remind every monday 10:00 weekly check-in"),
                    _("/schedule every monday 10:00 weekly check-in")]
    for example in examples:
        text = example.split(" ", 1)[1]
        when = split_recurring(text, language, zone, now) or split_when(text, language, zone,
                                                                         now)
        assert when is not None and when.rest and when.first > now, (language, example)


def test_a_weekly_schedule_keeps_its_local_time_across_the_dst_change() -> None:
    rome = ZoneInfo("Europe/Rome")  # CEST (UTC+2) until 25 Oct 2026, then CET (UTC+1)
    when = split_recurring("every monday 10:00 check-in", "en", rome,
                           datetime(2026, 10, 14, 12, 0, tzinfo=UTC))
    assert when is not None and when.recurrence == "0 10 * * mon"
    first = when.first
    second = next_occurrence(when.recurrence, rome, first)
    assert second is not None
    assert (first, second) == (datetime(2026, 10, 19, 8, 0, tzinfo=UTC),
                               datetime(2026, 10, 26, 9, 0, tzinfo=UTC))
    assert first.astimezone(rome).hour == second.astimezone(rome).hour == 10


async def test_the_scheduler_delivers_across_the_dst_change_at_local_time(tmp_path: Path
                                                                           ) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        clock = h.bot.services.clock
        clock.advance(datetime(2026, 10, 14, 12, 0, tzinfo=UTC) - clock.now())
        await h.send("fac", "/timezone Europe/Rome")
        [ok] = await h.send("fac", "/remind every monday 10:00 weekly check-in")
        assert "every Monday at 10:00\u202fAM (Europe/Rome)" in ok.text  # CLDR: U+202F
        fired_at: list[datetime] = []
        for _ in range(3):
            await h.advance(timedelta(days=7))
            row = await h.bot.services.db.fetchone(
                "SELECT last_fired_at FROM schedules WHERE kind = 'reminder'")
            assert row is not None
            fired_at.append(datetime.fromtimestamp(row[0], UTC))
        assert [t.hour for t in fired_at] == [8, 9, 9]  # UTC: CEST, then CET
        assert {t.astimezone(ZoneInfo("Europe/Rome")).hour for t in fired_at} == {10}


async def test_a_reminder_due_during_downtime_is_delivered_late_once(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    clock = Clock()
    bot = await Bot.create(config, clock)
    s = bot.services
    p, _ = await s.participants.ensure("console", "ana", "ana", clock.now())
    await s.participants.set_language(p.id, "es")
    base = clock.now()
    await s.schedules.add(NewSchedule(REMINDER, p.id, "console", "ana", "private",
                                      {"text": "una vez"}, "UTC",
                                      (base + timedelta(hours=1)).timestamp()), base.timestamp())
    await s.schedules.add(NewSchedule(REMINDER, p.id, "console", "ana", "private",
                                      {"text": "cada día"}, "UTC",
                                      (base + timedelta(hours=2)).timestamp(),
                                      recurrence=f"{base.minute} {(base.hour + 2) % 24} * * *"),
                          base.timestamp())
    await bot.close()

    clock.advance(timedelta(days=3, hours=3))  # down for three days
    for _restart in range(2):
        bot = await Bot.create(config, clock)  # start-up catches up
        await bot.close()

    db = await Bot.create(config, clock)
    try:
        rows = await db.services.db.fetchall(
            "SELECT payload FROM outbox WHERE platform = 'console' ORDER BY id")
        texts = [r[0] for r in rows]
        assert len(texts) == 2, texts  # one each, although the daily one missed three days
        assert "una vez" in texts[0] and "estaba desconectado" in texts[0]
        assert "cada día" in texts[1]
        daily = await db.services.schedules.active(kind=REMINDER)
        assert len(daily) == 1 and (daily[0].next_at or 0) > clock.timestamp()
    finally:
        await db.close()


async def test_the_live_scheduler_fires_on_time_without_being_asked(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        s = h.bot.services
        p, _ = await s.participants.ensure("console", "ana", "ana", s.clock.now())
        await s.schedules.add(NewSchedule(REMINDER, p.id, "console", "ana",
                                          ChatKind.PRIVATE.value, {"text": "now"}, "UTC",
                                          s.clock.timestamp() + 0.3), s.clock.timestamp())
        await s.scheduler.rearm()
        for _ in range(100):
            if h.output.getvalue():
                break
            await asyncio.sleep(0.05)
        assert "⏰ Reminder: now" in h.output.getvalue()


async def test_list_and_cancel_only_touch_your_own(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        await h.send("ana", "/remind in 3 days read unit 2", language="en")
        await h.send("bea", "/remind in 3 days call Ana", language="en")
        # Numbers are per person: Bea's #1 is hers, and she has no #2.
        [refused] = await h.send("bea", "/remind cancel 2")
        assert refused.text.startswith("There is no #2 among yours.")
        [done] = await h.send("ana", "/remind cancel #1")
        assert done.text == "Cancelled #1."
        assert [r.text for r in await h.advance(timedelta(days=4))] == ["⏰ Reminder: call Ana"]


@pytest.mark.parametrize(("text", "expected"), [
    ("/remind", "Tell me when and what"),
    ("/remind 2 call Ana", 'I could not read a time at the start of "2 call Ana".'),
    ("/remind tomorrow 9:00", "What should the message say?"),
    ("/remind 2001-01-01 10:00 party", "is already past"),
    ("/remind every someday x", "I could not read a time"),
    ("/remind cron 99 * * * * x", "I could not read a time"),
    ("/timezone Mars/Olympus", '"Mars/Olympus" is not a time zone I know.'),
])
async def test_mistakes_get_a_specific_answer(tmp_path: Path, text: str, expected: str) -> None:
    async with open_console(tmp_path) as h:
        [reply] = await h.send("ana", text, language="en")
        assert expected in reply.text


async def test_a_facilitator_schedules_a_post_in_a_group_chat(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        h.adapter._group = "general"
        [ok] = await h.send("fac", "/schedule every day 9:00 Good morning, academy!")
        assert ok.chat_id == "#general" and ok.text.startswith("Scheduled (#1) in this chat")
        posts = await h.advance(timedelta(days=2))
        assert [(r.chat_id, r.text) for r in posts] == [("#general", "Good morning, academy!")] * 2
        [refused] = await h.send("ana", "/schedule cancel 1")
        assert refused.text == "Sorry, /schedule is for facilitators only."
