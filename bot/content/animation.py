"""The animation plan (`animation.toml`): prompts posted into a cohort's channels, and into
every chat bridged with them, on dates of the cohort's timeline or on a weekly or daily
rhythm between two of its dates. Each problem is `file:line: problem` (content/FORMAT.md).

A moment on the timeline is written `<point>[+|-<n>d|w] [HH:MM]`:
`face_to_face_end+7d 10:00`, `prelearning_start+2d`, `impact_survey-1w 09:30`. The points
are the cohort's dates; without a time, the cohort's release time is used; times are in
the cohort's time zone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from bot.content import schema
from bot.content.lines import LineIndex, toml_error_line
from bot.content.schema import Says, Shape
from bot.content.units import Problems
from bot.timeparse import DAY_NAMES, next_occurrence

if TYPE_CHECKING:
    from bot.ports import CohortView as Cohort

FILE_NAME = "animation.toml"
POINTS = ("prelearning_start", "face_to_face_start", "face_to_face_end", "impact_survey")
MAX_TEXT = 1500
MAX_ROTATION = 60
# How many occurrences of one recurring prompt are counted or previewed at most.
MAX_OCCURRENCES = 400
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_ID_WORDS = "lower-case letters, digits and -, e.g. \"weekly-topic\""
_MOMENT = re.compile(
    r"^(?P<point>[a-z_]+)\s*(?:(?P<sign>[+-])\s*(?P<n>\d{1,3})\s*(?P<unit>[dw]))?"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?$")
_BLOCK = re.compile(r"^\s*\[")
_EVERY = re.compile(r"^(?P<day>[a-z]+)\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})$")
WEEKDAYS = {name: short for short in DAY_NAMES for name in (
    short, {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday",
            "fri": "friday", "sat": "saturday", "sun": "sunday"}[short])}


@dataclass(frozen=True)
class Moment:
    """A point of the cohort's timeline, moved by some days, at a time of day."""

    point: str
    days: int = 0
    at: time | None = None  # None: the cohort's release time

    def day(self, cohort: Cohort) -> date:
        base: date = getattr(cohort, self.point)
        return base + timedelta(days=self.days)

    def moment(self, cohort: Cohort) -> datetime:
        """UTC."""
        return cohort.moment(self.day(cohort), self.at)

    def __str__(self) -> str:
        offset = f"{'+' if self.days > 0 else '-'}{abs(self.days)}d" if self.days else ""
        clock = f" {self.at:%H:%M}" if self.at else ""
        return f"{self.point}{offset}{clock}"


def parse_moment(text: str, *, with_time: bool = True) -> Moment:
    """`face_to_face_end+7d 10:00`; ValueError says what is wrong."""
    found = _MOMENT.match(text.strip().lower())
    if not found:
        raise ValueError(f"{text!r} is not <point>[+|-<n>d|w] [HH:MM], e.g. "
                         "\"face_to_face_end+7d 10:00\"")
    if found["point"] not in POINTS:
        raise ValueError(f"unknown point {found['point']!r} (points: {', '.join(POINTS)})")
    days = int(found["n"] or 0) * (7 if found["unit"] == "w" else 1)
    if found["sign"] == "-":
        days = -days
    at = None
    if found["hour"] is not None:
        if not with_time:
            raise ValueError("a day, without a time of day: e.g. \"face_to_face_end+14d\"")
        hour, minute = int(found["hour"]), int(found["minute"])
        if hour > 23 or minute > 59:
            raise ValueError(f"{found['hour']}:{found['minute']} is not a time of day")
        at = time(hour, minute)
    return Moment(found["point"], days, at)


