"""Pre-learning units: release, /units, /unit, knowledge checks, nudges, /progress, the
timeline. On the console harness, and on the Telegram fakes for native quiz polls.

Assertions on what a French reader sees use the content (titles, options, bodies) and
Babel's dates and language names, not the bot's own sentences, whose translations are
merged separately."""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.content.academy import load_academy
from bot.i18n import format_datetime, use_language
from bot.model import ChatKind, ChatRef, Event, EventKind, UserRef
from bot.scheduler import Firing
from handlers.units.checks import pass_mark
from handlers.units.content import nudge_at, release_at
from handlers.units.releases import fire_release
from storage.units import UnitStore
from tests.harness import (
    REPO,
    SAMPLE_ACADEMY,
    ConsoleHarness,
    demo_cohort,
    open_console,
)
from tests.harness_telegram import open_telegram, telegram_id

SAMPLE, _problems = load_academy(SAMPLE_ACADEMY)
assert SAMPLE is not None
FR_TITLE_1 = SAMPLE.units[1]["fr"].title
FR_TITLE_4 = SAMPLE.units[4]["fr"].title


def right(number: int, language: str) -> list[str]:
    return [q.options[q.answer - 1] for q in SAMPLE.units[number][language].questions]


def wrong(number: int, language: str) -> list[str]:
    return [q.options[q.answer % len(q.options)]
            for q in SAMPLE.units[number][language].questions]


FR_RIGHT_1 = right(1, "fr")
EN_RIGHT_1 = right(1, "en")
EN_WRONG_1 = wrong(1, "en")


def until(h: ConsoleHarness, number: int, kind: str = "release") -> timedelta:
    """How far to move the clock to one minute after unit `number`'s release (or nudge)."""
    s = h.bot.services
    cohort = s.cohorts.get("demo")
    assert cohort is not None and s.academy is not None
    at = (release_at if kind == "release" else nudge_at)(cohort, s.academy, number)
    assert at is not None
    return at - s.clock.now() + timedelta(minutes=1)


async def pid(h: ConsoleHarness, name: str) -> int:
    account = await h.bot.services.participants.account("console", name)
    assert account is not None
    return account.participant_id


async def sent_keys(h: ConsoleHarness, prefix: str) -> list[str]:
    rows = await h.bot.services.db.fetchall(
        "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE ? ORDER BY id", (prefix + "%",))
    return [r["dedupe_key"] for r in rows]


