"""Times typed by people in their own language: "demain à 9h", "en 2 horas", "every monday
10:00". Parsing is dateparser's (maintained, multilingual); we only split the time from the
message and add recurrence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dateparser
from apscheduler.triggers.cron import CronTrigger

MAX_WHEN_WORDS = 7
# "9h", "9h30", "14 h": French and Portuguese write hours this way; dateparser reads "h" as
# "hours from now" in some languages, so we spell it out as a clock time first.
_HOUR_SUFFIX = re.compile(r"\b(\d{1,2})\s?h\s?(\d{2})?\b", re.IGNORECASE)
EVERY_WORDS = {
    "every", "each", "chaque", "tous", "toutes", "cada", "todo", "toda", "todos", "todas", "كل",
}
ARTICLES = {"les", "los", "las", "os", "as", "the"}
DAY_WORDS = {"day", "days", "jour", "jours", "día", "días", "dia", "dias", "يوم"}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CRON_DOW_NUMBERS = {"0": "sun", "1": "mon", "2": "tue", "3": "wed", "4": "thu", "5": "fri",
                    "6": "sat", "7": "sun"}


@dataclass(frozen=True)
class When:
    first: datetime  # UTC
    recurrence: str | None  # crontab with day names, in `zone`
    rest: str  # the words after the time expression


def _settings(zone: ZoneInfo, now: datetime) -> dict[str, object]:
    return {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        "TIMEZONE": zone.key,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
    }


def _parse(text: str, language: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    if not re.search(r"[^\W\d_]", text) and ":" not in text and "-" not in text \
            and "/" not in text:
        return None  # a bare number ("2") is not a time; dateparser would guess a date
    parsed = dateparser.parse(_HOUR_SUFFIX.sub(lambda m: f"{m[1]}:{m[2] or '00'}", text),
                              languages=[language, "en"] if language != "en" else ["en"],
                              settings=_settings(zone, now))  # type: ignore[arg-type]
    return parsed.astimezone(UTC) if parsed else None


def split_when(text: str, language: str, zone: ZoneInfo, now: datetime) -> When | None:
    """The longest leading run of words that reads as a time, and the rest."""
    words = text.split()
    for n in range(min(len(words), MAX_WHEN_WORDS), 0, -1):
        moment = _parse(" ".join(words[:n]), language, zone, now)
        if moment is not None:
            return When(moment, None, " ".join(words[n:]))
    return None


def cron_trigger(recurrence: str, zone: ZoneInfo) -> CronTrigger:
    return CronTrigger.from_crontab(recurrence, timezone=zone)


def next_occurrence(recurrence: str, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, computed in `zone` (DST-safe)."""
    trigger = cron_trigger(recurrence, zone)
    nxt = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    return nxt.astimezone(UTC) if nxt else None


def standard_cron(expr: str) -> str:
    """Normalise a standard crontab (day-of-week 0 = Sunday) to day names, because
    APScheduler 3 numbers days from Monday. Raises ValueError when it is not valid."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError("a cron expression has 5 fields: minute hour day month weekday")
    dow = re.sub(r"\d", lambda m: CRON_DOW_NUMBERS[m[0]], fields[4])
    normalised = " ".join([*fields[:4], dow])
    CronTrigger.from_crontab(normalised)  # validates
    return normalised


def split_recurring(text: str, language: str, zone: ZoneInfo, now: datetime) -> When | None:
    """`every monday 10:00 …`, `tous les jours 9h …`, `cron 0 10 * * 1 …`; None when the text
    does not start with a recurrence. Raises ValueError for a recurrence it cannot read."""
    words = text.split()
    if not words:
        return None
    if words[0].lower() == "cron":
        recurrence = standard_cron(" ".join(words[1:6]))
        first = next_occurrence(recurrence, zone, now)
        if first is None:
            raise ValueError("this cron expression never fires")
        return When(first, recurrence, " ".join(words[6:]))
    if words[0].lower() not in EVERY_WORDS:
        return None
    words = words[1:]
    if words and words[0].lower() in ARTICLES:
        words = words[1:]
    daily = bool(words) and words[0].lower() in DAY_WORDS
    if daily:
        words = words[1:]
        if not words:
            raise ValueError("missing time of day")
    when = split_when(" ".join(words), language, zone, now)
    if when is None:
        raise ValueError("missing day or time")
    local = when.first.astimezone(zone)
    day = "*" if daily else DAY_NAMES[local.weekday()]
    recurrence = f"{local.minute} {local.hour} * * {day}"
    first = next_occurrence(recurrence, zone, now)
    assert first is not None
    return When(first, recurrence, when.rest)
