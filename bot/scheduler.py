"""Everything timed: one APScheduler job that wakes up at the earliest due schedule.

The `schedules` table is the source of truth. "What is due at time T" is `run_due(T)`, a
plain function of T: the live scheduler calls it when the earliest schedule falls due, the
console's `:advance` calls it to rehearse a timeline, and start-up calls it to catch up on
what fell due while the bot was down.

Why one job and not one per reminder: the table already knows every occurrence, and
re-registering 100,000 reminders as APScheduler jobs at each start-up costs seconds and
hundreds of megabytes (see bench/scheduler.py). The job id is deterministic
("schedules:due", replace_existing) and its misfire policy explicit (always run, coalesced).

Misfire policy for occurrences missed while the bot was down: a one-time schedule is
delivered late, once. A recurring one is delivered once for its latest missed occurrence
and then resumes its rhythm; older missed occurrences are skipped, not replayed. Each
delivery carries the dedupe key "<kind>:<id>:<occurrence>", so a crash between the send
and the bookkeeping never doubles it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.timeparse import next_occurrence
from storage.schedules import Schedule, ScheduleRepository

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("bot.scheduler")
JOB_ID = "schedules:due"

# An occurrence this much overdue (the bot was down) is delivered with a note saying so.
LATE_AFTER = timedelta(minutes=5)
# A worker that does not fire the schedules (another one does) asks again this often.
LEAD_RETRY = timedelta(seconds=5)


@dataclass(frozen=True)
class Firing:
    occurrence: datetime  # UTC
    late: bool  # delivered well after its time because the bot was not running


# What a feature does when one of its schedules falls due.
TimedHandler = Callable[["Services", Schedule, Firing], Awaitable[None]]


def dedupe_key(schedule: Schedule, firing: Firing) -> str:
    return f"{schedule.kind}:{schedule.id}:{int(firing.occurrence.timestamp())}"


class Scheduler:
    def __init__(self, repo: ScheduleRepository, clock: Clock,
                 handlers: dict[str, TimedHandler]):
        self.repo = repo
        self.clock = clock
        self.handlers = handlers
        self._services: Services | None = None
        self._aps: AsyncIOScheduler | None = None
        self._running = asyncio.Lock()  # one run_due at a time: no occurrence fires twice

    async def start(self, services: Services) -> None:
        """Catch up on what fell due while stopped, then wait for the next."""
        self._services = services
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.start()
        await self.run_due(self.clock.now())

    async def stop(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        self._aps = None

    async def rearm(self) -> None:
        """Point the single job at the earliest active schedule (call after any change)."""
        if self._aps is None:
            return
        earliest = await self.repo.earliest()
        if earliest is None:
            if self._aps.get_job(JOB_ID):
                self._aps.remove_job(JOB_ID)
            return
        # The console's clock may run ahead of the wall clock: wake at the real moment.
        wake = datetime.fromtimestamp(earliest, UTC) - self.clock.offset
        self._aps.add_job(
            self._wake, DateTrigger(run_date=max(wake, datetime.now(UTC))), id=JOB_ID,
            replace_existing=True, misfire_grace_time=None, coalesce=True,
        )

    def _retry_lead(self) -> None:
        if self._aps is not None:
            self._aps.add_job(self._wake, DateTrigger(run_date=datetime.now(UTC) + LEAD_RETRY),
                              id=JOB_ID, replace_existing=True, misfire_grace_time=None)

    async def _wake(self) -> None:
        try:
            await self.run_due(self.clock.now())
        except Exception:
            log.exception("running due schedules failed")
            await self.rearm()

    async def run_due(self, now: datetime, rehearse: bool = False) -> int:
        """Fire every occurrence due by `now`, earliest first; returns how many fired.
        `rehearse` (the console's `:advance`) fires every occurrence in the span instead
        of coalescing missed ones."""
        if self._services is None:
            raise RuntimeError("scheduler not started")
        fired = 0
        if not await self.repo.lead():  # another worker fires them; try again later
            self._retry_lead()
            return 0
        async with self._running:
            while (schedule := await self.repo.next_due(now.timestamp())) is not None:
                occurrence = datetime.fromtimestamp(schedule.next_at or 0, UTC)
                following = self._following(schedule, occurrence)
                if not rehearse:
                    # Coalesce: a recurring schedule fires once for its latest missed
                    # occurrence, then resumes after `now`.
                    while following is not None and following <= now:
                        occurrence, following = following, self._following(schedule, following)
                late = not rehearse and now - occurrence > LATE_AFTER
                await self._fire(schedule, Firing(occurrence, late))
                await self.repo.fired(schedule.id, occurrence.timestamp(),
                                      following.timestamp() if following else None)
                fired += 1
        await self.rearm()
        return fired

    def _following(self, schedule: Schedule, occurrence: datetime) -> datetime | None:
        if not schedule.recurrence:
            return None
        return next_occurrence(schedule.recurrence, ZoneInfo(schedule.timezone), occurrence)

    async def _fire(self, schedule: Schedule, firing: Firing) -> None:
        handler = self.handlers.get(schedule.kind)
        if handler is None:
            log.error("schedule %d: no handler for kind %r", schedule.id, schedule.kind)
            return
        assert self._services is not None
        try:
            await handler(self._services, schedule, firing)
        except Exception:
            # A broken schedule must not block the ones behind it; it is logged and
            # moves on to its next occurrence.
            log.exception("schedule %d (%s) failed at %s", schedule.id, schedule.kind,
                          firing.occurrence.isoformat())
