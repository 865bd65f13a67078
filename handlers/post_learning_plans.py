"""What the post-learning features share: one cohort-wide schedule per (cohort, kind),
planned at start-up like the units' releases (idempotent; a changed date moves it; a moment
already past when first planned is not run), and the cohort's post-learning settings."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.config import CohortConfig
from bot.model import ChatKind
from bot.services import Services
from handlers.cohorts import Cohort
from storage.post_learning import PostLearningPlan, PostLearningRepository
from storage.schedules import NewSchedule

log = logging.getLogger("bot.post_learning")


def store_of(services: Services) -> PostLearningRepository:
    return services.post_learning


def settings(services: Services, cohort: Cohort) -> CohortConfig | None:
    """The cohort's entry in the config (its post-learning keys)."""
    return next((c for c in services.config.cohorts if c.code == cohort.code), None)


async def plan_moment(services: Services, cohort: Cohort, kind: str, schedule_kind: str,
                      at: datetime) -> None:
    store = store_of(services)
    existing = await store.plan(cohort.code, kind)
    due, now = at.timestamp(), services.clock.timestamp()
    if existing is not None and abs(existing.due_at - due) < 1:
        return
    schedule_id: int | None = None
    current = (await services.schedules.get(existing.schedule_id)
               if existing is not None and existing.schedule_id is not None else None)
    if current is not None and current.status != "active":
        schedule_id = current.id  # already run: nothing to move
    else:
        if current is not None:
            await services.schedules.cancel(current.id)
        if current is not None or due > now:
            schedule_id = await services.schedules.add(NewSchedule(
                kind=schedule_kind, participant_id=None, platform="cohort",
                chat_id=cohort.code, chat_kind=ChatKind.GROUP.value,
                payload={"cohort": cohort.code}, timezone=cohort.zone.key, next_at=due), now)
        if existing is not None:
            log.info("%s of cohort %s: moved", kind, cohort.code)
    await store.set_plan(PostLearningPlan(cohort.code, kind, due, schedule_id), now)


async def has_run(services: Services, cohort: Cohort, kind: str) -> bool:
    """The cohort's `kind` moment has come and was run (not one already past when the bot
    first planned it)."""
    plan = await store_of(services).plan(cohort.code, kind)
    return plan is not None and plan.schedule_id is not None and \
        plan.due_at <= services.clock.timestamp()
