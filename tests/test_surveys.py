"""Surveys on the console: waves, one question at a time, review and change, conditional
questions, resuming after a restart, reminders that stop, anonymity, results, the CSV
export, the interview shortlist and its slots."""

from __future__ import annotations

import csv
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot import timeline
from handlers.surveys import engine
from handlers.surveys.waves import REMINDER_KIND, WAVE_KIND
from tests.harness import ConsoleHarness, Reply, demo_cohort, open_console

DETAILS = "A triangular project with Brazil and Mozambique on green jobs"


def buttons(h: ConsoleHarness, user: str) -> list[str]:
    """The buttons of the newest message with buttons in the user's private chat."""
    return next(r.buttons for r in reversed(h._history.get(user, [])) if r.buttons)


async def nth(h: ConsoleHarness, user: str, n: int) -> list[Reply]:
    """Press the n-th button (typing its number, as on the console)."""
    return await h.send(user, str(n))


async def submit(h: ConsoleHarness, user: str) -> list[Reply]:
    """Submit is the review's last button, whatever the reader's language."""
    return await nth(h, user, len(buttons(h, user)))


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def attachment(replies: list[Reply]) -> Path:
    match = re.search(r"📎 (\S+\.csv)", text_of(replies))
    assert match, text_of(replies)
    return Path(match.group(1))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


async def answer_effectiveness(h: ConsoleHarness, user: str) -> list[Reply]:
    """The impact survey's post-learning questions (issue 20), by button numbers: the
    material helped 4 of 5, none of the resources, the community 4 of 5."""
    await h.send(user, "4")
    await h.send(user, "9")  # "None of them"
    await h.send(user, "10")  # Done
    return await h.send(user, "4")


async def answer_impact_ana(h: ConsoleHarness) -> list[Reply]:
    """English, with buttons by label and typed text: reports an initiative."""
    await h.press("ana", "Start")
    await h.press("ana", "4")
    await h.press("ana", "Principles of SSTC")
    toggled = await h.press("ana", "Finding partners")
    assert "Selected: Principles of SSTC; Finding partners" in text_of(toggled)
    await h.press("ana", "Done")
    await h.press("ana", "Yes")
    asked = await h.send("ana", DETAILS)
    assert "agree to a short interview" in text_of(asked)
    await h.press("ana", "Yes")
    await h.send("ana", "More than 5")  # a button question answered by the option's text
    await answer_effectiveness(h, "ana")
    review = await h.press("ana", "Skip")
    assert "Please check your answers" in text_of(review)
    assert DETAILS in text_of(review)
    return await h.press("ana", "Submit")


async def answer_impact_bea(h: ConsoleHarness) -> list[Reply]:
    """French, by numbers: no initiative, so its two follow-ups are never asked."""
    started = await nth(h, "bea", 1)
    assert "Dans quelle mesure avez-vous utilisé" in text_of(started)
    await nth(h, "bea", 3)
    await nth(h, "bea", 1)
    await nth(h, "bea", 10)  # Done, after the nine topics
    after_no = await nth(h, "bea", 2)
    assert "Combien des contacts" in text_of(after_no)  # details and interview skipped
    await nth(h, "bea", 2)
    await answer_effectiveness(h, "bea")
    review = await h.send("bea", "Plus de sessions en ligne, s'il vous plaît")
    assert "Décrivez l’initiative" not in text_of(review)
    return await submit(h, "bea")


