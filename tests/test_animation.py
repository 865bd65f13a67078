"""The animation plan: prompts posted into a cohort's channels and bridged chats, each in
the chat's language, at the cohort's local times; recurring ones on their rhythm; planned
once across restarts; a broken plan reported as file:line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot import timeline
from bot.content.academy import load_academy
from bot.content.animation import parse_every, parse_moment
from bot.scheduler import Firing
from handlers.engagement.animation import KIND, fire_prompt
from tests.harness import (
    REPO,
    SAMPLE_ACADEMY,
    ConsoleHarness,
    Reply,
    demo_cohort,
    open_console,
)

LANGUAGES = ["en", "fr", "es", "pt", "ar"]
BRIDGE = {"name": "academy", "channels": [
    {"platform": "console", "chat_id": "academy", "language": "en"},
    {"platform": "console", "chat_id": "academie", "language": "fr"},
    {"platform": "console", "chat_id": "academia", "language": "pt"},
]}

PLAN = """\
[[prompts]]
id = "eve"
at = "face_to_face_start-1d 17:00"
text.en = "Tomorrow we meet."
text.fr = "Demain, on se retrouve."
text.es = "Mañana nos vemos."

[[prompts]]
id = "weekly"
every = "monday 10:00"
from = "face_to_face_end"
until = "face_to_face_end+3w"
text.en = ["Topic A", "Topic B"]
text.fr = ["Thème A", "Thème B"]
text.es = ["Tema A", "Tema B"]
"""


def academy_with(tmp_path: Path, plan: str) -> Path:
    """A copy of the sample academy's academy.toml with `plan` as its animation.toml."""
    folder = tmp_path / "academy"
    folder.mkdir()
    shutil.copy(SAMPLE_ACADEMY / "academy.toml", folder / "academy.toml")
    (folder / "animation.toml").write_text(plan, encoding="utf-8")
    return folder


def group_posts(replies: list[Reply], chat: str, start: str = "") -> list[str]:
    return [r.text for r in replies if r.chat_id == chat and r.text.startswith(start)]


async def advance_to(h: ConsoleHarness, moment: datetime) -> list[Reply]:
    return await h.advance(moment - h.bot.services.clock.now())


def test_the_sample_plan_is_valid_in_five_languages() -> None:
    academy, problems = load_academy(SAMPLE_ACADEMY)
    assert problems == []
    assert academy is not None
    prompts = academy.animation.prompts
    assert len(prompts) == 8
    assert any(p.recurring for p in prompts) and any(not p.recurring for p in prompts)
    for prompt in prompts:
        assert sorted(prompt.texts) == sorted(LANGUAGES), prompt.id
    weekly = academy.animation.get("weekly-topic")
    assert weekly is not None and len(weekly.texts["ar"]) == len(weekly.texts["en"]) >= 8


def test_moments_and_rhythms_are_read_strictly() -> None:
    moment = parse_moment("face_to_face_end+7d 10:00")
    assert (moment.point, moment.days, moment.at) == ("face_to_face_end", 7, time(10, 0))
    assert parse_moment("impact_survey-1w").days == -7
    assert parse_moment("prelearning_start").at is None
    for bad in ("face_to_face+7d", "face_to_face_end+7 10:00", "face_to_face_end 25:00",
                "tomorrow"):
        with pytest.raises(ValueError):
            parse_moment(bad)
    with pytest.raises(ValueError, match="without a time"):
        parse_moment("face_to_face_end 10:00", with_time=False)
    assert parse_every("Monday 10:00") == "0 10 * * mon"
    assert parse_every("day 18:30") == "30 18 * * *"
    for bad in ("mondays 10:00", "monday", "every monday 10:00", "day 24:00"):
        with pytest.raises(ValueError):
            parse_every(bad)


async def test_a_prompt_fires_once_in_each_channels_language_at_local_time(
        tmp_path: Path) -> None:
    folder = academy_with(tmp_path, PLAN)
    cohort_config = demo_cohort(timezone="America/Sao_Paulo", default_language="es")
    async with open_console(tmp_path, cohorts=[cohort_config], bridges=[BRIDGE],
                            content={"academy": str(folder)}) as h:
        cohort = h.bot.services.cohorts.get("demo")
        assert cohort is not None
        due = cohort.moment(cohort.face_to_face_start - timedelta(days=1), time(17, 0))
        assert due.astimezone(UTC).hour == 20  # 17:00 in São Paulo
        before = await advance_to(h, due - timedelta(minutes=1))
        assert not [r for r in before if r.chat_id.startswith("#")]
        posted = await h.advance(timedelta(minutes=2))
        assert group_posts(posted, "#academy") == ["Tomorrow we meet."]
        assert group_posts(posted, "#academie") == ["Demain, on se retrouve."]
        # No Portuguese text: the cohort's default language (Spanish).
        assert group_posts(posted, "#academia") == ["Mañana nos vemos."]
        later = await h.advance(timedelta(days=2))
        assert not [r for r in later if r.text == "Tomorrow we meet."]


