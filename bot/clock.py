"""Time, with an offset the console's `:advance` can move forward."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# Days counted from a point (a cohort's start, the database's creation) and calendar dates
# in the config and the content are bounded, so that what is derived from them (20 days
# before, 4 months after, the time zone's offset) still exists: 99999999 days passed
# `check` and then crashed the start with OverflowError.
MAX_DAYS = 3650
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2199, 12, 31)


def out_of_range(value: int | date, days_from: str = "") -> str | None:
    """Why a day number (counted `days_from` something) or a date is out of range."""
    if isinstance(value, date):
        if FIRST_DATE <= value <= LAST_DATE:
            return None
        return f"{value} is out of range: a date between {FIRST_DATE} and {LAST_DATE}"
    if -MAX_DAYS <= value <= MAX_DAYS:
        return None
    return f"{value} is out of range: at most {MAX_DAYS} days (ten years) either way" + (
        f" {days_from}" if days_from else "")


def bounded_day(days_from: str) -> Callable[[int | date], int | date]:
    """A validator of day numbers counted `days_from` something, and of dates."""

    def check(value: int | date) -> int | date:
        if problem := out_of_range(value, days_from):
            raise ValueError(problem)
        return value

    return check


@dataclass
class Clock:
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
