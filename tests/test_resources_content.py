"""The post-learning resources in the content folder: checked by `python -m bot check`
like units, every problem `file:line: problem`; the timeline shows the drip."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.academy import check_academy, load_academy
from tests.harness import SAMPLE_ACADEMY

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "academy"
    shutil.copytree(SAMPLE_ACADEMY, target)
    return target


def replace_line(path: Path, old: str, new: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[index] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def test_the_sample_has_a_resource_per_topic_in_five_languages() -> None:
    academy, problems = load_academy(SAMPLE_ACADEMY)
    assert problems == [] and academy is not None
    topics = {tag for by in academy.resources.values() for tag in by["en"].answers}
    scales = {q["id"] for q in academy.surveys["pre-assessment"]["questions"]
              if q["type"] == "scale"}
    assert scales <= topics
    assert all(set(by) == {"en", "fr", "es", "pt", "ar"} for by in academy.resources.values())


def test_a_resource_answering_an_unknown_question(copy: Path) -> None:
    path = copy / "resources" / "resource-02.en.md"
    line = replace_line(path, "answers = ", 'answers = ["confidence-sdg"]')
    problems = check_academy(copy)
    assert problems[0].startswith(f"{path}:{line}: answers: 'confidence-sdg' is not")
    academy, _problems = load_academy(copy)
    assert academy is not None and 2 not in academy.resources  # left out, the rest kept
    assert 1 in academy.resources


def test_a_translation_missing_or_disagreeing(copy: Path) -> None:
    (copy / "resources" / "resource-05.pt.md").unlink()
    path = copy / "resources" / "resource-06.fr.md"
    replace_line(path, "summary = ", 'answers = ["confidence-gender"]')
    problems = check_academy(copy)
    assert any(p.startswith(f"{copy / 'resources' / 'resource-05.en.md'}:1: resource 05 is "
                            "missing in pt") for p in problems)
    assert any(p.startswith(f"{path}:3: answers differs from resource-06.en.md")
               for p in problems)


def test_check_reports_a_broken_resource_file(copy: Path, tmp_path: Path) -> None:
    path = copy / "resources" / "resource-03.es.md"
    line = replace_line(path, "title = ", 'title = "Cómo funciona" la cooperación')
    config = tmp_path / "broken.toml"
    config.write_text(f'[content]\nacademy = "{copy}"\n', encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "check"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 1
    assert f"{path}:{line}: invalid front matter" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_impact_question_lists_every_resource(copy: Path) -> None:
    (copy / "resources" / "resource-08.en.md").rename(copy / "resources" / "resource-09.en.md")
    problems = check_academy(copy)
    assert any("impact.toml:" in p and "resources-helped: 10 options expected" in p
               for p in problems)


def test_the_timeline_shows_the_feedback_and_the_drip(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/bot.sqlite3"', f'path = "{tmp_path / "t.sqlite3"}"')
    text = text.replace('academy = "content/sstc-academy"', f'academy = "{SAMPLE_ACADEMY}"')
    config.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "timeline",
                           "--cohort", "demo"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    kinds = [line.split()[3] for line in lines if line[:3] in ("Mon", "Tue", "Wed", "Thu",
                                                                "Fri", "Sat", "Sun")]
    assert kinds.count("resource") == 3 and kinds.count("res-nudge") == 3
    assert kinds.count("feedback") == 1
    feedback = next(i for i, line in enumerate(lines) if "  feedback " in line)
    assert "/feedback preview" in lines[feedback + 1]
    assert kinds.index("resources") < kinds.index("resource")
