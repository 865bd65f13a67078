"""`python -m bot timeline`: every message planned for a cohort, in order, so a facilitator
can check the whole plan before it runs. Each feature contributes its own entries
(registry.timeline)."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.ports import CohortView as Cohort
    from bot.services import Services


@dataclass(frozen=True)
class Planned:
    at: datetime  # aware
    audience: str  # "each participant", "participants who have not finished", …
    channel: str  # "private message", "telegram -100123", …
    first_line: str
    kind: str  # "unit", "nudge", "survey", "animation", …


TimelineSource = Callable[["Services", "Cohort"], Awaitable[list[Planned]]]


async def plan(services: Services, cohort: Cohort,
               sources: Sequence[TimelineSource]) -> list[Planned]:
    entries: list[Planned] = []
    for source in sources:
        entries.extend(await source(services, cohort))
    return sorted(entries, key=lambda e: (e.at, e.kind, e.first_line))


def write(cohort: Cohort, entries: list[Planned], out: TextIO) -> None:
    out.write(f"{cohort.name} ({cohort.code}) — times in {cohort.zone.key}\n")
    out.write(f"pre-learning from {cohort.prelearning_start}, face-to-face "
              f"{cohort.face_to_face_start} to {cohort.face_to_face_end}, impact survey "
              f"{cohort.impact_survey}\n\n")
    if not entries:
        out.write("nothing planned\n")
    for e in entries:
        local = e.at.astimezone(cohort.zone).strftime("%a %Y-%m-%d %H:%M")
        line = e.first_line.strip().splitlines()[0] if e.first_line.strip() else ""
        out.write(f"{local}  {e.kind:<10} {e.audience} · {e.channel}\n    {line[:100]}\n")
    out.write(f"\n{len(entries)} planned message(s)\n")


async def print_timeline(services: Services, sources: Sequence[TimelineSource],
                         cohort_code: str | None, out: TextIO) -> int:
    """`python -m bot timeline`: every planned message of one cohort (or all), without
    connecting anywhere (the services are built by the composition root)."""
    try:
        cohorts = services.cohorts.all()
        if cohort_code is not None:
            cohort = services.cohorts.get(cohort_code)
            if cohort is None:
                known = ", ".join(c.code for c in cohorts) or "none configured"
                print(f"no cohort {cohort_code!r} (cohorts: {known})", file=sys.stderr)
                return 1
            cohorts = [cohort]
        if not cohorts:
            print("no cohort is configured ([[cohorts]] in the config)", file=sys.stderr)
            return 1
        for i, cohort in enumerate(cohorts):
            if i:
                out.write("\n")
            write(cohort, await plan(services, cohort, sources), out)
    finally:
        await services.outbox.stop()
        await services.relay.close()
        await services.db.close()
    return 0