async def test_a_recurring_prompt_keeps_its_rhythm_and_stops(tmp_path: Path) -> None:
    folder = academy_with(tmp_path, PLAN)
    async with open_console(tmp_path, cohorts=[demo_cohort(timezone="Asia/Beirut")],
                            bridges=[BRIDGE], content={"academy": str(folder)}) as h:
        services = h.bot.services
        cohort = services.cohorts.get("demo")
        assert cohort is not None and services.academy is not None
        prompt = services.academy.animation.get("weekly")
        assert prompt is not None
        mondays = list(prompt.occurrences(cohort))
        assert len(mondays) in (3, 4)  # three weeks from the end of the face-to-face week
        seen: list[str] = []
        for monday in mondays:
            local = monday.astimezone(cohort.zone)
            assert (local.weekday(), local.hour, local.minute) == (0, 10, 0)
            assert not group_posts(await advance_to(h, monday - timedelta(minutes=1)),
                                   "#academie", "Thème")
            posted = await h.advance(timedelta(minutes=2))
            seen += group_posts(posted, "#academie", "Thème")
        assert seen == ["Thème A", "Thème B", "Thème A", "Thème B"][:len(mondays)]
        assert not group_posts(await h.advance(timedelta(weeks=4)), "#academie", "Thème")
        assert await services.schedules.active(kind=KIND) == []


