"""Pre-learning units: `units/unit-NN.<lang>.md`, TOML front matter between `+++` lines and a
Markdown body (content/FORMAT.md). Parsed and checked; every problem is `file:line: …`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import ValidationError, ValidatorFunctionWrapHandler, field_validator, model_validator

from bot.clock import out_of_range
from bot.content import schema
from bot.content.lines import LineIndex, toml_error_line
from bot.content.schema import Says, Shape

UNIT_FILE = re.compile(r"^unit-(\d{2})\.([a-z]{2})\.md$")
LIMITS = {"question": 300, "option": 100, "explanation": 200, "options": (2, 6),
          "questions": (1, 5)}
OPTIONS, QUESTIONS = LIMITS["options"], LIMITS["questions"]


def _text(value: str, problem: str) -> str:
    if not value.strip():
        raise schema.problem(problem)
    return value


class Question(Shape):
    """A [[questions]] block of a unit's front matter: a quiz question."""

    where: ClassVar[str] = " in a question"
    not_a_table: ClassVar[str] = "a question is a [[questions]] table"

    question: Annotated[str, Says("question is required (a text)")]
    options: Annotated[list[str], Says(f"options: {OPTIONS[0]} to {OPTIONS[1]} texts")]
    answer: int  # counted from 1
    explanation: Annotated[str, Says("explanation is required (a short text)")]

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        if len(_text(value, "question is required (a text)")) > LIMITS["question"]:
            raise schema.problem(f"question longer than {LIMITS['question']} characters")
        return value

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str]) -> list[str]:
        low, high = OPTIONS
        if not low <= len(value) <= high or not all(o.strip() for o in value):
            raise schema.problem(f"options: {low} to {high} texts")
        too_long = [((), f"option longer than {LIMITS['option']} characters (a Telegram quiz "
                         f"limit): {o[:30]!r}…") for o in value if len(o) > LIMITS["option"]]
        if too_long:
            raise schema.problems(*too_long)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _answer(cls, data: Any, read: ValidatorFunctionWrapHandler) -> Question:
        """The answer is one of the options, counted as written (an option too long is
        still an option); its problems are said here, not by its type."""
        if not isinstance(data, dict):
            return read(data)  # type: ignore[no-any-return]
        options, answer = data.get("options"), data.get("answer")
        low, high = OPTIONS
        count = len(options) if isinstance(options, list) and low <= len(options) <= high \
            and all(isinstance(o, str) and o.strip() for o in options) else 0
        wrong: list[tuple[schema.Loc, str]] = []
        if answer is None:
            wrong.append(((), "the correct answer is missing (answer = <option number>)"))
        elif isinstance(answer, bool) or not isinstance(answer, int) or not (
                1 <= answer <= max(1, count)):
            wrong.append((("answer",), f"answer must be an option number from 1 to {count}"))
        try:
            question: Question = read(data)
        except ValidationError as exc:
            raise schema.again(exc, *wrong, dropping=("answer",)) from None
        if wrong:
            raise schema.problems(*wrong)
        return question

    @field_validator("explanation")
    @classmethod
    def _explanation(cls, value: str) -> str:
        if len(_text(value, "explanation is required (a short text)")) > LIMITS["explanation"]:
            raise schema.problem(f"explanation longer than {LIMITS['explanation']} characters")
        return value


class UnitFront(Shape):
    """A unit file's front matter (content/FORMAT.md)."""

    title: Annotated[str, Says("title is required (a text)")]
    summary: Annotated[str, Says("summary must be a text")] = ""
    release: Annotated[int | date | None, Says(
        "release is a number of days from the face-to-face start (e.g. -20) or a date "
        "(e.g. 2026-06-20)")] = None  # days from the face-to-face start, or a date
    questions: Annotated[list[Question], Says(
        f"a unit has {QUESTIONS[0]} to {QUESTIONS[1]} [[questions]]")]

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _text(value, "title is required (a text)")

    @field_validator("release")
    @classmethod
    def _release(cls, value: int | date | None) -> int | date | None:
        if value is not None and (problem := out_of_range(value)) is not None:
            raise schema.problem(f"release: {problem}")
        return value

    @field_validator("questions", mode="wrap")
    @classmethod
    def _questions(cls, value: Any, read: ValidatorFunctionWrapHandler) -> list[Question]:
        low, high = QUESTIONS
        count = [((), f"a unit has {low} to {high} [[questions]]")] \
            if isinstance(value, list) and not low <= len(value) <= high else []
        try:
            questions: list[Question] = read(value)
        except ValidationError as exc:
            raise schema.again(exc, *count) from None
        if count:
            raise schema.problems(*count)
        return questions


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
    found = front_matter(path, problems)
    if found is None:
        return None
    data, lines, body, _ = found
    unit = schema.validated(UnitFront, data, path, lines, problems.add)
    if unit is None:
        return None
    return Unit(int(name.group(1)), name.group(2), path, unit.title, unit.summary,
                unit.release, list(unit.questions), body, lines)


def front_matter(path: Path, problems: Problems
                 ) -> tuple[dict[str, Any], LineIndex, str, int] | None:
    """A Markdown file's TOML front matter between two `+++` lines: its data, where each
    key stands, the body, and the body's first line number; None (reported) when broken."""
    parts = path.read_text(encoding="utf-8").split("\n")
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
    body = "\n".join(parts[end + 1:]).strip()
    return data, LineIndex.of(front, first_line=2), body, end + 2


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
