"""Flow defects found by trying the bot as a newcomer would (issue 15 item 4), one test
each, over the console: /skip and /cancel in a survey, a returned practice reopened, poll
flags after the options, /poll errors only to the asker, the timeline after a survey sent
early and past prompts, reminders numbered per person, a participant's /help."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot import timeline
from handlers.surveys import engine
from storage.db import Database
from tests.harness import ConsoleHarness, Reply, demo_cohort, migrated_before, open_console
from tests.test_polls import say
from tests.test_typed_answers import _at_question
from tests.test_units import pid


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def _session(h: ConsoleHarness, user: str, survey: str) -> engine.Session:
    repo = engine.repository(h.bot.services)
    [wave] = await repo.waves(survey=survey)
    session = await repo.session(wave.id, await pid(h, user))
    assert session is not None
    return session


async def test_skip_and_cancel_work_in_a_survey(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await _at_question(h, "ana", "impact", "use")
        refused = text_of(await h.send("ana", "/skip"))  # a required question
        assert "only optional ones can be skipped" in refused
        assert "nothing to skip" not in refused
        assert "use" not in (await _session(h, "ana", "impact")).answers
        await _at_question(h, "ana", "impact", "suggestions")  # optional free text
        skipped = text_of(await h.send("ana", "/skip"))
        assert (await _session(h, "ana", "impact")).answers == {"suggestions": None}
        assert "nothing to skip" not in skipped and "question 1 of" in skipped
        await _at_question(h, "ana", "impact", "initiative-details")
        paused = text_of(await h.send("ana", "/cancel"))
        assert "Paused" in paused and "nothing to cancel" not in paused
        assert (await _session(h, "ana", "impact")).state == "paused"
        # Outside any survey or practice they still say there is nothing to do.
        assert "nothing to skip" in text_of(await h.send("ana", "/skip"))


async def _write_practice(h: ConsoleHarness, user: str, title: str) -> None:
    await h.send(user, "/practice new")
    for answer in (title, "H", "O", "S", "M", "V", "I", "Su", "R"):
        await h.send(user, answer)
    await h.send(user, "/skip")
    await h.send(user, "/skip")
    await h.press(user, "✅ Submit for review")


async def test_a_returned_practice_reopens_as_the_bot_tells_its_author(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await _write_practice(h, "ana", "Green jobs exchange")
        [submitted] = await h.bot.services.db.fetchall(
            "SELECT id FROM practices WHERE status = 'submitted'")
        number = int(submitted["id"])
        await h.send("ana", "/practice new")  # a second one, begun meanwhile
        await h.send("ana", "Another practice")
        await h.send("ana", "/cancel")
        returned = await h.send("fac", f"/practice return {number} add figures",
                                language="en")
        told = next(r for r in returned if r.chat_id == "ana")
        assert f"/practice new {number}" in told.text
        reopened = text_of(await h.send("ana", "/practice new"))
        assert "came back from the facilitators" in reopened and "add figures" in reopened
        assert "Green jobs exchange" in reopened
        again = text_of(await h.send("ana", f"/practice new {number}"))
        assert "Green jobs exchange" in again
        assert "no practice #1 to work on" in text_of(await h.send("ana", "/practice new 1"))


async def test_poll_flags_after_the_options_are_flags(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        posted = await say(h, "academy", "fac", "/poll Which day? | Monday | Wednesday "
                           "--for 2d || fr: Quel jour ? | lundi | mercredi", "en")
        [poll] = [r for r in posted if r.chat_id == "#academy" and r.buttons]
        assert poll.buttons == ["Monday", "Wednesday"]
        [record] = await h.bot.services.db.fetchall("SELECT created_at, closes_at FROM polls")
        assert record["closes_at"] - record["created_at"] == 2 * 86400


async def test_poll_errors_go_to_the_asker_not_to_the_group(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        for typed in ("/poll results 99", "/poll close", "/poll Which day? | Monday"):
            replies = await say(h, "academy", "fac", typed, "en")
            # The group reads at most that the answer went privately.
            assert [r.text for r in replies if r.chat_id != "fac"] in (
                [], ["I have answered you in a private message."]), (typed, replies)
            assert [r for r in replies if r.chat_id == "fac"], typed
        missing = await say(h, "academy", "fac", "/poll results 99", "en")
        assert [r.chat_id for r in missing if "There is no poll #99" in r.text] == ["fac"]


async def test_the_timeline_after_a_survey_sent_early_and_past_prompts(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        services = h.bot.services
        cohort = services.cohorts.get("demo")
        assert cohort is not None
        now = services.clock.now()
        sources = h.bot.registry.timeline
        before = [e for e in await timeline.plan(services, cohort, sources)
                  if e.kind == "animation"]
        past = [e for e in before if e.at < now]
        assert past and all(e.audience.startswith("not sent") for e in past)
        assert all(not e.audience.startswith("not sent") for e in before if e.at > now)
        await h.send("fac", "/survey start impact", language="en")
        after = [e for e in await timeline.plan(services, cohort, sources)
                 if e.kind == "animation"]
        [soon] = [e for e in after if "three days you will receive" in e.first_line]
        assert soon.audience.startswith("not sent") and "survey" in soon.audience
        # Nor is it posted when its day comes.
        posted = await h.advance(soon.at - services.clock.now() + timedelta(minutes=1))
        assert not [r for r in posted if "three days you will receive" in r.text]


async def test_reminders_are_numbered_per_person(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        await h.send("bob", "/remind in 2 hours call Ana", language="en")
        await h.send("bob", "/remind in 3 hours call Ben")
        [first] = await h.send("ana", "/remind in 2 hours call Bob", language="en")
        assert "#1" in first.text
        [second] = await h.send("ana", "/remind in 4 hours read unit 2")
        assert "#2" in second.text
        listed = text_of(await h.send("ana", "/remind list"))
        assert "#1 · " in listed and "#2 · " in listed
        assert "Cancelled #1." in text_of(await h.send("ana", "/remind cancel 1"))
        listed = text_of(await h.send("ana", "/remind list"))
        assert "call Bob" not in listed and "#2 · " in listed
        assert "#3" in text_of(await h.send("ana", "/remind in 5 hours stretch"))  # not reused
        bob = text_of(await h.send("bob", "/remind list"))
        assert "#1 · " in bob and "#2 · " in bob and "call Bob" not in bob


async def test_the_migration_numbers_existing_reminders_per_person(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with migrated_before(path, "schedule_numbers") as conn:
        conn.execute("INSERT INTO participants (id, created_at) VALUES (3, 'x'), (7, 'x')")
        conn.executemany(
            "INSERT INTO schedules (id, kind, participant_id, platform, chat_id, chat_kind, "
            "timezone, next_at, created_at) VALUES (?, ?, ?, 'console', ?, ?, 'UTC', 1, 0)",
            [(1, "reminder", 3, "a", "private"), (2, "reminder", 7, "b", "private"),
             (3, "post", 7, "#g", "group"), (4, "reminder", 3, "a", "private"),
             (5, "post", 3, "#g", "group"), (6, "animation", None, "", "group")])
    db = Database(path)
    await db.open()
    try:
        rows = [tuple(r) for r in await db.fetchall(
            "SELECT id, number FROM schedules ORDER BY id")]
        assert rows == [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, None)]
    finally:
        await db.close()


async def test_a_participant_help_lists_no_facilitator_subcommands(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        registry = h.bot.services.registry
        for user, language in (("ana", "en"), ("ali", "ar"), ("fac", "en")):
            [shown] = await h.send(user, "/help", language=language)
            facilitator = user == "fac"
            for command in registry.commands.values():
                if command.facilitator_only:
                    continue
                line = next(line for line in shown.text.splitlines()
                            if line.lstrip("\u200f").startswith(f"/{command.name} "))
                usage = line.split(" — ")[0].split()[1:]
                words = {w.strip("[]").lower() for part in usage for w in part.split("|")}
                for sub in command.subcommands:
                    assert (sub in words) == facilitator or (facilitator and sub not in
                                                             command.usage), (user, line)
                if not facilitator:
                    assert "facilitat" not in line.lower(), line


async def test_over_telegram_a_poll_error_reaches_only_the_asker(tmp_path: Path) -> None:
    from tests.harness_telegram import open_telegram

    async with open_telegram(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as tg:
        await tg.send("fac", "/start", language="en")  # the bot may write to them privately
        tg.new_replies(tg.user("fac"))
        group = tg.fake.add_group("Cohort 1")
        tg.fake.push_text(tg.user("fac"), "/poll results 99", group)
        await tg.settle(tg.fake.last_update_id)
        assert [r.text for r in tg.new_replies(group)] in (
            [], ["I have answered you in a private message."])
        [told] = tg.new_replies(tg.user("fac"))
        assert "There is no poll #99" in told.text