async def test_a_restart_plans_nothing_twice(tmp_path: Path) -> None:
    folder = academy_with(tmp_path, PLAN)
    sections = {"cohorts": [demo_cohort()], "bridges": [BRIDGE],
                "content": {"academy": str(folder)}}
    async with open_console(tmp_path, **sections) as h:  # type: ignore[arg-type]
        first = [(s.id, s.next_at) for s in await h.bot.services.schedules.active(kind=KIND)]
        assert len(first) == 2
        cohort = h.bot.services.cohorts.get("demo")
        assert cohort is not None
        due = cohort.moment(cohort.face_to_face_start - timedelta(days=1), time(17, 0))
        posted = await advance_to(h, due + timedelta(minutes=1))
        assert group_posts(posted, "#academy") == ["Tomorrow we meet."]
        offset = h.bot.services.clock.offset
    async with open_console(tmp_path, **sections) as h:  # type: ignore[arg-type]
        services = h.bot.services
        services.clock.advance(offset)
        again = [(s.id, s.next_at) for s in await services.schedules.active(kind=KIND)]
        assert again == [first[1]]  # the weekly one; "eve" is done
        count = await services.db.fetchone("SELECT COUNT(*) FROM schedules WHERE kind = ?",
                                           (KIND,))
        assert count is not None and count[0] == 2
        later = await h.advance(timedelta(hours=1))
        assert "Tomorrow we meet." not in [r.text for r in later]
        # The same occurrence fired again enqueues nothing (dedupe keys).
        eve = await services.schedules.get(first[0][0])
        assert eve is not None and eve.status == "done"
        occurrence = datetime.fromtimestamp(first[0][1] or 0, UTC)
        await fire_prompt(services, eve, Firing(occurrence, late=False))
        sent = await services.db.fetchone(
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'animation:%'")
        assert sent is not None and sent[0] == 3


async def test_editing_a_prompts_time_re_plans_it(tmp_path: Path) -> None:
    folder = academy_with(tmp_path, PLAN)
    sections = {"cohorts": [demo_cohort()], "content": {"academy": str(folder)}}
    async with open_console(tmp_path, **sections) as h:  # type: ignore[arg-type]
        before = {s.data["prompt"]: s for s in await h.bot.services.schedules.active(kind=KIND)}
    (folder / "animation.toml").write_text(
        PLAN.replace("face_to_face_start-1d 17:00", "face_to_face_start-2d 09:00"),
        encoding="utf-8")
    async with open_console(tmp_path, **sections) as h:  # type: ignore[arg-type]
        after = {s.data["prompt"]: s for s in await h.bot.services.schedules.active(kind=KIND)}
        assert after["weekly"].id == before["weekly"].id
        assert after["eve"].id != before["eve"].id
        assert (after["eve"].next_at or 0) == (before["eve"].next_at or 0) - 32 * 3600
        cancelled = await h.bot.services.schedules.get(before["eve"].id)
        assert cancelled is not None and cancelled.status == "cancelled"


async def test_the_sample_plan_runs_in_every_language_and_skips_the_past(
        tmp_path: Path) -> None:
    # On a new installation the sample cohort is mid-way through its pre-learning: the
    # introductions prompt (at its start) is past and must not be posted at start-up.
    bridge = {"name": "all", "channels": [
        {"platform": "console", "chat_id": f"academy-{code}" if code != "en" else "academy",
         "language": code} for code in LANGUAGES]}
    async with open_console(tmp_path, cohorts=[demo_cohort()], bridges=[bridge]) as h:
        services = h.bot.services
        planned = {s.data["prompt"] for s in await services.schedules.active(kind=KIND)}
        assert "introductions" not in planned and "needs-and-gaps" not in planned
        assert "weekly-topic" in planned and "impact-survey-soon" in planned
        posted = await h.advance(timedelta(minutes=1))
        assert not [r for r in posted if r.chat_id.startswith("#")]
        cohort = services.cohorts.get("demo")
        assert cohort is not None and services.academy is not None
        eve = services.academy.animation.get("face-to-face-eve")
        assert eve is not None
        posted = await advance_to(h, cohort.moment(cohort.face_to_face_start, time(0, 0)))
        for code in LANGUAGES:
            chat = "#academy" if code == "en" else f"#academy-{code}"
            [text] = group_posts(posted, chat, "\u200f🎒" if code == "ar" else "🎒")
            assert text.lstrip("\u200f") == eve.texts[code][0]


async def test_the_timeline_shows_every_occurrence_up_to_the_impact_survey(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        cohort = h.bot.services.cohorts.get("demo")
        assert cohort is not None
        entries = [e for e in await timeline.plan(h.bot.services, cohort, h.bot.registry.timeline)
                   if e.kind == KIND]
        weekly = [e for e in entries if e.first_line.startswith("📌")]
        assert 10 <= len(weekly) <= 52
        end = cohort.moment(cohort.impact_survey + timedelta(days=1), time(0, 0))
        assert all(e.at < end for e in entries)
        assert weekly[0].first_line != weekly[1].first_line  # topics in turn
        assert all(e.at.astimezone(cohort.zone).weekday() == 0 for e in weekly)
        assert {e.channel for e in entries} == {"console #academy"}
        assert len([e for e in entries if e.first_line.startswith("🌇")]) == 5  # the week


BROKEN = """\
[[prompts]]
id = "ok"
at = "face_to_face_end+7d 10:00"
text.en = "Fine."

[[prompts]]
id = "bad-at"
at = "face_to_face+7d 10:00"
text.en = "x"

[[prompts]]
id = "bad-every"
every = "mondays 10:00"
text.en = "x"

[[prompts]]
id = "no-english"
at = "impact_survey"
text.fr = "Rien en anglais."

[[prompts]]
id = "ok"
at = "impact_survey-1d"
text.en = "Twice the same id."
colour = "blue"

[[prompts]]
id = "list-once"
at = "impact_survey"
text.en = "x"
text.fr = ["a", "b"]

[[prompts]]
id = "uneven"
every = "day 09:00"
text.en = ["a", "b"]
text.es = ["a"]
text.de = "x"
"""


def test_a_broken_plan_is_reported_with_file_and_line(tmp_path: Path) -> None:
    folder = academy_with(tmp_path, BROKEN)
    path = folder / "animation.toml"
    academy, problems = load_academy(folder)
    assert academy is not None
    assert [p.id for p in academy.animation.prompts] == ["ok"]  # the rest is left out
    expected = {
        8: "at: unknown point 'face_to_face'",
        13: "every: 'mondays': a weekday",
        19: "text.en is required",
        22: "the id 'ok' is used twice",
        25: "unknown key 'colour'",
        31: "text.fr: a list of texts (taken in turn) is for recurring prompts",
        36: "text: the same number of texts in every language (en: 2, es: 1)",
        38: "text.de: 'de' is not one of the academy's languages",
    }
    for line, start in expected.items():
        assert any(p.startswith(f"{path}:{line}: {start}") for p in problems), (line, problems)
    assert len(problems) == len(expected), problems


def test_python_m_bot_check_fails_on_a_broken_plan(tmp_path: Path) -> None:
    folder = academy_with(tmp_path, BROKEN)
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\nacademy = "{folder}"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "check"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 1
    assert f"{folder / 'animation.toml'}:8: at: unknown point" in done.stderr
    assert "Traceback" not in done.stderr
