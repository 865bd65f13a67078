"""Cohorts: a group of participants going through the academy together, with its own
languages, time zone, channels and dates (pre-learning, face-to-face week, impact survey).

Cohorts are declared in the config ([[cohorts]]); a date there is either a calendar date or
a number of days from the day the database was created (the "anchor day"), so the sample
cohort is always mid-way through its pre-learning on a new installation. Enrolments are
stored (storage/cohorts.py).
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import CohortConfig, CohortDay, Config
from bot.i18n import current_language
from bot.ports import EnrolHandler
from storage.cohorts import EnrolmentRepository

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("bot.cohorts")

# What a feature does when someone joins a cohort (e.g. send the units already open).



def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Cohort:
    code: str
    default_name: str  # `name` below: in the reader's language when the config gives it
    languages: tuple[str, ...]
    default_language: str
    zone: ZoneInfo
    prelearning_start: date
    face_to_face_start: date
    face_to_face_end: date
    impact_survey: date
    open: bool
    channels: frozenset[tuple[str, str]]  # (platform, chat_id)
    release_time: time
    nudge_after_days: int
    names: tuple[tuple[str, str], ...] = ()  # (language, name), from the config's `names`

    @property
    def name(self) -> str:
        """The cohort's name in the language of the reader being answered (the active
        language, set per event), else its default name."""
        return dict(self.names).get(current_language(), self.default_name)

    def release_day(self, release: int | date) -> date:
        """A unit's or survey's `release`: days from the face-to-face start, or a date."""
        if isinstance(release, date):
            return release
        return self.face_to_face_start + timedelta(days=release)

    def moment(self, day: date, at: time | None = None) -> datetime:
        """`day` at `at` (default: the cohort's release time) in the cohort's zone, as UTC."""
        local = datetime.combine(day, at or self.release_time, tzinfo=self.zone)
        return local.astimezone(UTC)

    def phase(self, now: datetime) -> str:
        today = now.astimezone(self.zone).date()
        if today < self.prelearning_start:
            return "upcoming"
        if today < self.face_to_face_start:
            return "prelearning"
        if today <= self.face_to_face_end:
            return "face_to_face"
        return "follow_up"


def _day(value: CohortDay | None, anchor: date, default: date) -> date:
    if value is None:
        return default
    if isinstance(value, date):
        return value
    return anchor + timedelta(days=value)


def resolve(entry: CohortConfig, config: Config, anchor: date) -> Cohort:
    start = _day(entry.face_to_face_start, anchor, anchor)
    end = _day(entry.face_to_face_end, anchor, start + timedelta(days=4))
    hours, minutes = (int(part) for part in entry.release_time.split(":"))
    return Cohort(
        code=entry.code,
        default_name=entry.name,
        names=tuple(sorted(entry.names.items())),
        languages=tuple(entry.languages or config.bot.languages),
        default_language=entry.default_language or config.bot.default_language,
        zone=ZoneInfo(entry.timezone or config.bot.timezone),
        prelearning_start=_day(entry.prelearning_start, anchor, start - timedelta(days=20)),
        face_to_face_start=start,
        face_to_face_end=end,
        impact_survey=_day(entry.impact_survey, anchor, add_months(end, 4)),
        open=entry.open,
        channels=frozenset((c.platform, c.chat_id) for c in entry.channels),
        release_time=time(hours, minutes),
        nudge_after_days=entry.nudge_after_days,
    )


class Cohorts:
    """The configured cohorts with their dates resolved, and who is enrolled where."""

    def __init__(self, cohorts: list[Cohort], repo: EnrolmentRepository, anchor: date):
        self._by_code = {c.code: c for c in cohorts}
        self.repo = repo
        self.anchor = anchor
        self.on_enrolled: list[EnrolHandler] = []
        self._known: set[tuple[str, int]] = set()  # (cohort, participant) enrolled: no query

    @classmethod
    async def load(cls, config: Config, repo: EnrolmentRepository, today: date) -> Cohorts:
        anchor = await repo.anchor_day(today)
        return cls([resolve(c, config, anchor) for c in config.cohorts], repo, anchor)

    def all(self) -> list[Cohort]:
        return list(self._by_code.values())

    def get(self, code: str) -> Cohort | None:
        return self._by_code.get(code.strip().lower())

    def open_ones(self) -> list[Cohort]:
        return [c for c in self._by_code.values() if c.open]

    def of_chat(self, platform: str, chat_id: str) -> Cohort | None:
        return next((c for c in self._by_code.values()
                     if (platform, chat_id) in c.channels), None)

    async def of_participant(self, participant_id: int) -> list[Cohort]:
        codes = await self.repo.cohorts_of(participant_id)
        return [self._by_code[c] for c in codes if c in self._by_code]

    def known_member(self, cohort: Cohort, participant_id: int) -> bool:
        """Enrolled, as far as this process has seen (no query): False may still be."""
        return (cohort.code, participant_id) in self._known

    async def enrol(self, services: Services, cohort: Cohort, participant_id: int,
                    via: str) -> bool:
        """Enrol (idempotent); True when new, after every feature's on_enrolled ran."""
        if (cohort.code, participant_id) in self._known:
            return False
        new = await self.repo.enrol(cohort.code, participant_id,
                                    services.clock.timestamp(), via)
        self._known.add((cohort.code, participant_id))
        if new:
            log.info("participant %d joined cohort %s (%s)", participant_id, cohort.code, via)
            for hook in self.on_enrolled:
                try:
                    await hook(services, cohort, participant_id)
                except Exception:
                    log.exception("on_enrolled hook failed for cohort %s", cohort.code)
        return new

    async def facilitated_by(self, services: Services, participant_id: int) -> list[Cohort]:
        """The cohorts whose data this facilitator may see: all of them for a facilitator
        of every cohort, else only those they are listed for. Facilitator reports (progress,
        gaps, surveys, stats) must go through this."""
        scope = await services.authorizer.cohort_scope(participant_id)
        return [c for c in self._by_code.values() if scope is None or c.code in scope]

    async def leave(self, cohort: Cohort, participant_id: int) -> bool:
        self._known.discard((cohort.code, participant_id))
        return await self.repo.leave(cohort.code, participant_id)
