"""Cohorts: dates from the config (or from the database's first day), /join, /leave,
enrolment by channel, and `python -m bot timeline`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from handlers.cohorts.roster import add_months, resolve
from tests.harness import REPO, demo_cohort, make_config, open_console


def test_dates_are_counted_from_the_anchor_day_or_given(tmp_path: Path) -> None:
    config = make_config(tmp_path, cohorts=[
        demo_cohort(),
        {"code": "june", "name": "June", "face_to_face_start": date(2026, 6, 8),
         "face_to_face_end": date(2026, 6, 12), "timezone": "America/Sao_Paulo"},
    ])
    anchor = date(2026, 11, 28)
    demo = resolve(config.cohorts[0], config, anchor)
    assert demo.face_to_face_start == date(2026, 12, 8)
    assert demo.face_to_face_end == date(2026, 12, 12)
    assert demo.prelearning_start == date(2026, 11, 18)
    assert demo.impact_survey == date(2027, 4, 12)
    assert demo.release_day(-20) == date(2026, 11, 18)
    assert demo.release_day(date(2026, 12, 1)) == date(2026, 12, 1)
    june = resolve(config.cohorts[1], config, anchor)
    assert june.face_to_face_start == date(2026, 6, 8)
    assert june.impact_survey == date(2026, 10, 12)
    # 09:00 in São Paulo is 12:00 UTC
    assert june.moment(date(2026, 6, 1)).hour == 12
    assert add_months(date(2026, 10, 31), 4) == date(2027, 2, 28)


def test_bad_cohorts_are_named_in_the_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"cohorts": [
            {"code": "Demo Cohort", "name": "x", "face_to_face_start": 1},
            {"code": "b", "name": "b", "face_to_face_start": 1, "languages": ["de"]},
            {"code": "c", "name": "c", "face_to_face_start": 1, "release_time": "25:00"},
            {"code": "d", "name": "d"},
        ]})
    text = "\n".join(err.value.problems)
    assert "cohorts[0].code" in text
    assert "cohorts[1].languages" in text
    assert "cohorts[2].release_time" in text
    assert "cohorts[3].face_to_face_start" in text


async def test_join_lists_enrols_once_and_helps_with_typos(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        [listing] = await h.send("ana", "/join", language="en")
        assert "SSTC Academy — demo cohort — /join demo" in listing.text
        assert "face-to-face week" in listing.text
        [typo] = await h.send("ana", "/join dmeo")
        assert typo.text == 'There is no cohort with the code "dmeo". Did you mean /join demo?'
        joined = await h.send("ana", "/join demo")
        assert joined[0].text.startswith("Welcome to SSTC Academy — demo cohort!")
        [again] = await h.send("ana", "/join DEMO")
        assert again.text == "You are already in SSTC Academy — demo cohort."
        [listing] = await h.send("ana", "/join")
        assert "(you are in it)" in listing.text
        services = h.bot.services
        members = await services.cohorts.repo.members("demo")
        assert [m.via for m in members] == ["command"]
        [left] = await h.send("ana", "/leave")
        assert left.text.startswith("You have left SSTC Academy — demo cohort.")
        assert await services.cohorts.repo.members("demo") == []


async def test_join_answers_in_the_readers_language(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        [typo] = await h.send("rosa", "/join nada", language="es")
        assert typo.text.startswith('No hay ninguna cohorte con el código "nada".')


async def test_the_cohort_name_is_in_each_readers_language(tmp_path: Path) -> None:
    names = {"fr": "Académie SSTC — cohorte de démonstration",
             "ar": "أكاديمية التعاون — الدفعة التجريبية"}
    async with open_console(tmp_path, cohorts=[demo_cohort(names=names)]) as h:
        welcomes = {}
        for user, language in (("ana", "fr"), ("samir", "ar"), ("bo", "en"), ("rosa", "es")):
            replies = await h.send(user, "/join demo", language=language)
            welcomes[language] = replies[0].text
        assert names["fr"] in welcomes["fr"] and names["ar"] in welcomes["ar"]
        # No name for English or Spanish: the default one.
        assert "SSTC Academy — demo cohort" in welcomes["en"]
        assert "SSTC Academy — demo cohort" in welcomes["es"]
        listed = await h.send("ana", "/join", language="fr")
        assert names["fr"] in listed[0].text


def test_cohort_names_per_language_are_checked() -> None:
    with pytest.raises(ConfigError) as bad:
        parse_config({"cohorts": [demo_cohort(names={"xx": "Nope", "fr": ""})]})
    assert "cohorts[0].names" in str(bad.value)


async def test_writing_in_a_cohort_channel_enrols(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        h.adapter._group = "academy"
        await h.send("joao", "hello everyone")
        h.adapter._group = "elsewhere"
        await h.send("ana", "hello")
        h.adapter._group = None
        members = await h.bot.services.cohorts.repo.members("demo")
        joao = await h.bot.services.participants.account("console", "joao")
        assert joao is not None
        assert [(m.participant_id, m.via) for m in members] == [(joao.participant_id,
                                                                  "channel")]


async def test_the_anchor_day_is_kept_across_restarts(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        first = h.bot.services.cohorts.get("demo")
        h.bot.services.clock.advance(timedelta(days=3))
        anchor = h.bot.services.cohorts.anchor
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        assert h.bot.services.cohorts.anchor == anchor
        assert h.bot.services.cohorts.get("demo") == first


def test_timeline_lists_the_sample_cohort(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/bot.sqlite3"', f'path = "{tmp_path / "t.sqlite3"}"')
    text = text.replace('academy = "content/sstc-academy"',
                        f'academy = "{REPO / "content" / "sstc-academy"}"')
    config.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "timeline",
                           "--cohort", "demo"], capture_output=True, text=True, cwd=REPO,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SSTC Academy — demo cohort (demo) — times in Europe/Rome")
    missing = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "timeline",
                              "--cohort", "nope"], capture_output=True, text=True, cwd=REPO,
                             timeout=60)
    assert missing.returncode == 1
    assert "no cohort 'nope' (cohorts: demo)" in missing.stderr


async def test_a_cohort_facilitator_sees_only_their_cohort(tmp_path: Path) -> None:
    june = {"code": "june", "name": "June", "face_to_face_start": 30,
            "facilitators": {"console": ["june-fac"]}}
    async with open_console(tmp_path, facilitators=["chief"],
                            cohorts=[demo_cohort(), june]) as h:
        for name in ("chief", "june-fac", "ana"):
            await h.send(name, "/help")
        s = h.bot.services

        async def scope(name: str) -> list[str]:
            account = await s.participants.account("console", name)
            assert account is not None
            return [c.code for c in await s.cohorts.facilitated_by(s, account.participant_id)]

        assert await scope("chief") == ["demo", "june"]
        assert await scope("june-fac") == ["june"]
        assert await scope("ana") == []
        [refused] = await h.send("ana", "/audit")
        assert refused.text == "Sorry, /audit is for facilitators only."
        [allowed] = await h.send("june-fac", "/audit")
        assert not allowed.text.startswith("Sorry")


async def test_a_cohort_facilitator_cannot_grant_the_role_for_every_cohort(tmp_path: Path
                                                                          ) -> None:
    june = {"code": "june", "name": "June", "face_to_face_start": 30,
            "facilitators": {"console": ["june-fac"]}}
    async with open_console(tmp_path, cohorts=[demo_cohort(), june]) as h:
        await h.send("ana", "/help")
        [refused] = await h.send("june-fac", "/facilitator add ana")
        assert refused.text.startswith("Only a facilitator of every cohort can give or take")
        assert "June" in refused.text
        account = await h.bot.services.participants.account("console", "ana")
        assert account is not None
        assert not await h.bot.services.authorizer.is_facilitator(account.participant_id)


async def test_a_cohort_facilitator_cannot_read_another_cohorts_data(tmp_path: Path) -> None:
    """Cross-cohort isolation (issue 9, item 4): every report of a facilitator of one
    cohort is limited to it, and naming another cohort is refused."""
    june = {"code": "june", "name": "June cohort", "face_to_face_start": 30,
            "facilitators": {"console": ["june-fac"]}}
    async with open_console(tmp_path, facilitators=["chief"],
                            cohorts=[demo_cohort(), june]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("bo", "/join june", language="en")
        await h.send("ana", "/unit 1")
        for command in ("/progress demo", "/gaps demo", "/electives demo",
                        "/survey status pre-assessment demo"):
            replies = await h.send("june-fac", command, language="en")
            assert any('There is no cohort "demo" among yours: june.' in r.text
                       for r in replies), (command, [r.text for r in replies])
        own = "\n".join(r.text for r in await h.send("june-fac", "/progress"))
        assert "June cohort" in own and "demo cohort" not in own
        everyone = "\n".join(r.text for r in await h.send("chief", "/progress"))
        assert "June cohort" in everyone and "demo cohort" in everyone
        stats = "\n".join(r.text for r in await h.send("june-fac", "/stats"))
        assert "Cohorts: june" in stats and "Active participants: 1 of 1 enrolled" in stats
        assert "demo" not in stats
        chief_stats = "\n".join(r.text for r in await h.send("chief", "/stats"))
        assert "Active people: 4 (2 enrolled in a cohort)" in chief_stats
        assert "pre-assessment · demo" in chief_stats