async def test_impact_survey_from_launch_to_export(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("bea", "/join demo", language="fr")
        launched = await h.send("fac", "/survey start impact")
        assert "on its way to 2 participants" in text_of(launched)
        assert [r.chat_id for r in launched if len(r.buttons) == 1] == ["ana", "bea"]
        assert "Enquête d’impact" in text_of([r for r in launched if r.chat_id == "bea"])

        done = await answer_impact_ana(h)
        assert "Your answers to \"Impact survey" in text_of(done)
        assert "short interview" in text_of(done)  # shortlisted: told slots will come
        await answer_impact_bea(h)

        status = text_of(await h.send("fac", "/survey status impact"))
        assert "Invited: 2 · started: 2 · completed: 2 (100%)" in status
        assert "console: 2 of 2 completed (100%)" in status
        assert "fr: 1 of 1 completed (100%)" in status

        results = text_of(await h.send("fac", "/survey results impact"))
        assert "2 responses" in results
        assert re.search(r"1 \(50%\) · Yes", results)
        assert DETAILS in results
        assert "Plus de sessions en ligne" in results  # in its original language
        assert "average 3.5 on 1–5" in results

        shortlist = text_of(await h.send("fac", "/survey shortlist impact"))
        assert "• ana — Console · ana · impact (demo): initiative = Yes" in shortlist
        assert "bea" not in shortlist

        exported = await h.send("fac", "/survey export impact")
        rows = read_csv(attachment(exported))
        assert [r["name"] for r in rows] == ["ana", "bea"]
        assert rows[0]["initiative"] == "Yes" and rows[0]["initiative-details"] == DETAILS
        assert rows[1]["initiative"] == "No" and rows[1]["initiative-details"] == ""
        assert rows[1]["language"] == "fr" and rows[1]["use"] == "3"
        assert rows[0]["topics"] == "Principles of SSTC; Finding partners"


async def test_participants_cannot_run_the_facilitator_actions(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        [refused] = await h.send("ana", "/survey results impact", language="en")
        assert "for facilitators only" in refused.text
        [none] = await h.send("ana", "/survey")
        assert "/join" not in none.text and "No survey is waiting" in none.text
        [unknown] = await h.send("ana", "/survey nonsense")
        assert "There is no survey named \"nonsense\"" in unknown.text


async def test_a_survey_interrupted_by_a_restart_is_completed_after_it(tmp_path: Path) -> None:
    sections = {"facilitators": ["fac"], "cohorts": [demo_cohort()]}
    async with open_console(tmp_path, **sections) as h:  # type: ignore[arg-type]
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await h.press("ana", "Start")
        await h.press("ana", "2")
        await h.press("ana", "Gender mainstreaming")
        await h.press("ana", "Done")
    async with open_console(tmp_path, **sections) as h:  # type: ignore[arg-type]
        back = text_of(await h.send("ana", "/survey impact"))
        assert "Welcome back" in back
        assert "have you started or joined" in back  # the third question, where she was
        await h.send("ana", "no")  # typed, no button pressed since the restart
        await h.send("ana", "2")
        await answer_effectiveness(h, "ana")
        review = text_of(await h.press("ana", "Skip"))
        assert "→ Gender mainstreaming" in review and "→ 2" in review
        await h.press("ana", "Submit")
        exported = await h.send("fac", "/survey export impact")
        [row] = read_csv(attachment(exported))
        assert row["use"] == "2" and row["topics"] == "Gender mainstreaming"
        assert row["initiative"] == "No" and row["contacts"] == "1–2"


async def test_review_and_change_before_submitting(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await h.press("ana", "Start")
        await h.press("ana", "5")
        await h.press("ana", "Measuring results")
        await h.press("ana", "Done")
        await h.press("ana", "No")
        await h.press("ana", "None")
        await answer_effectiveness(h, "ana")
        review = text_of(await h.press("ana", "Skip"))
        assert "agree to a short interview" not in review
        changing = text_of(await h.press("ana", "Change 1"))
        assert "Your answer was: 5" in changing
        review = text_of(await h.press("ana", "3"))
        assert "Please check your answers" in review and "→ 3" in review
        # Changing "no" into "yes" brings the two follow-up questions in.
        asked = text_of(await h.press("ana", "Change 3"))
        assert "Your answer was: No" in asked
        assert "Please describe the initiative" in text_of(await h.press("ana", "Yes"))
        await h.send("ana", DETAILS)
        review = text_of(await h.press("ana", "No"))
        assert DETAILS in review
        # A stale button (an earlier question's) does not change anything.
        stale = text_of(await h.send("ana", "/survey impact"))
        assert "Please check your answers" in stale
        done = text_of(await h.press("ana", "Submit"))
        assert "submitted" in done
        assert "short interview" not in done  # declined the interview: no slots offered
        again = text_of(await h.press("ana", "Submit"))
        assert "already" in again
        [row] = read_csv(attachment(await h.send("fac", "/survey export impact")))
        assert row["use"] == "3" and row["initiative"] == "Yes"
        assert row["initiative-details"] == DETAILS and row["interview"] == "No"


async def test_typed_answers_that_match_no_option_get_the_choices_again(tmp_path: Path
                                                                        ) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await h.press("ana", "Start")
        [wrong] = await h.send("ana", "very much")
        assert "\"very much\" is not one of the answers" in wrong.text
        assert "Choose a number from 1 to 5." in wrong.text
        assert "question 2 of" in text_of(await h.send("ana", "5"))
        [wrong] = await h.send("ana", "cooking")
        assert "1. Principles of SSTC" in wrong.text and "9. None of these yet" in wrong.text
        # Typed choices select, as their buttons do; Done (typed here) answers.
        assert "Selected: Principles of SSTC; Finding partners" in text_of(
            await h.send("ana", "1, 7"))
        assert "have you started" in text_of(await h.send("ana", "done"))
        paused = text_of(await h.press("ana", "Continue later"))
        assert "Paused" in paused
        # Paused: free text is no longer taken as an answer.
        [other] = await h.send("ana", "hello")
        assert "I answer commands" in other.text
        resumed = text_of(await h.press("ana", "Continue"))
        assert "have you started" in resumed


async def test_reminders_go_only_to_those_who_have_not_finished(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("bea", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await answer_impact_ana(h)
        services = h.bot.services
        wave = await engine.repository(services).wave_for("impact", "demo")
        assert wave is not None

        async def planned() -> list[int | None]:
            return [s.participant_id for s in await services.schedules.active(
                kind=REMINDER_KIND) if s.data["wave"] == wave.id]

        bea = await services.participants.account("console", "bea")
        assert bea is not None
        # Ana finished: her two reminders were cancelled; Bea's two wait.
        assert await planned() == [bea.participant_id, bea.participant_id]

        def reminders(replies: list[Reply]) -> list[Reply]:
            return [r for r in replies if "⏰ Reminder" in r.text and "Impact survey" in r.text]

        first = reminders(await h.advance(timedelta(days=3, hours=1)))
        assert [r.chat_id for r in first] == ["bea"]
        assert "last reminder" not in first[0].text
        second = reminders(await h.advance(timedelta(days=4)))
        assert [r.chat_id for r in second] == ["bea"]
        assert "This is the last reminder." in second[0].text
        assert reminders(await h.advance(timedelta(days=30))) == []
        assert await planned() == []


async def test_configured_reminder_days_per_survey(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            surveys={"reminder_days": [3, 7],
                                     "reminder_days_by_survey": {"impact": [1]}}) as h:
        await h.send("bea", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        replies = await h.advance(timedelta(days=1, hours=1))
        [only] = [r for r in replies if "⏰ Reminder" in r.text and "Impact" in r.text]
        assert "This is the last reminder." in only.text
        later = await h.advance(timedelta(days=10))
        assert not [r for r in later if "⏰ Reminder" in r.text and "Impact" in r.text]


@pytest.mark.sqlite_only("reads the SQLite file with sqlite3 after the bot stopped")
async def test_an_anonymous_survey_keeps_no_link_to_the_participant(tmp_path: Path) -> None:
    secret = "More time for group work please"
    # One respondent, shown: this test is about what is stored (the minimum group size for
    # showing anonymous answers is test_anonymity.py's).
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            surveys={"anonymous_min_group": 1}) as h:
        await h.send("ana", "/join demo", language="en")
        invited = text_of(await h.send("fac", "/survey start assessment"))
        assert "It is anonymous" in invited
        await h.press("ana", "Start")
        for value in ("5", "4", "4"):
            await h.press("ana", value)
        await h.press("ana", "Group work")
        await h.send("ana", secret)
        review = text_of(await h.press("ana", "Yes"))
        assert secret in review
        assert "without your name" in text_of(await h.press("ana", "Submit"))

        status = text_of(await h.send("fac", "/survey status assessment"))
        assert "completed: 1" in status
        results = text_of(await h.send("fac", "/survey results assessment"))
        assert secret in results and "ana" not in results
        exported = attachment(await h.send("fac", "/survey export assessment"))
        raw = exported.read_text(encoding="utf-8-sig")
        assert secret in raw
        for identifier in ("ana", "console", "participant", "name", "submitted_at"):
            assert identifier not in raw
        [row] = read_csv(exported)
        assert row["satisfaction"] == "5" and row["recommend"] == "Yes"
        participant_id = (await h.bot.services.participants.account("console", "ana")
                          ).participant_id  # type: ignore[union-attr]

    # The whole database: the answers are in one table, with no participant in it, and
    # nowhere else (the messages that showed them were redacted from the outbox).
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(survey_anonymous_responses)")]
        assert columns == ["id", "wave_id", "answers"]
        holders = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                if any(isinstance(v, str) and secret in v for v in row):
                    holders.append(table)
        # The outbox keeps the results the facilitator read; ana's messages that showed her
        # answers were redacted when she submitted.
        assert holders == ["outbox", "survey_anonymous_responses"]
        assert conn.execute("SELECT DISTINCT chat_id FROM outbox WHERE payload LIKE ?",
                            (f"%{secret}%",)).fetchall() == [("fac",)]
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE chat_id = 'ana' AND "
                            "dedupe_key LIKE 'survey-anon:%' AND payload NOT LIKE "
                            "'%[anonymous survey]%'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM survey_sessions").fetchone() == (0,)
        flag = conn.execute("SELECT participant_id, completed FROM survey_invitations "
                            "JOIN survey_waves ON survey_waves.id = wave_id "
                            "WHERE survey = 'assessment'").fetchall()
        assert flag == [(participant_id, 1)]


async def test_newcomers_are_invited_and_scheduled_waves_open_by_themselves(tmp_path: Path
                                                                           ) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        # The pre-assessment opened when the pre-learning started (before today).
        joined = await h.send("ana", "/join demo", language="en")
        assert any("Pre-assessment" in r.text and "Start" in r.buttons for r in joined)
        await h.send("fac", "/survey start impact")
        late = await h.send("cid", "/join demo", language="es")
        assert any("Cuestionario de impacto" in r.text for r in late)
        # The end-of-week assessment opens on the last day of the face-to-face week.
        replies = await h.advance(timedelta(days=15))
        invited = [r.chat_id for r in replies if len(r.buttons) == 1 and (
            "End-of-week" in r.text or "Evaluación final" in r.text)]
        assert sorted(invited) == ["ana", "cid"]
        cohort = h.bot.services.cohorts.get("demo")
        assert cohort is not None
        plan = await timeline.plan(h.bot.services, cohort, h.bot.registry.timeline)
        surveys_planned = [e for e in plan if e.kind == "survey"]
        assert len(surveys_planned) == 3
        assert sum(1 for e in plan if e.kind == "reminder") == 6
        impact = next(e for e in surveys_planned if "(survey impact)" in e.first_line)
        assert impact.at.astimezone(cohort.zone).date() <= cohort.impact_survey


async def test_scheduled_waves_are_planned_once_across_restarts(tmp_path: Path) -> None:
    for _ in range(2):
        async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
            rows = await h.bot.services.schedules.active(kind=WAVE_KIND)
            # The pre-assessment's wave already opened; assessment and impact wait.
            assert sorted(s.data["survey"] for s in rows) == ["assessment", "impact"]


async def test_free_text_results_are_translated_when_an_engine_is_configured(
        tmp_path: Path) -> None:
    from tests.fakes.libretranslate_server import FakeLibreTranslate

    written = "Bonjour à tous, bienvenue à la session."
    async with FakeLibreTranslate() as lt, open_console(
            tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
            translation={"engine": "libretranslate", "url": lt.url}) as h:
        await h.send("bea", "/join demo", language="fr")
        await h.send("fac", "/survey start impact", language="en")
        await nth(h, "bea", 1)
        for n in (3, 1, 10, 2, 2):
            await nth(h, "bea", n)
        await answer_effectiveness(h, "bea")
        await h.send("bea", written)
        await submit(h, "bea")
        results = text_of(await h.send("fac", "/survey results impact"))
        assert f"• {written}\n     → Hello everyone, welcome to the session." in results


def test_the_checker_rejects_conditions_and_shortlists_the_engine_cannot_use(tmp_path: Path
                                                                           ) -> None:
    import shutil

    from bot.content.academy import load_academy
    from tests.harness import SAMPLE_ACADEMY

    folder = tmp_path / "academy"
    shutil.copytree(SAMPLE_ACADEMY, folder)
    impact = folder / "surveys" / "impact.toml"
    text = impact.read_text(encoding="utf-8")
    text = text.replace('when = { question = "initiative", answer = "yes" }',
                        'when = { question = "initiative", answer = "maybe" }', 1)
    impact.write_text(text, encoding="utf-8")
    assessment = folder / "surveys" / "assessment.toml"
    assessment.write_text(assessment.read_text(encoding="utf-8").replace(
        'id = "recommend"\ntype = "yesno"', 'id = "recommend"\ntype = "yesno"\nshortlist = true'),
        encoding="utf-8")
    academy, problems = load_academy(folder)
    when_line = text.splitlines().index('when = { question = "initiative", answer = "maybe" }')
    assert f"{impact}:{when_line + 1}: when.answer" in "\n".join(problems)
    assert any(str(assessment) in p and "anonymous survey keeps no names" in p
               for p in problems)
    assert academy is not None and "impact" not in academy.surveys
    assert "pre-assessment" in academy.surveys