def parse_every(text: str) -> str:
    """`monday 10:00` → a crontab `0 10 * * mon`; `day 18:00` → `0 18 * * *`."""
    found = _EVERY.match(text.strip().lower())
    if not found:
        raise ValueError(f"{text!r} is not \"<weekday> HH:MM\" or \"day HH:MM\", e.g. "
                         "\"monday 10:00\"")
    hour, minute = int(found["hour"]), int(found["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"{found['hour']}:{found['minute']} is not a time of day")
    day = found["day"]
    if day not in WEEKDAYS and day != "day":
        raise ValueError(f"{day!r}: a weekday (monday … sunday) or \"day\"")
    return f"{minute} {hour} * * {'*' if day == 'day' else WEEKDAYS[day]}"


@dataclass(frozen=True)
class Prompt:
    id: str
    line: int
    texts: dict[str, tuple[str, ...]]  # language -> one text, or several taken in turn
    at: Moment | None = None  # once
    every: str | None = None  # or recurring: a crontab in the cohort's zone
    start: Moment = Moment("face_to_face_end")  # recurring: first day (included)
    until: Moment = Moment("impact_survey")  # recurring: last day (included)

    @property
    def recurring(self) -> bool:
        return self.every is not None

    def signature(self) -> str:
        """What decides when it fires: a change re-plans the prompt's schedules."""
        if self.at is not None:
            return f"at {self.at}"
        return f"every {self.every} from {self.start} until {self.until}"

    def text(self, languages: list[str], occurrence: int = 0) -> tuple[str, str]:
        """(language, text) for the first of `languages` the prompt is written in (the
        original language comes last in the list given by the caller)."""
        for code in languages:
            if code in self.texts:
                variants = self.texts[code]
                return code, variants[occurrence % len(variants)]
        code, variants = next(iter(self.texts.items()))
        return code, variants[occurrence % len(variants)]

    def window(self, cohort: Cohort) -> tuple[datetime, datetime]:
        """A recurring prompt's span, UTC: from the start day's 00:00 to the end of the
        last day, in the cohort's zone."""
        first = cohort.moment(self.start.day(cohort), time(0, 0))
        last = cohort.moment(self.until.day(cohort) + timedelta(days=1), time(0, 0))
        return first, last - timedelta(seconds=1)

    def occurrences(self, cohort: Cohort, after: datetime | None = None,
                    limit: int = MAX_OCCURRENCES) -> Iterator[datetime]:
        """Every occurrence (UTC) at or after `after` (default: all), in order."""
        if self.at is not None:
            moment = self.at.moment(cohort)
            if after is None or moment >= after:
                yield moment
            return
        assert self.every is not None
        first, last = self.window(cohort)
        cursor = max(first, after or first) - timedelta(seconds=1)
        for _n in range(limit):
            nxt = next_occurrence(self.every, cohort.zone, cursor)
            if nxt is None or nxt > last:
                return
            yield nxt
            cursor = nxt

    def index_of(self, cohort: Cohort, occurrence: datetime) -> int:
        """Which occurrence this is (0 for the first): picks the text of a rotation."""
        for n, moment in enumerate(self.occurrences(cohort)):
            if moment >= occurrence:
                return n
        return 0


@dataclass
class AnimationPlan:
    prompts: list[Prompt] = field(default_factory=list)
    path: Path | None = None

    def get(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)


class PromptEntry(Shape):
    """A [[prompts]] block: once (`at`) or recurring (`every`, between `from` and `until`),
    its text in the original language and any others (a list, taken in turn, when it
    recurs). The academy's languages, original language and the ids already seen come as
    the validation's context."""

    where: ClassVar[str] = " in a prompt"
    id: Annotated[str | None, Says(f"id: {_ID_WORDS}")] = Field(None, validate_default=True)
    at: str | None = None
    every: str | None = None
    from_: str | None = Field(None, alias="from")
    until: str | None = None
    text: dict[str, str | list[str]] | None = Field(None, validate_default=True)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None, info: ValidationInfo) -> str:
        seen: set[str] = (info.context or {}).setdefault("seen", set())
        if value is None or not ID.match(value):
            raise schema.problem(f"id: {_ID_WORDS}")
        if value in seen:
            raise schema.problem(f"the id {value!r} is used twice")
        seen.add(value)
        return value

    @field_validator("at")
    @classmethod
    def _at_readable(cls, value: str | None) -> str | None:
        if value is not None and _moment(value, "at", with_time=True):
            raise schema.problem("at")  # said by _when, with the reason
        return value

    @field_validator("every")
    @classmethod
    def _every_readable(cls, value: str | None) -> str | None:
        if value is not None and _every(value):
            raise schema.problem("every")  # said by _when, with the reason
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _when(cls, data: Any, read: ValidatorFunctionWrapHandler) -> PromptEntry:
        """Once or recurring, each moment readable; the text as `_texts` says."""
        if not isinstance(data, dict):
            return read(data)  # type: ignore[no-any-return]
        found: list[tuple[schema.Loc, str]] = []
        if ("at" in data) == ("every" in data):
            found.append((("at",) if "at" in data else (), "a prompt has either at = "
                          "\"<when>\" (once) or every = \"<weekday> HH:MM\" (recurring)"))
        elif "at" in data:
            found += _moment(data["at"], "at", with_time=True)
            found += [((key,), f"{key} goes with every, not with at")
                      for key in ("from", "until") if key in data]
        else:
            found += _every(data["every"])
            span = [_moment(data[key], key) if key in data else [] for key in ("from", "until")]
            found += span[0] + span[1]
            if not span[0] and not span[1]:
                start = parse_moment(data["from"]) if "from" in data else Moment(
                    "face_to_face_end")
                until = parse_moment(data["until"]) if "until" in data else Moment(
                    "impact_survey")
                if start.point == until.point and start.days > until.days:
                    found.append((("until",), f"until ({until}) comes before from ({start})"))
        keys = ("at", "every", "from", "until")
        try:
            entry: PromptEntry = read(data)
        except ValidationError as exc:
            raise schema.again(exc, *found, dropping=keys) from None
        if found:
            raise schema.problems(*found)
        return entry

    @field_validator("text", mode="wrap")
    @classmethod
    def _texts(cls, value: Any, read: ValidatorFunctionWrapHandler, info: ValidationInfo
               ) -> dict[str, str | list[str]]:
        """`text.en = "…"` (or, for a recurring prompt, a list taken in turn), per language;
        the original language is required, the others fall back to it."""
        context = info.context or {}
        languages, original = context.get("languages", []), context.get("original", "en")
        rotating = info.data.get("every") is not None and info.data.get("at") is None
        if not isinstance(value, dict) or not value:
            raise schema.problem(f"text needs one entry per language: text.{original} = "
                                 "\"…\", text.fr = \"…\", …")
        found: list[tuple[schema.Loc, str]] = []
        counts: dict[str, int] = {}
        for code, item in value.items():
            variants = item if isinstance(item, list) else [item]
            if code not in languages:
                found.append(((code,), f"text.{code}: {code!r} is not one of the academy's "
                                       f"languages ({', '.join(languages)})"))
            elif isinstance(item, list) and not rotating:
                found.append(((code,), f"text.{code}: a list of texts (taken in turn) is for "
                                       "recurring prompts (every = …)"))
            elif not variants or len(variants) > MAX_ROTATION or not all(
                    isinstance(v, str) and v.strip() for v in variants):
                found.append(((code,), f"text.{code}: a non-empty text, or a list of 1 to "
                                       f"{MAX_ROTATION} non-empty texts"))
            elif too_long := [n for n, v in enumerate(variants, 1) if len(v) > MAX_TEXT]:
                found.append(((code,), f"text.{code}: at most {MAX_TEXT} characters (text "
                                       f"{too_long[0]} has {len(variants[too_long[0] - 1])})"))
            else:
                counts[code] = len(variants)
        if original not in value:
            found.append(((), f"text.{original} is required (the original language)"))
        elif len(set(counts.values())) > 1:
            found.append(((), "text: the same number of texts in every language ("
                          + ", ".join(f"{c}: {n}" for c, n in counts.items()) + ")"))
        if found:
            raise schema.problems(*found)
        return read(value)  # type: ignore[no-any-return]


def _moment(value: Any, key: str, with_time: bool = False) -> list[tuple[schema.Loc, str]]:
    try:
        if not isinstance(value, str):
            raise ValueError("write it as a text, e.g. \"face_to_face_end+7d 10:00\"")
        parse_moment(value, with_time=with_time)
    except ValueError as exc:
        return [((key,), f"{key}: {exc}")]
    return []


def _every(value: Any) -> list[tuple[schema.Loc, str]]:
    try:
        if not isinstance(value, str):
            raise ValueError("every is a text, e.g. \"monday 10:00\"")
        parse_every(value)
    except ValueError as exc:
        return [(("every",), f"every: {exc}")]
    return []


def load_animation(folder: Path, languages: list[str], original: str,
                   problems: Problems) -> AnimationPlan:
    """The plan in `folder/animation.toml` (none: an empty plan). A prompt with a problem
    is reported and left out; the others are kept."""
    path = folder / FILE_NAME
    if not path.exists():
        return AnimationPlan()
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add(path, toml_error_line(str(exc), 1), f"invalid TOML: {exc}")
        return AnimationPlan(path=path)
    lines = LineIndex.of(text)
    plan = AnimationPlan(path=path)
    for key in sorted(data.keys() - {"prompts"}):
        problems.add(path, lines.line(key), f"unknown key {key!r} (a plan is a list of "
                     "[[prompts]])")
    entries = data.get("prompts", [])
    if not isinstance(entries, list):
        problems.add(path, lines.line("prompts"), "prompts: write each one as [[prompts]]")
        return plan
    raw = text.split("\n")
    context = {"languages": languages, "original": original, "seen": set()}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.add(path, lines.line(None, "prompts", i), "a prompt is a [[prompts]] table")
            continue
        block = _Block(lines, raw, i)
        checked = schema.validated(PromptEntry, entry, path, lines, problems.add,
                                   context=context, line_at=block.at)
        if checked is not None:
            plan.prompts.append(_prompt(checked, block.line()))
    return plan


@dataclass
class _Block:
    """Lines of the i-th [[prompts]] block, for `schema.validated`: a key's line, and
    `text.<code> =`'s own line for a problem with one language's text."""

    lines: LineIndex
    raw: list[str]
    item: int

    def line(self, key: str | None = None, *_: object) -> int:
        return self.lines.line(key, "prompts", self.item)

    def at(self, loc: schema.Loc) -> int:
        if len(loc) >= 2 and loc[0] == "text" and isinstance(loc[1], str):
            pattern = re.compile(rf"^\s*text\.{re.escape(loc[1])}\s*=")
            start = self.line()
            for n in range(start, len(self.raw) + 1):
                if n > start and _BLOCK.match(self.raw[n - 1]):
                    break
                if pattern.match(self.raw[n - 1]):
                    return n
        return self.line(str(loc[0]) if loc else None)


def _prompt(entry: PromptEntry, line: int) -> Prompt:
    texts = {code: tuple(v.strip() for v in (item if isinstance(item, list) else [item]))
             for code, item in (entry.text or {}).items()}
    if entry.at is not None:
        return Prompt(str(entry.id), line, texts, parse_moment(entry.at, with_time=True))
    start = parse_moment(entry.from_) if entry.from_ else Moment("face_to_face_end")
    until = parse_moment(entry.until) if entry.until else Moment("impact_survey")
    return Prompt(str(entry.id), line, texts, None, parse_every(str(entry.every)), start,
                  until)
