"""Content files: the sample academy is valid; a facilitator's mistake is reported as
file:line: problem, and `python -m bot check` fails on it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.academy import check_academy

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "content" / "sstc-academy"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "academy"
    shutil.copytree(SAMPLE, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace the first `count` lines equal to `old`; return the first one's line number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [i for i, line in enumerate(lines) if line == old][:count]
    assert found, f"{old!r} not in {path.name}"
    for i in found:
        lines[i] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return found[0] + 1


def test_the_sample_academy_is_valid() -> None:
    assert check_academy(SAMPLE) == []


def test_a_misspelled_key_is_reported_with_its_line(copy: Path) -> None:
    unit = copy / "units" / "unit-02.fr.md"
    line = edit(unit, "answer = 2", "anwser = 2")
    problems = check_academy(copy)
    assert f"{unit}:{line}: unknown key 'anwser' in a question (known: answer, explanation, " \
           "options, question)" in problems
    assert any(p.startswith(f"{unit}:") and "the correct answer is missing" in p
               for p in problems)


def test_a_translation_whose_answers_differ(copy: Path) -> None:
    unit = copy / "units" / "unit-03.es.md"
    line = edit(unit, "answer = 1", "answer = 3")
    [problem] = check_academy(copy)
    assert re.fullmatch(rf"{re.escape(str(unit))}:{line}: question \d: answer 3, but "
                        r"unit-03\.en\.md says 1", problem)


def test_a_bad_release_and_a_broken_toml(copy: Path) -> None:
    original = copy / "units" / "unit-02.en.md"
    line = edit(original, "release = -16", 'release = "soon"')
    broken = copy / "units" / "unit-04.pt.md"
    bad = edit(broken, "+++", "+++\ntitle = = 1")  # front matter starts on line 2
    problems = check_academy(copy)
    assert f"{original}:{line}: release is a number of days from the face-to-face start " \
           "(e.g. -20) or a date (e.g. 2026-06-20)" in problems
    assert any(p.startswith(f"{broken}:{bad + 1}: invalid front matter") for p in problems)
    assert not any("no en file" in p for p in problems)  # the en problem is reported once


def test_a_translation_with_a_question_missing(copy: Path) -> None:
    unit = copy / "units" / "unit-01.ar.md"
    text = unit.read_text(encoding="utf-8")
    last = text.rindex("[[questions]]")
    end = text.index("+++", last)
    unit.write_text(text[:last] + text[end:], encoding="utf-8")
    [problem] = check_academy(copy)
    assert problem.startswith(f"{unit}:") and "2 questions, but unit-01.en.md has 3" in problem


def test_survey_problems(copy: Path) -> None:
    survey = copy / "surveys" / "impact.toml"
    text = survey.read_text(encoding="utf-8")
    survey.write_text(text.replace('when = { question = "initiative", answer = "yes" }',
                                   'when = { question = "suggestions", answer = "yes" }', 1),
                      encoding="utf-8")
    problems = check_academy(copy)
    assert len(problems) == 1 and "the question must come before this one" in problems[0]
    assert problems[0].startswith(f"{survey}:")


def test_check_passes_on_the_sample_and_fails_on_a_broken_copy(copy: Path, tmp_path: Path
                                                                ) -> None:
    ok = subprocess.run([sys.executable, "-m", "bot", "--config", "config.toml", "check"],
                        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "content is valid" in ok.stdout
    edit(copy / "units" / "unit-05.en.md", "answer = 1", "answer = 9")
    config = tmp_path / "broken.toml"
    config.write_text(f'[content]\nacademy = "{copy}"\n', encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "check"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 1
    assert "unit-05.en.md:" in bad.stderr and "answer must be an option number" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_electives_that_are_not_tables(copy: Path) -> None:
    (copy / "electives.toml").write_text('modules = [1, "green jobs"]\n', encoding="utf-8")
    assert check_academy(copy) == [f"{copy / 'electives.toml'}:1: a module is a [[modules]] "
                                   "table"] * 2
    (copy / "electives.toml").write_text("modules = 3\n", encoding="utf-8")
    assert check_academy(copy) == [f"{copy / 'electives.toml'}:1: modules is a list of "
                                   "[[modules]] tables"]