async def test_a_newcomer_reads_in_french_answers_and_gets_the_next_unit_once(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        s = h.bot.services
        cohort = s.cohorts.get("demo")
        assert cohort is not None and s.academy is not None
        joined = await h.send("marie", "/join demo", language="fr")
        # After the welcome, one message lists the units already open (not their bodies).
        [listed] = [r for r in joined if FR_TITLE_1 in r.text]
        assert joined.index(listed) > 0 and "/unit 1" in listed.text
        assert FR_TITLE_4 not in listed.text and len(listed.text) < 1000

        [listing] = await h.send("marie", "/units")
        lines = [line for line in listing.text.splitlines() if line[:2] in
                 {f"{n}." for n in range(1, 6)}]
        assert len(lines) == 5
        assert lines[0].startswith(f"1. {FR_TITLE_1} — 🆕")
        assert [line.count("🔒") for line in lines] == [0, 0, 0, 1, 1]
        with use_language(s.catalogs.pack("fr")):
            for number in (4, 5):  # real dates, in French, in the cohort's zone
                at = release_at(cohort, s.academy, number)
                assert at is not None and at > s.clock.now()
                assert format_datetime(at, cohort.zone) in lines[number - 1]

        read = await h.send("marie", "/unit 1")
        assert read[0].text.startswith(f"Unit 1: {FR_TITLE_1}".split(":")[0]) or \
            FR_TITLE_1 in read[0].text.splitlines()[0]
        assert "Un partenariat entre pays en développement" in read[0].text  # heading line
        assert "• Solidarité" in read[0].text or "• " in read[0].text
        assert read[-1].buttons[0] == FR_RIGHT_1[0]
        for answer in FR_RIGHT_1:
            replies = await h.press("marie", answer)
            assert replies[0].text.startswith("✅")
        assert "3" in replies[-1].text and "🎉" in replies[-1].text
        progress = await UnitStore(s.db).progress_of(await pid(h, "marie"), 1)
        assert progress is not None and progress.opened_at is not None
        assert (progress.best_score, progress.questions) == (3, 3)
        assert progress.passed_at is not None and progress.question is None
        [listing] = await h.send("marie", "/units")
        assert "✅" in listing.text.splitlines()[1] and "(3/3)" in listing.text

        delivered = await h.advance(until(h, 4))
        units = [r for r in delivered if FR_TITLE_4 in r.text]
        assert len(units) == 1 and units[0].chat_id == "marie"
        assert units[0].buttons and "Ce que signifie" in units[0].text  # the French body
        assert [r for r in await h.advance(timedelta(hours=2)) if FR_TITLE_4 in r.text] == []
        assert await sent_keys(h, "unit:4:") == [f"unit:4:{await pid(h, 'marie')}"]
        # The same release firing a second time (a crash before its bookkeeping) is a no-op.
        plan = (await UnitStore(s.db).plans("demo"))[(4, "release")]
        assert plan.schedule_id is not None
        schedule = await s.schedules.get(plan.schedule_id)
        assert schedule is not None and schedule.status == "done"
        await fire_release(s, schedule, Firing(s.clock.now(), late=False))
        assert await h._new_replies() == []
        assert len(await sent_keys(h, "unit:4:")) == 1
        # Unit 4 is now open for her; 5 is still locked.
        [listing] = await h.send("marie", "/units")
        assert [line.count("🔒") for line in listing.text.splitlines()[1:6]] == [0, 0, 0, 0, 1]

        [report] = await h.send("fac", "/progress", language="en")
        assert report.text.startswith("SSTC Academy — demo cohort — enrolled: 1")
        assert ("1. What South-South and triangular cooperation is — opened 1/1, passed 1/1, "
                "average score 3/3") in report.text
        assert "4. Gender mainstreaming and SSTC — opened 0/1, passed 0/1, average score –" \
            in report.text
        assert "5. From the Buenos Aires Plan of Action to SSTC — 🔒 opens on" in report.text
    # A restart (the schedules are caught up at start) sends nothing twice.
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        assert [r for r in await h.advance(timedelta(minutes=1)) if FR_TITLE_4 in r.text] == []
        assert len(await sent_keys(h, "unit:4:")) == 1


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


async def test_progress_csv_has_a_row_per_participant_and_unit(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="pt")
        await h.send("bob", "/join demo", language="en")
        await h.send("bob", "/unit 1")
        for answer in (EN_RIGHT_1[0], EN_WRONG_1[1], EN_RIGHT_1[2]):
            await h.press("bob", answer)
        [sent] = await h.send("fac", "/progress csv", language="en")
        assert sent.chat_id == "fac"
        path = Path(sent.text.splitlines()[-1].removeprefix("📎 "))
        rows = read_csv(path)
        assert rows[0] == ["cohort", "participant", "language", "unit", "opened at", "score",
                           "passed"]
        assert len(rows) == 1 + 2 * 5
        bob = [r for r in rows if r[1] == "bob"]
        assert bob[0][:4] == ["demo", "bob", "en", "1"] and bob[0][5:] == ["2/3", "yes"]
        assert bob[0][4].startswith(h.bot.services.clock.now().date().isoformat()[:4])
        assert bob[1][3:] == ["2", "", "", "no"]
        assert [r[2] for r in rows if r[1] == "ana"] == ["pt"] * 5


async def test_units_released_before_the_first_start_are_listed_not_broadcast(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        plans = await UnitStore(h.bot.services.db).plans("demo")
        assert {n: plans[(n, "release")].schedule_id is None for n in range(1, 6)} == \
            {1: True, 2: True, 3: True, 4: False, 5: False}
        await h.send("ana", "/join demo", language="en")
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        again = await UnitStore(h.bot.services.db).plans("demo")
        assert again == plans  # planning is idempotent
        rows = await h.bot.services.db.fetchall(
            "SELECT COUNT(*) AS n FROM schedules WHERE kind IN ('unit_release', 'unit_nudge')")
        assert rows[0]["n"] == sum(p.schedule_id is not None for p in plans.values())
        await h.advance(timedelta(minutes=5))
        assert await sent_keys(h, "unit:") == []


async def test_one_nudge_per_unit_for_those_who_have_not_opened_it(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("bob", "/join demo", language="en")
        await h.send("ana", "/unit 3")
        replies = await h.advance(until(h, 3, "nudge"))
        nudges = [r for r in replies if r.text.startswith("👋 A friendly reminder: unit")]
        assert [r.chat_id for r in nudges] == ["bob"]
        assert "/unit 3" in nudges[0].text and nudges[0].buttons == ["Read it now"]
        # The nudge's button reads the unit (and it is then opened: no second nudge).
        opened = await h.press("bob", "Read it now")
        assert opened[0].text.startswith("Unit 3: Triangular cooperation")
        later = await h.advance(timedelta(days=20))
        assert await sent_keys(h, "unit-nudge:3:") == [f"unit-nudge:3:{await pid(h, 'bob')}"]
        # Units 4 and 5 were released then nudged, each once per person.
        assert sorted(await sent_keys(h, "unit-nudge:")) == sorted(
            [f"unit-nudge:3:{await pid(h, 'bob')}"]
            + [f"unit-nudge:{n}:{await pid(h, who)}" for n in (4, 5) for who in ("ana", "bob")])
        assert len([r for r in later if r.text.startswith("👋 A friendly reminder: unit")]) == 4


async def test_restart_in_the_middle_of_a_quiz_resumes(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("ana", "/unit 1")
        await h.press("ana", EN_RIGHT_1[0])
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        replies = await h.send("ana", "/unit 1", language="en")
        # The unit again, a word that the check goes on, and question 2.
        assert replies[1].text.startswith("You were at question 2 of 3")
        assert replies[2].text.startswith("Question 2 of 3")
        await h.press("ana", EN_WRONG_1[1])
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        # A button sent before the restart still answers (Telegram and Discord keep them).
        ana = await pid(h, "ana")
        # The button's token, as the platform kept it.
        row = await h.bot.services.db.fetchone(
            "SELECT token FROM button_tokens WHERE data = 'quiz:1:1:2:1'")
        assert row is not None
        event = Event(EventKind.CALLBACK, "console", ChatRef("console", "ana", ChatKind.PRIVATE),
                      UserRef("console", "ana", "ana"), h.bot.services.clock.now(),
                      callback_data=row[0])
        await h.bot.dispatcher.handle(event)
        replies = await h._new_replies()
        assert replies[0].text.startswith("✅ Right!")
        assert replies[1].text.startswith("Knowledge check done: 2 of 3 right. Unit 1 passed!")
        progress = await UnitStore(h.bot.services.db).progress_of(ana, 1)
        assert progress is not None and progress.best_score == 2
        wrong_2 = EN_WRONG_1[1]
        assert await UnitStore(h.bot.services.db).answers(ana, 1, 1) == [
            1, SAMPLE.units[1]["en"].questions[1].options.index(wrong_2) + 1, 1]
        # Pressed twice: answered already, nothing recorded twice.
        await h.bot.dispatcher.handle(event)
        [again] = await h._new_replies()
        assert again.text.startswith("You have already answered this question.")


async def test_retaking_keeps_the_best_score(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("ana", "/unit 1")
        for answer in EN_WRONG_1:
            replies = await h.press("ana", answer)
            assert replies[0].text.startswith("❌ Not quite: the answer is")
        assert replies[-1].text == ("Knowledge check done: 0 of 3 right. 2 are needed to pass; "
                                    "try again whenever you like with /unit 1.")
        for attempt in (EN_RIGHT_1, EN_WRONG_1):
            await h.send("ana", "/unit 1")
            for answer in attempt:
                await h.press("ana", answer)
        progress = await UnitStore(h.bot.services.db).progress_of(await pid(h, "ana"), 1)
        assert progress is not None
        assert (progress.attempts_done, progress.best_score) == (3, 3)
        assert progress.passed_at is not None
    assert [pass_mark(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 4]


async def test_bad_or_locked_units_get_specific_answers(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        [alone] = await h.send("ana", "/units", language="en")
        assert alone.text == "The units come with a cohort. Join yours with /join."
        await h.send("ana", "/join demo")
        [locked] = await h.send("ana", "/unit 5")
        assert locked.text.startswith("Unit 5 opens on ")
        assert locked.text.endswith(". I will send it to you then.")
        [missing] = await h.send("ana", "/unit 9")
        assert missing.text == 'There is no unit "9". The units are 1, 2, 3, 4, 5.'
        [word] = await h.send("ana", "/unit abc")
        assert word.text == 'There is no unit "abc". The units are 1, 2, 3, 4, 5.'
        [bare] = await h.send("ana", "/unit")
        assert bare.text.startswith("Which unit? Give its number, for example /unit 1.")
        [refused] = await h.send("ana", "/progress")
        assert refused.text == "Sorry, /progress is for facilitators only."


async def test_a_missing_translation_falls_back_with_a_note(tmp_path: Path) -> None:
    academy = tmp_path / "academy"
    shutil.copytree(SAMPLE_ACADEMY, academy)
    (academy / "units" / "unit-02.fr.md").unlink()
    async with open_console(tmp_path, cohorts=[demo_cohort()],
                            content={"academy": str(academy)}) as h:
        await h.send("marie", "/join demo", language="fr")
        read = await h.send("marie", "/unit 2")
        note, title = read[0].text.splitlines()[:2]
        assert note.startswith("ℹ️") and "français" in note and "anglais" in note
        assert "Decent work in the 2030 Agenda" in title
        first = await h.send("marie", "/unit 1")
        assert first[0].text.splitlines()[0] != note and FR_TITLE_1 in first[0].text


async def test_progress_is_per_cohort_for_its_facilitators(tmp_path: Path) -> None:
    june = {"code": "june", "name": "June cohort", "face_to_face_start": 30,
            "channels": []}
    async with open_console(tmp_path, facilitators=["fac"],
                            cohorts=[demo_cohort(), june]) as h:
        await h.send("ana", "/join june", language="en")
        [both] = await h.send("fac", "/progress", language="en")
        assert "SSTC Academy — demo cohort — enrolled: 0" in both.text
        assert "June cohort — enrolled: 1" in both.text
        [one] = await h.send("fac", "/progress june")
        assert "June cohort" in one.text and "demo cohort" not in one.text
        # June's units are all still locked.
        assert one.text.count("🔒") == 5
        [nope] = await h.send("fac", "/progress nope")
        assert nope.text == 'There is no cohort "nope" among yours: demo, june.'
        # A facilitator takes part in a cohort only by choice (issue 15 item 5).
        await h.send("fac", "/join demo")
        await h.press("fac", "Join as a participant")
        [mine] = await h.send("fac", "/progress")
        assert "demo cohort" in mine.text and "June" not in mine.text


def test_the_timeline_lists_releases_and_nudges(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/bot.sqlite3"', f'path = "{tmp_path / "t.sqlite3"}"')
    text = text.replace('academy = "content/sstc-academy"', f'academy = "{SAMPLE_ACADEMY}"')
    config.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "timeline",
                           "--cohort", "demo"], capture_output=True, text=True, cwd=REPO,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    units = [i for i, line in enumerate(lines) if "  unit " in line]
    nudges = [i for i, line in enumerate(lines) if "  nudge " in line]
    assert len(units) == 5 and len(nudges) == 5
    # On a new database units 1-3 are open already: listed, not broadcast.
    assert "not sent: already past when the bot first planned it" in lines[units[0]]
    assert "each enrolled participant · private message" in lines[units[3]]
    assert lines[units[0] + 1].strip() == \
        "Unit 1: What South-South and triangular cooperation is"
    assert lines[nudges[0] + 1].strip().startswith("👋 A friendly reminder: unit 1")
    # Releases 4 days apart, at the cohort's release time.
    times = [datetime.strptime(lines[i][:20].strip(), "%a %Y-%m-%d %H:%M") for i in units]
    assert [b - a for a, b in itertools.pairwise(times)] == [timedelta(days=4)] * 4
    assert all(t.strftime("%H:%M") == "09:00" for t in times)


async def test_the_knowledge_check_is_a_native_quiz_on_telegram(tmp_path: Path) -> None:
    async with open_telegram(tmp_path, cohorts=[demo_cohort()]) as tg:
        await tg.send("lea", "/join demo", language="fr")
        await tg.send("lea", "/unit 1")
        chat = telegram_id("lea")

        def polls() -> list[dict[str, object]]:
            return [m for m in tg.fake.bot_messages(chat) if "poll" in m]

        [first] = polls()
        poll = first["poll"]
        assert isinstance(poll, dict)
        assert poll["type"] == "quiz" and poll["is_anonymous"] is False
        assert [o["text"] for o in poll["options"]] == SAMPLE.units[1]["fr"].questions[0].options
        heading = SAMPLE.units[1]["fr"].body.splitlines()[0].removeprefix("## ")
        body = [m for m in tg.fake.bot_messages(chat) if heading in m.get("text", "")]
        assert len(body) == 1 and any(e["type"] == "bold" for e in body[0]["entities"])
        for i, option in enumerate([0, 0, 0]):  # right, wrong, right
            tg.fake.vote(tg.user("lea"), polls()[i], [option])
            await tg.settle(tg.fake.last_update_id)
            if i < 2:
                await tg.fake.wait_for(lambda i=i: len(polls()) == i + 2, tg.timeout)
        await tg.fake.wait_for(lambda: "🎉" in tg.fake.bot_messages(chat)[-1].get("text", ""),
                               tg.timeout)
        texts = [m.get("text", "") for m in tg.fake.bot_messages(chat)]
        assert sum(t.startswith("✅") for t in texts) == 2
        assert sum(t.startswith("❌") for t in texts) == 1
        ana = await tg.bot.services.participants.account("telegram", str(chat))
        assert ana is not None
        store = UnitStore(tg.bot.services.db)
        progress = await store.progress_of(ana.participant_id, 1)
        assert progress is not None and progress.best_score == 2
        assert progress.passed_at is not None
        assert await store.answers(ana.participant_id, 1, 1) == [1, 1, 1]
