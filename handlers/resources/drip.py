"""The resources' drip: on the cohort's day after the face-to-face week, each participant's
resources are chosen (handlers/resources/choice.py) and each gets its own schedule, at the
cohort's release time in the participant's zone, one every `resources_every_days`; one
nudge for a resource not opened after the cohort's `nudge_after_days`. Dedupe keys
"resource:<cohort>:<n>:<participant>" and "resource-nudge:…" make a second firing (a
restart, a crash before the bookkeeping) send nothing twice."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content.academy import Academy
from bot.content.resources import Resource
from bot.i18n import _, rtl_marked, use_language
from bot.model import Button, ChatKind, ChatRef, OutboundMessage
from bot.outbox import SCHEDULED
from bot.scheduler import Firing
from bot.services import Services
from bot.timeline import Planned
from handlers.cohorts import Cohort
from handlers.post_learning_plans import has_run, plan_moment, settings, store_of
from handlers.resources.choice import for_participant
from handlers.surveys import PRE_ASSESSMENT, survey_named
from storage.post_learning import Drip
from storage.schedules import NewSchedule, Schedule
from storage.surveys import Response
from storage.units import Member

log = logging.getLogger("bot.resources")

PLAN = "resources_plan"
SEND = "resource_send"
NUDGE = "resource_nudge"
BUTTON = "res"  # "res:open:<cohort>:<n>"


def localized(academy: Academy, number: int, language: str, fallback: str
              ) -> Resource | None:
    by_language = academy.resources.get(number, {})
    for code in (language, fallback, academy.default_language):
        if code in by_language:
            return by_language[code]
    return None


def first_day(services: Services, cohort: Cohort) -> date:
    entry = settings(services, cohort)
    return cohort.face_to_face_end + timedelta(days=entry.resources_after_days if entry else 3)


def every_days(services: Services, cohort: Cohort) -> int:
    entry = settings(services, cohort)
    return entry.resources_every_days if entry else 4


def limit(services: Services, cohort: Cohort) -> int:
    entry = settings(services, cohort)
    return entry.resources_max if entry else 3


def plan_at(services: Services, cohort: Cohort) -> datetime:
    """The day before the first resource: every participant's zone is still before it."""
    return cohort.moment(first_day(services, cohort) - timedelta(days=1))


def due_at(services: Services, cohort: Cohort, zone: ZoneInfo, position: int) -> datetime:
    day = first_day(services, cohort) + timedelta(days=position * every_days(services, cohort))
    return datetime.combine(day, cohort.release_time, tzinfo=zone).astimezone(UTC)


async def plan_drips(services: Services) -> None:
    """Start-up: each cohort's choosing day is planned (once)."""
    academy = services.academy
    if academy is None or not academy.resources:
        return
    for cohort in services.cohorts.all():
        if limit(services, cohort):
            await plan_moment(services, cohort, "resources", PLAN, plan_at(services, cohort))


async def _pre_assessment(services: Services, cohort: Cohort) -> list[Response]:
    survey = survey_named(services, PRE_ASSESSMENT)
    repo = services.surveys
    wave = await repo.wave_for(PRE_ASSESSMENT, cohort.code)
    if survey is None or wave is None or survey.anonymous:
        return []  # anonymous answers name nobody: no personal gaps
    return await repo.responses([wave.id], False)


async def plan_participant(services: Services, cohort: Cohort, member: Member,
                           responses: list[Response], at: float) -> int:
    """Choose this participant's resources and schedule each, none before `at` (when the
    choosing runs: a late start-up, a newcomer); 0 when already done."""
    academy = services.academy
    store = store_of(services)
    if academy is None or await store.has_drip(member.participant_id, cohort.code):
        return 0
    if await services.surveys.consent_declined(member.participant_id):
        return 0
    mine = next((r.answers for r in reversed(responses)
                 if r.participant_id == member.participant_id), None)
    choices = for_participant(academy, survey_named(services, PRE_ASSESSMENT), mine,
                              responses, limit(services, cohort))
    participant = await services.participants.get(member.participant_id)
    zone = ZoneInfo(participant.timezone) if participant and participant.timezone \
        else cohort.zone
    now = services.clock.timestamp()
    for position, choice in enumerate(choices):
        due = max(due_at(services, cohort, zone, position).timestamp(), at)
        schedule_id = await services.schedules.add(NewSchedule(
            kind=SEND, participant_id=member.participant_id, platform=member.platform,
            chat_id=member.user_id, chat_kind=ChatKind.PRIVATE.value,
            payload={"cohort": cohort.code, "resource": choice.resource},
            timezone=zone.key, next_at=due), now)
        await store.add_drip(Drip(member.participant_id, cohort.code, choice.resource,
                                  position, choice.gap, choice.personal, due, schedule_id,
                                  None, None, None))
    return len(choices)


async def fire_plan(services: Services, schedule: Schedule, firing: Firing) -> None:
    cohort = services.cohorts.get(str(schedule.data.get("cohort", "")))
    if cohort is None or services.academy is None:
        return
    responses = await _pre_assessment(services, cohort)
    planned = 0
    for member in await services.units.members(cohort.code):
        planned += await plan_participant(services, cohort, member, responses,
                                          firing.occurrence.timestamp())
    log.info("resources of cohort %s: %d planned", cohort.code, planned)


