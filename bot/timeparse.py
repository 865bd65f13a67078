"""Times typed by people in their own language: "demain à 9h", "en 2 horas", "every monday
10:00", "كل اثنين الساعة 10:00".

A small grammar over the words of bot/timewords.py, not a general date parser: what it
reads is exactly what tests/data/time_corpus.toml says, and what it cannot place it says
so (`When.others`, `When.unsure`) so the handler asks back instead of guessing. Rules:
  - a clock written 9:30, 9h, 9h30, 09:00, 17:00, 9am or "9 du soir" is certain; a bare
    hour from 1 to 11 after "at", "à", "a las", "às", "الساعة" is not: 09:00 or 21:00;
  - a day without a clock is at 09:00, a morning/afternoon/evening/night word alone at
    09:00, 15:00, 19:00, 21:00; "in 3 days" keeps the time of day of now;
  - a time alone is the next one (today, else tomorrow); a weekday is the coming one
    (today when its time is still ahead); a date without a year is the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.timewords import Meaning, fold, lexicon

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CRON_DOW_NUMBERS = {"0": "sun", "1": "mon", "2": "tue", "3": "wed", "4": "thu", "5": "fri",
                    "6": "sat", "7": "sun"}
PERIOD_HOURS = {"morning": 9, "afternoon": 15, "evening": 19, "night": 21}
DEFAULT_HOUR = 9
HOUR_WORDS = {"h", "heure", "heures", "hora", "horas", "o'clock"}
_PUNCTUATION = ",;!?،؛"
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2})|h(\d{2})?)")  # 9:30, 9.30, 9h, 9h30
_CLOCK_AMPM = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)")
_NUMBER = re.compile(r"\d{1,2}")
_DAY_NUMBER = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er|o|º|ª)?")
_YEAR = re.compile(r"20\d\d")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GLUED_DURATION = re.compile(r"(\d{1,3})(?:(h|hrs?)(\d{2})?|(min|mn|mins|m))")
_MAX_PHRASE = 4
_DAY_PARTS = {"offset", "weekday", "day"}


@dataclass(frozen=True)
class When:
    first: datetime  # UTC
    recurrence: str | None  # crontab with day names, in `zone`
    rest: str  # the words after the time expression
    # Other readings of an hour it cannot place ("at 9": 09:00 or 21:00), first excluded.
    others: tuple[When, ...] = ()
    # A time word left at the start of `rest` ("in 2 hours tomorrow …"): not sure.
    unsure: str = ""


@dataclass
class _Reading:
    every: bool = False
    daily: bool = False
    weekday: int | None = None
    offset: int | None = None  # days from today
    keep_time: bool = False  # "in 3 days": the time of day of now
    day: tuple[int | None, int, int] | None = None  # year, month, day
    hour: int | None = None
    minute: int = 0
    certain: bool = True
    ampm: str | None = None
    period: str | None = None
    delta: int | None = None  # minutes from now
    parts: set[str] = field(default_factory=set)

    def take(self, part: str) -> bool:
        """Each part once, one kind of day; a relative delay excludes everything else."""
        if part in self.parts or ("delta" in self.parts) or (part == "delta" and self.parts) \
                or (part in _DAY_PARTS and self.parts & _DAY_PARTS):
            return False
        self.parts.add(part)
        return True


class _Words:
    def __init__(self, text: str, language: str):
        self.raw = text.split()
        self.folded = [self._clean(fold(w)) for w in self.raw]
        self.lex = lexicon(language)

    @staticmethod
    def _clean(word: str) -> str:
        word = word.strip(_PUNCTUATION)
        return word if word in ("a.m.", "p.m.") else word.rstrip(".")

    def phrase(self, i: int) -> tuple[Meaning, int] | None:
        """The longest phrase of the lexicon starting at word i, and its length."""
        for n in range(min(_MAX_PHRASE, len(self.folded) - i), 0, -1):
            meaning = self.lex.get(tuple(self.folded[i:i + n]))
            if meaning is not None:
                return meaning, n
        return None

    def kind(self, i: int) -> str | None:
        found = self.phrase(i) if i < len(self.folded) else None
        return found[0][0] if found else None


def _clock(w: _Words, i: int, r: _Reading, marked: bool) -> int | None:
    """A clock time at word i; the index after it, or None."""
    if i >= len(w.folded):
        return None
    word = w.folded[i]
    nxt = w.folded[i + 1] if i + 1 < len(w.folded) else ""
    nxt_kind = w.kind(i + 1)
    if m := _CLOCK_AMPM.fullmatch(word):
        hour, minute, ampm, end, certain = int(m[1]), int(m[2] or 0), m[3][0], i + 1, True
    elif m := _CLOCK.fullmatch(word):
        hour, minute, ampm, end, certain = int(m[1]), int(m[2] or m[3] or 0), None, i + 1, True
    elif _NUMBER.fullmatch(word) and (marked or nxt in HOUR_WORDS or nxt_kind in (
            "ampm", "period")):
        hour, minute, ampm, end = int(word), 0, None, i + 1
        certain = word.startswith("0") or not 1 <= hour <= 11
        if nxt in HOUR_WORDS:
            end, certain = end + 1, True
            if end < len(w.folded) and _NUMBER.fullmatch(w.folded[end]):  # "9 h 30"
                minute, end = int(w.folded[end]), end + 1
    else:
        return None
    if end < len(w.folded) and w.kind(end) == "ampm":
        ampm, end = str(w.phrase(end)[0][1])[0], end + 1  # type: ignore[index]
    if ampm is not None:
        if not 1 <= hour <= 12:
            return None
        hour, certain = hour % 12 + (12 if ampm == "p" else 0), True
    if hour > 23 or minute > 59 or not r.take("clock"):
        return None
    r.hour, r.minute, r.certain = hour, minute, certain
    return end


def _duration(w: _Words, i: int) -> tuple[int, int] | None:
    """Minutes and the index after "2 hours", "an hour", "ساعتين", "1h30", "45 min"."""
    found = w.phrase(i) if i < len(w.folded) else None
    if found and found[0][0] == "dur":
        return int(found[0][1] or 0), i + found[1]
    if i < len(w.folded) and (m := _GLUED_DURATION.fullmatch(w.folded[i])):
        if m[2]:
            return int(m[1]) * 60 + int(m[3] or 0), i + 1
        return int(m[1]), i + 1
    count, j = 1, i
    if found and found[0][0] == "count":
        count, j = int(found[0][1] or 1), i + found[1]
    elif i < len(w.folded) and w.folded[i].isdigit() and len(w.folded[i]) <= 4:
        count, j = int(w.folded[i]), i + 1
    unit = w.phrase(j) if j < len(w.folded) else None
    if unit and unit[0][0] == "unit":
        return count * int(unit[0][1] or 0), j + unit[1]
    return None


def _date(w: _Words, i: int, r: _Reading) -> int | None:
    """"15 décembre", "15 de diciembre de 2027", "december 15th", "2026-12-15"."""
    f = w.folded
    if m := _ISO_DATE.fullmatch(f[i]):
        if r.take("day"):
            r.day = (int(m[1]), int(m[2]), int(m[3]))
            return i + 1
        return None
    j = i
    day_first = _DAY_NUMBER.fullmatch(f[j])
    if day_first:
        j += 1
        if j < len(f) and f[j] == "de":
            j += 1
    found = w.phrase(j) if j < len(f) else None
    if not found or found[0][0] != "month":
        return None
    month, j = int(found[0][1] or 0), j + found[1]
    if not day_first:
        if j >= len(f) or not (day_first := _DAY_NUMBER.fullmatch(f[j])):
            return None
        j += 1
    year = None
    k = j + 1 if j < len(f) and f[j] == "de" else j
    if k < len(f) and _YEAR.fullmatch(f[k]):
        year, j = int(f[k]), k + 1
    if not 1 <= int(day_first[1]) <= 31 or not r.take("day"):
        return None
    r.day = (year, month, int(day_first[1]))
    return j


def _component(w: _Words, i: int, r: _Reading) -> int | None:
    """Read one part of a time expression at word i into `r`; the index after it."""
    if i >= len(w.folded):
        return None
    if (end := _date(w, i, r)) is not None:
        return end
    found = w.phrase(i)
    if found is None:
        return _clock(w, i, r, marked=False)
    (kind, value), n = found
    if kind == "mark":  # "à 9", "a las 9", but also "a 15 de dezembro", "at noon"
        return _date(w, i + n, r) if i + n < len(w.folded) and _date(w, i + n, _Reading()) \
            else _clock(w, i + n, r, marked=True) or _component(w, i + n, r)
    if kind == "fill":
        return _component(w, i + n, r)
    if kind == "every" and i == 0:
        r.every = True
        r.parts.add("every")
        return i + n
    if kind == "daily" and (i == 0 or r.every) and r.take("daily"):
        r.every = r.daily = True
        return i + n
    if (kind == "dayword" or (kind == "unit" and value == 1440)) and r.every \
            and r.take("daily"):
        r.daily = w.kind(i + n) != "wd"  # "كل يوم الاثنين": every Monday
        return i + n
    if kind == "unit" and value == 1440:  # "يوم الجمعة", "no dia 15 de dezembro"
        return _component(w, i + n, r)
    if kind == "rel":
        return _relative(w, i + n, r)
    if kind == "reld" and r.take("offset"):
        r.offset = 0 if value == "tonight" else int(value or 0)
        if value == "tonight" and r.take("period"):
            r.period = "evening"
        return i + n
    if kind == "wd" and r.take("weekday"):
        r.weekday = int(value or 0)
        return i + n
    if kind == "period" and r.take("period"):
        r.period = str(value)
        return i + n
    if kind == "clock" and r.take("clock"):
        r.hour, r.minute = int(value or 0), 0
        return i + n
    return _clock(w, i, r, marked=False) if kind in ("count", "unit") else None


def _relative(w: _Words, i: int, r: _Reading) -> int | None:
    found = _duration(w, i)
    if found is None:
        return None
    minutes, end = found
    if minutes % 1440 == 0 and minutes:
        if r.take("offset"):
            r.offset, r.keep_time = minutes // 1440, True
            return end
        return None
    if not minutes or not r.take("delta"):
        return None
    r.delta = minutes
    return end


def _hours(r: _Reading, now_local: datetime) -> list[tuple[int, int]]:
    """The clock times this reading may mean: one, or two when the hour is unsure."""
    if r.hour is None:
        if r.period:
            return [(PERIOD_HOURS[r.period], 0)]
        if r.keep_time:
            return [(now_local.hour, now_local.minute)]
        return [(DEFAULT_HOUR, 0)]
    hour = r.hour
    if r.period in ("afternoon", "evening") and hour < 12:
        return [(hour + 12, r.minute)]
    if r.period == "night":
        return [((hour + 12) % 24 if hour >= 6 else hour, r.minute)]
    if r.period == "morning":
        return [(hour % 12, r.minute)]
    if not r.certain:
        return [(hour, r.minute), (hour + 12, r.minute)]
    return [(hour, r.minute)]


def _moment(r: _Reading, hm: tuple[int, int], zone: ZoneInfo, now: datetime) -> datetime:
    local_now = now.astimezone(zone)
    at = time(*hm)

    def on(day: date) -> datetime:
        return datetime.combine(day, at, tzinfo=zone)

    today = local_now.date()
    if r.day is not None:
        year, month, day_number = r.day
        candidate = on(date(year or today.year, month, day_number))
        if year is None and candidate <= local_now:
            candidate = on(date(today.year + 1, month, day_number))
        return candidate
    if r.weekday is not None:
        ahead = (r.weekday - today.weekday()) % 7
        if ahead == 0 and on(today) <= local_now:
            ahead = 7
        return on(today + timedelta(days=ahead))
    if r.offset is not None:
        return on(today + timedelta(days=r.offset))
    candidate = on(today)
    return candidate if candidate > local_now else on(today + timedelta(days=1))


def read_when(text: str, language: str, zone: ZoneInfo, now: datetime) -> When | None:
    """The time expression at the start of `text` and the rest; None when there is none.
    Raises ValueError for a recurrence it cannot read ("every someday")."""
    words = text.split()
    if words and words[0].lower() == "cron":
        recurrence = standard_cron(" ".join(words[1:6]))
        first = next_occurrence(recurrence, zone, now)
        if first is None:
            raise ValueError("this cron expression never fires")
        return When(first, recurrence, " ".join(words[6:]))
    w, r = _Words(text, language), _Reading()
    i = end = 0
    while (step := _component(w, i, r)) is not None:
        i = end = step
    if r.every:
        if not (r.daily or r.weekday is not None or r.period) or r.delta is not None \
                or r.day is not None or r.offset is not None:
            raise ValueError("missing day or time")
    elif not r.parts:
        return None
    rest = " ".join(w.raw[end:])
    unsure = w.raw[end] if end < len(w.raw) and _component(w, end, _Reading()) else ""
    if r.delta is not None:
        first = (now + timedelta(minutes=r.delta)).astimezone(UTC)
        return When(first.replace(second=0, microsecond=0), None, rest, unsure=unsure)
    readings = []
    for hour, minute in _hours(r, now.astimezone(zone)):
        if r.every:
            day = "*" if r.daily or r.weekday is None else DAY_NAMES[r.weekday]
            recurrence: str | None = f"{minute} {hour} * * {day}"
            first = next_occurrence(recurrence, zone, now)
            assert first is not None
        else:
            try:
                first, recurrence = _moment(r, (hour, minute), zone, now).astimezone(UTC), None
            except ValueError:  # 31 February
                return None
        readings.append(When(first, recurrence, rest, unsure=unsure))
    head, *others = readings
    return When(head.first, head.recurrence, rest, tuple(others), unsure)


def split_when(text: str, language: str, zone: ZoneInfo, now: datetime) -> When | None:
    """A one-off time at the start of `text` and the rest (None for a recurrence)."""
    try:
        when = read_when(text, language, zone, now)
    except ValueError:
        return None
    return when if when is not None and when.recurrence is None else None


def split_recurring(text: str, language: str, zone: ZoneInfo, now: datetime) -> When | None:
    """`every monday 10:00 …`, `tous les jours 9h …`, `cron 0 10 * * 1 …`; None when the text
    does not start with a recurrence. Raises ValueError for a recurrence it cannot read."""
    when = read_when(text, language, zone, now)
    return when if when is not None and when.recurrence is not None else None


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
