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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.content.lines import LineIndex, toml_error_line
from bot.content.units import Problems
from bot.timeparse import DAY_NAMES, next_occurrence

if TYPE_CHECKING:
    from bot.ports import CohortView as Cohort

FILE_NAME = "animation.toml"
POINTS = ("prelearning_start", "face_to_face_start", "face_to_face_end", "impact_survey")
PROMPT_KEYS = {"id", "at", "every", "from", "until", "text"}
MAX_TEXT = 1500
MAX_ROTATION = 60
# How many occurrences of one recurring prompt are counted or previewed at most.
MAX_OCCURRENCES = 400
ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
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
    seen: set[str] = set()
    raw = text.split("\n")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.add(path, lines.line(None, "prompts", i), "a prompt is a [[prompts]] table")
            continue
        prompt = _check_prompt(path, entry, i, lines, raw, languages, original, seen, problems)
        if prompt is not None:
            plan.prompts.append(prompt)
    return plan


def _check_prompt(path: Path, entry: dict[str, Any], i: int, lines: LineIndex,
                  raw: list[str], languages: list[str], original: str, seen: set[str],
                  problems: Problems) -> Prompt | None:
    def at(key: str | None = None) -> int:
        return lines.line(key, "prompts", i)

    def text_line(code: str) -> int:
        """The line of `text.<code> =` in this prompt (else of its first text)."""
        pattern = re.compile(rf"^\s*text\.{re.escape(code)}\s*=")
        for n in range(at(), len(raw) + 1):
            if n > at() and _BLOCK.match(raw[n - 1]):
                break
            if pattern.match(raw[n - 1]):
                return n
        return at("text")

    before = len(problems.found)
    for key in sorted(entry.keys() - PROMPT_KEYS):
        problems.add(path, at(key), f"unknown key {key!r} in a prompt (known: "
                     f"{', '.join(sorted(PROMPT_KEYS))})")
    prompt_id = entry.get("id")
    if not isinstance(prompt_id, str) or not ID.match(prompt_id):
        problems.add(path, at("id"), "id: lower-case letters, digits and -, e.g. "
                     "\"weekly-topic\"")
    elif prompt_id in seen:
        problems.add(path, at("id"), f"the id {prompt_id!r} is used twice")
    else:
        seen.add(prompt_id)
    once: Moment | None = None
    every: str | None = None
    start, until = Moment("face_to_face_end"), Moment("impact_survey")
    if ("at" in entry) == ("every" in entry):
        problems.add(path, at("at" if "at" in entry else None),
                     "a prompt has either at = \"<when>\" (once) or every = \"<weekday> HH:MM\""
                     " (recurring)")
    elif "at" in entry:
        once = _moment(path, entry["at"], "at", at("at"), problems, with_time=True)
        for key in ("from", "until"):
            if key in entry:
                problems.add(path, at(key), f"{key} goes with every, not with at")
    else:
        value = entry["every"]
        try:
            if not isinstance(value, str):
                raise ValueError("every is a text, e.g. \"monday 10:00\"")
            every = parse_every(value)
        except ValueError as exc:
            problems.add(path, at("every"), f"every: {exc}")
        if "from" in entry:
            start = _moment(path, entry["from"], "from", at("from"), problems) or start
        if "until" in entry:
            until = _moment(path, entry["until"], "until", at("until"), problems) or until
        if start.point == until.point and start.days > until.days:
            problems.add(path, at("until"), f"until ({until}) comes before from ({start})")
    texts = _texts(path, entry.get("text"), at("text"), text_line, languages, original,
                   rotating=every is not None, problems=problems)
    if len(problems.found) > before or texts is None:
        return None
    assert isinstance(prompt_id, str)
    return Prompt(prompt_id, at(), texts, once, every, start, until)


def _moment(path: Path, value: Any, key: str, line: int, problems: Problems,
            with_time: bool = False) -> Moment | None:
    try:
        if not isinstance(value, str):
            raise ValueError("write it as a text, e.g. \"face_to_face_end+7d 10:00\"")
        return parse_moment(value, with_time=with_time)
    except ValueError as exc:
        problems.add(path, line, f"{key}: {exc}")
        return None


def _texts(path: Path, value: Any, line: int, line_of: Callable[[str], int],
           languages: list[str], original: str, rotating: bool, problems: Problems
           ) -> dict[str, tuple[str, ...]] | None:
    """`text.en = "…"` (or, for a recurring prompt, a list taken in turn), per language;
    the original language is required, the others fall back to it."""
    if not isinstance(value, dict) or not value:
        problems.add(path, line, f"text needs one entry per language: text.{original} = "
                     "\"…\", text.fr = \"…\", …")
        return None
    texts: dict[str, tuple[str, ...]] = {}
    ok = True
    for code, item in value.items():
        if code not in languages:
            problems.add(path, line_of(code), f"text.{code}: {code!r} is not one of the academy's "
                         f"languages ({', '.join(languages)})")
            ok = False
            continue
        variants = item if isinstance(item, list) else [item]
        if isinstance(item, list) and not rotating:
            problems.add(path, line_of(code), f"text.{code}: a list of texts (taken in turn) "
                         "is for recurring prompts (every = …)")
            ok = False
            continue
        if not variants or len(variants) > MAX_ROTATION or not all(
                isinstance(v, str) and v.strip() for v in variants):
            problems.add(path, line_of(code), f"text.{code}: a non-empty text, or a list of 1 to "
                         f"{MAX_ROTATION} non-empty texts")
            ok = False
            continue
        too_long = [n for n, v in enumerate(variants, 1) if len(v) > MAX_TEXT]
        if too_long:
            problems.add(path, line_of(code), f"text.{code}: at most {MAX_TEXT} characters (text "
                         f"{too_long[0]} has {len(variants[too_long[0] - 1])})")
            ok = False
            continue
        texts[code] = tuple(v.strip() for v in variants)
    if original not in value:
        problems.add(path, line, f"text.{original} is required (the original language)")
        return None
    counts = {len(v) for v in texts.values()}
    if len(counts) > 1:
        problems.add(path, line, "text: the same number of texts in every language ("
                     + ", ".join(f"{c}: {len(v)}" for c, v in texts.items()) + ")")
        return None
    return texts if ok else None