async def on_enrolled(services: Services, cohort: Cohort, participant_id: int) -> None:
    """A newcomer after the choosing day gets their resources too."""
    if services.academy is None or not await has_run(services, cohort, "resources"):
        return
    member = await services.units.member(participant_id)
    if member is not None and await plan_participant(
            services, cohort, member, await _pre_assessment(services, cohort),
            services.clock.timestamp()):
        await services.scheduler.rearm()


def _chat(member: Member) -> ChatRef:
    return ChatRef(member.platform, member.user_id, ChatKind.PRIVATE)


def open_button(cohort: str, number: int, label: str) -> list[list[Button]]:
    return [[Button(label, f"{BUTTON}:open:{cohort}:{number}")]]


async def _target(services: Services, schedule: Schedule
                  ) -> tuple[Cohort, Drip, Member, Academy] | None:
    academy = services.academy
    cohort = services.cohorts.get(str(schedule.data.get("cohort", "")))
    number = int(schedule.data.get("resource", 0))
    pid = schedule.participant_id or 0
    if academy is None or cohort is None or number not in academy.resources:
        return None
    drip = await store_of(services).drip(pid, cohort.code, number)
    member = await services.units.member(pid)
    if drip is None or member is None:
        return None
    return cohort, drip, member, academy


async def fire_send(services: Services, schedule: Schedule, firing: Firing) -> None:
    found = await _target(services, schedule)
    if found is None:
        return
    cohort, drip, member, academy = found
    with use_language(services.language_for(member.language)) as pack:
        resource = localized(academy, drip.resource, pack.code, cohort.default_language)
        if resource is None:
            return
        why = _("Chosen for a need you reported in the pre-assessment.") if drip.personal \
            else _("Chosen from the needs your cohort reported most in the pre-assessment.")
        text = "📚 " + _("A resource to go further: {title}").format(title=resource.title)
        text += "\n" + (resource.summary + "\n" if resource.summary else "") + why
        msg = OutboundMessage(_chat(member), rtl_marked(text, pack), buttons=open_button(
            cohort.code, drip.resource, _("Read it")))
    await services.outbox.enqueue(
        msg, priority=SCHEDULED,
        dedupe_key=f"resource:{cohort.code}:{drip.resource}:{drip.participant_id}")
    now = services.clock.timestamp()
    if await store_of(services).delivered(drip.participant_id, cohort.code, drip.resource,
                                          now):
        await services.schedules.add(NewSchedule(
            kind=NUDGE, participant_id=drip.participant_id, platform=member.platform,
            chat_id=member.user_id, chat_kind=ChatKind.PRIVATE.value,
            payload={"cohort": cohort.code, "resource": drip.resource},
            timezone=schedule.timezone, next_at=firing.occurrence.timestamp()
            + cohort.nudge_after_days * 86400.0), now)
        # The scheduler re-arms itself after this run.


async def fire_nudge(services: Services, schedule: Schedule, firing: Firing) -> None:
    found = await _target(services, schedule)
    if found is None:
        return
    cohort, drip, member, academy = found
    if drip.opened_at is not None or drip.nudged_at is not None:
        return
    with use_language(services.language_for(member.language)) as pack:
        resource = localized(academy, drip.resource, pack.code, cohort.default_language)
        if resource is None:
            return
        text = _("👋 A friendly reminder: \"{title}\" is waiting for you. Read it whenever "
                 "you have ten minutes.").format(title=resource.title)
        msg = OutboundMessage(_chat(member), rtl_marked(text, pack), buttons=open_button(
            cohort.code, drip.resource, _("Read it now")))
    await services.outbox.enqueue(
        msg, priority=SCHEDULED,
        dedupe_key=f"resource-nudge:{cohort.code}:{drip.resource}:{drip.participant_id}")
    await store_of(services).nudged(drip.participant_id, cohort.code, drip.resource,
                                    services.clock.timestamp())


async def timeline(services: Services, cohort: Cohort) -> list[Planned]:
    academy = services.academy
    if academy is None or not academy.resources or not limit(services, cohort):
        return []
    first = next(iter(sorted(academy.resources)))
    example = localized(academy, first, cohort.default_language, cohort.default_language)
    entries = [Planned(plan_at(services, cohort), "each enrolled participant",
                       "(chosen, not sent)",
                       "resources chosen for each participant's pre-assessment gaps "
                       "(else the cohort's top gaps)", "resources")]
    count = min(limit(services, cohort), len(academy.resources))
    for position in range(count):
        at = due_at(services, cohort, cohort.zone, position)
        entries.append(Planned(
            at, "each participant (their own gaps), at this time in their zone",
            "private message", f"📚 Resource {position + 1} of {count} for the participant's "
            f"gaps (e.g. {example.title if example else first})", "resource"))
        entries.append(Planned(
            at + timedelta(days=cohort.nudge_after_days), "those who have not opened it",
            "private message", f"👋 Reminder for resource {position + 1}", "res-nudge"))
    return entries
