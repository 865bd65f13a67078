"""Pre-learning units: `units/unit-NN.<lang>.md`, TOML front matter between `+++` lines and a
Markdown body (content/FORMAT.md). Parsed and checked; every problem is `file:line: …`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.clock import out_of_range
from bot.content.lines import LineIndex, toml_error_line

UNIT_FILE = re.compile(r"^unit-(\d{2})\.([a-z]{2})\.md$")
UNIT_KEYS = {"title", "release", "summary", "questions"}
QUESTION_KEYS = {"question", "options", "answer", "explanation"}
LIMITS = {"question": 300, "option": 100, "explanation": 200, "options": (2, 6),
          "questions": (1, 5)}


@dataclass
class Question:
    question: str
    options: list[str]
    answer: int  # counted from 1
    explanation: str


@dataclass
class Unit:
    number: int
    language: str
    path: Path
    title: str
    summary: str
    release: int | date | None  # days from the face-to-face start, or a date
    questions: list[Question]
    body: str
    lines: LineIndex = field(repr=False)


@dataclass
class Problems:
    found: list[str] = field(default_factory=list)

    def add(self, path: Path, line: int, problem: str) -> None:
        self.found.append(f"{path}:{line}: {problem}")


def read_unit(path: Path, problems: Problems) -> Unit | None:
    name = UNIT_FILE.match(path.name)
    if not name:
        problems.add(path, 1, "a unit file is named unit-NN.<language>.md, e.g. unit-01.fr.md")
        return None
    text = path.read_text(encoding="utf-8")
    parts = text.split("\n")
    if not parts or parts[0].strip() != "+++" or "+++" not in (p.strip() for p in parts[1:]):
        problems.add(path, 1, "the file must start with front matter between two +++ lines")
        return None
    end = next(i for i, p in enumerate(parts[1:], start=1) if p.strip() == "+++")
    front = "\n".join(parts[1:end])
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        problems.add(path, toml_error_line(str(exc), 2), f"invalid front matter: {exc}")
        return None
    lines = LineIndex.of(front, first_line=2)
    unit = _check_front(path, data, lines, problems)
    if unit is None:
        return None
    return Unit(int(name.group(1)), name.group(2), path, unit["title"], unit["summary"],
                unit["release"], unit["questions"], "\n".join(parts[end + 1:]).strip(), lines)


def _check_front(path: Path, data: dict[str, Any], lines: LineIndex, problems: Problems
                 ) -> dict[str, Any] | None:
    before = len(problems.found)
    for key in data.keys() - UNIT_KEYS:
        problems.add(path, lines.line(key), f"unknown key {key!r} (known: "
                     f"{', '.join(sorted(UNIT_KEYS))})")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add(path, lines.line("title"), "title is required (a text)")
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        problems.add(path, lines.line("summary"), "summary must be a text")
    release = data.get("release")
    if release is not None and (isinstance(release, bool)
                                or not isinstance(release, int | date)):
        problems.add(path, lines.line("release"),
                     "release is a number of days from the face-to-face start (e.g. -20) "
                     "or a date (e.g. 2026-06-20)")
    elif release is not None and (problem := out_of_range(release)) is not None:
        problems.add(path, lines.line("release"), f"release: {problem}")
    questions = data.get("questions")
    low, high = LIMITS["questions"]
    if not isinstance(questions, list) or not low <= len(questions) <= high:
        problems.add(path, lines.line("questions"),
                     f"a unit has {low} to {high} [[questions]]")
        questions = questions if isinstance(questions, list) else []
    checked = [_check_question(path, i, q, lines, problems) for i, q in enumerate(questions)]
    if len(problems.found) > before:
        return None
    return {"title": title, "summary": summary, "release": release,
            "questions": [q for q in checked if q is not None]}


def _check_question(path: Path, i: int, q: Any, lines: LineIndex, problems: Problems
                    ) -> Question | None:
    def at(key: str | None = None) -> int:
        return lines.line(key, "questions", i)

    if not isinstance(q, dict):
        problems.add(path, at(), "a question is a [[questions]] table")
        return None
    for key in q.keys() - QUESTION_KEYS:
        problems.add(path, at(key), f"unknown key {key!r} in a question (known: "
                     f"{', '.join(sorted(QUESTION_KEYS))})")
    text, options, answer, explanation = (q.get(k) for k in
                                          ("question", "options", "answer", "explanation"))
    if not isinstance(text, str) or not text.strip():
        problems.add(path, at("question"), "question is required (a text)")
    elif len(text) > LIMITS["question"]:
        problems.add(path, at("question"), f"question longer than {LIMITS['question']} "
                     "characters")
    low, high = LIMITS["options"]
    if not (isinstance(options, list) and all(isinstance(o, str) and o.strip() for o in options)
            and low <= len(options) <= high):
        problems.add(path, at("options"), f"options: {low} to {high} texts")
        options = []
    for option in options:
        if len(option) > LIMITS["option"]:
            problems.add(path, at("options"), f"option longer than {LIMITS['option']} "
                         f"characters (a Telegram quiz limit): {option[:30]!r}…")
    if answer is None:
        problems.add(path, at(), "the correct answer is missing (answer = <option number>)")
    elif isinstance(answer, bool) or not isinstance(answer, int) or not (
            1 <= answer <= max(1, len(options))):
        problems.add(path, at("answer"), f"answer must be an option number from 1 to "
                     f"{len(options)}")
    if not isinstance(explanation, str) or not explanation.strip():
        problems.add(path, at("explanation"), "explanation is required (a short text)")
    elif len(explanation) > LIMITS["explanation"]:
        problems.add(path, at("explanation"), f"explanation longer than "
                     f"{LIMITS['explanation']} characters")
    if not (isinstance(text, str) and isinstance(answer, int) and isinstance(explanation, str)):
        return None
    return Question(text, list(options), answer, explanation)


def check_translations(units: dict[int, dict[str, Unit]], original: str, problems: Problems,
                       unreadable: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """A translation has the original's questions, options and answers; only texts differ.
    `release` is the original's; a translation may repeat it, equal. Units whose original
    could not be read (`unreadable`, already reported) are not compared."""
    for number, by_language in sorted(units.items()):
        source = by_language.get(original)
        if source is None and number in unreadable:
            continue
        if source is None:
            any_unit = next(iter(by_language.values()))
            problems.add(any_unit.path, 1, f"unit {number:02d} has no {original} file "
                         f"(the original every translation follows)")
            continue
        if source.release is None:
            problems.add(source.path, source.lines.line(), "release is required in the "
                         f"{original} file")
        for _code, unit in sorted(by_language.items()):
            if unit is source:
                continue
            if unit.release is not None and unit.release != source.release:
                problems.add(unit.path, unit.lines.line("release"),
                             f"release differs from {source.path.name} ({source.release})")
            if len(unit.questions) != len(source.questions):
                problems.add(unit.path, unit.lines.line("questions", "questions"),
                             f"{len(unit.questions)} questions, but {source.path.name} has "
                             f"{len(source.questions)}")
                continue
            for i, (q, s) in enumerate(zip(unit.questions, source.questions, strict=True)):
                if len(q.options) != len(s.options):
                    problems.add(unit.path, unit.lines.line("options", "questions", i),
                                 f"question {i + 1} has {len(q.options)} options, but "
                                 f"{source.path.name} has {len(s.options)}")
                elif q.answer != s.answer:
                    problems.add(unit.path, unit.lines.line("answer", "questions", i),
                                 f"question {i + 1}: answer {q.answer}, but "
                                 f"{source.path.name} says {s.answer}")
