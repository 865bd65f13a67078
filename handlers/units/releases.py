"""The pre-learning units on their dates: planning one release and one nudge schedule per
(cohort, unit) at start-up, sending each unit to the enrolled participants, nudging those who
have not opened it, welcoming a newcomer with the units already open, and the units' entries
in `python -m bot timeline` (see handlers/units/commands.py)."""

from __future__ import annotations

import logging
from functools import partial

from bot.content.units import Unit
from bot.i18n import LanguagePack, _, format_datetime, rtl_marked, use_language
from bot.model import Button, ChatKind, ChatRef, MessageFormat, OutboundMessage
from bot.outbox import INTERACTIVE, SCHEDULED
from bot.scheduler import Firing
from bot.services import Services
from bot.timeline import Planned
from handlers.cohorts import Cohort
from handlers.units.checks import QUESTION, record_quiz_poll
from handlers.units.content import (
    UNIT_BUTTON,
    localized,
    nudge_at,
    release_at,
    unit_store,
    unit_text,
)
from storage.schedules import NewSchedule, Schedule
from storage.units import Member, Plan, UnitStore

log = logging.getLogger("bot.units")

RELEASE = "unit_release"
NUDGE = "unit_nudge"


# --- planning and timed delivery --------------------------------------------------------
async def plan_releases(services: Services) -> None:
    """Start-up: one release and one nudge schedule per (cohort, unit), idempotent; a
    changed date moves a schedule that has not fired yet."""
    services.outbox.subscribe(QUESTION, on_sent=partial(record_quiz_poll, services))
    academy = services.academy
    if academy is None:
        return
    store = unit_store(services)
    now = services.clock.timestamp()
    for cohort in services.cohorts.all():
        plans = await store.plans(cohort.code)
        for number in academy.unit_numbers():
            for kind, at in ((RELEASE, release_at(cohort, academy, number)),
                             (NUDGE, nudge_at(cohort, academy, number))):
                if at is not None:
                    await _plan(services, store, cohort, number, kind, at.timestamp(),
                                plans.get((number, _plan_kind(kind))), now)


def _plan_kind(kind: str) -> str:
    return "release" if kind == RELEASE else "nudge"


async def _plan(services: Services, store: UnitStore, cohort: Cohort, number: int, kind: str,
                due: float, existing: Plan | None, now: float) -> None:
    if existing is not None and abs(existing.due_at - due) < 1:
        return  # planned as it is
    schedule_id: int | None = None
    if existing is None:
        if due > now:  # already past the first time it is planned: not broadcast
            schedule_id = await _add_schedule(services, cohort, number, kind, due, now)
    else:
        current = (await services.schedules.get(existing.schedule_id)
                   if existing.schedule_id is not None else None)
        if current is not None and current.status != "active":
            schedule_id = current.id  # already fired: nothing to move
        else:
            if current is not None:
                await services.schedules.cancel(current.id)
            if current is not None or due > now:
                schedule_id = await _add_schedule(services, cohort, number, kind, due, now)
        log.info("unit %d of cohort %s: %s moved", number, cohort.code, _plan_kind(kind))
    await store.set_plan(Plan(cohort.code, number, _plan_kind(kind), due, schedule_id), now)


async def _add_schedule(services: Services, cohort: Cohort, number: int, kind: str,
                        due: float, now: float) -> int:
    # Not one chat but a cohort: the chat columns name the cohort, on no platform.
    return await services.schedules.add(NewSchedule(
        kind=kind, participant_id=None, platform="cohort", chat_id=cohort.code,
        chat_kind=ChatKind.GROUP.value, payload={"cohort": cohort.code, "unit": number},
        timezone=cohort.zone.key, next_at=due), now)


def _member_chat(member: Member) -> ChatRef:
    return ChatRef(member.platform, member.user_id, ChatKind.PRIVATE)


async def fire_release(services: Services, schedule: Schedule, firing: Firing) -> None:
    """Send the unit to everyone enrolled, each once."""
    academy = services.academy
    cohort = services.cohorts.get(str(schedule.data.get("cohort", "")))
    number = int(schedule.data.get("unit", 0))
    if academy is None or cohort is None or number not in academy.unit_numbers():
        log.warning("unit release %d: cohort or unit no longer configured", schedule.id)
        return
    store = unit_store(services)
    batch: list[tuple[OutboundMessage, str | None]] = []
    members = await store.members(cohort.code)
    for member in members:
        with use_language(services.language_for(member.language)) as pack:
            found = localized(academy, number, pack.code, cohort.default_language)
            if found is None:
                continue
            unit, fallback = found
            text = unit_text(number, unit, pack.code, fallback) + "\n\n" + _(
                "When you have read it, test yourself with its knowledge check.")
            buttons = [[Button(_("Start the knowledge check"),
                               f"{UNIT_BUTTON}:quiz:{number}")]]
            batch.append((OutboundMessage(_member_chat(member), rtl_marked(text, pack),
                                          format=MessageFormat.MARKDOWN, buttons=buttons),
                          f"unit:{number}:{member.participant_id}"))
    added = await services.outbox.enqueue_many(batch, SCHEDULED)
    await store.delivered([m.participant_id for m in members], number,
                          services.clock.timestamp())
    log.info("unit %d released to cohort %s: %d message(s) queued", number, cohort.code, added)


def nudge_text(number: int, unit: Unit, prefix: str) -> str:
    return _("👋 A friendly reminder: unit {n}, \"{title}\", is waiting for you. Read it "
             "whenever you have ten minutes: {command}").format(
        n=number, title=unit.title, command=f"{prefix}unit {number}")


async def fire_nudge(services: Services, schedule: Schedule, firing: Firing) -> None:
    """One nudge to each enrolled participant who has not opened the unit, ever."""
    academy = services.academy
    cohort = services.cohorts.get(str(schedule.data.get("cohort", "")))
    number = int(schedule.data.get("unit", 0))
    if academy is None or cohort is None or number not in academy.unit_numbers():
        return
    store = unit_store(services)
    progress = {p.participant_id: p for p in await store.progress_of_cohort(cohort.code)
                if p.unit == number}
    batch: list[tuple[OutboundMessage, str | None]] = []
    nudged: list[int] = []
    for member in await store.members(cohort.code):
        known = progress.get(member.participant_id)
        if known is not None and (known.opened_at is not None or known.nudged_at is not None):
            continue
        with use_language(services.language_for(member.language)) as pack:
            found = localized(academy, number, pack.code, cohort.default_language)
            if found is None:
                continue
            text = nudge_text(number, found[0], services.command_prefix(member.platform))
            buttons = [[Button(_("Read it now"), f"{UNIT_BUTTON}:open:{number}")]]
            batch.append((OutboundMessage(_member_chat(member), rtl_marked(text, pack),
                                          buttons=buttons),
                          f"unit-nudge:{number}:{member.participant_id}"))
            nudged.append(member.participant_id)
    await services.outbox.enqueue_many(batch, SCHEDULED)
    await store.nudged(nudged, number, services.clock.timestamp())
    log.info("unit %d of cohort %s: %d nudge(s)", number, cohort.code, len(nudged))


async def on_enrolled(services: Services, cohort: Cohort, participant_id: int) -> None:
    """A newcomer: one message listing the units already open and how to read them."""
    academy = services.academy
    if academy is None:
        return
    member = await unit_store(services).member(participant_id)
    if member is None:
        return
    now = services.clock.now()
    dated = [(n, at) for n in academy.unit_numbers()
             if (at := release_at(cohort, academy, n)) is not None]
    prefix = services.command_prefix(member.platform)
    with use_language(services.language_for(member.language)) as pack:
        opened = [n for n, at in dated if at <= now]
        if opened:
            lines = [_("Pre-learning units open so far:")]
            for n in opened:
                found = localized(academy, n, pack.code, cohort.default_language)
                if found is not None:
                    lines.append(f"• {n}. {found[0].title}")
            lines.append(_("Read one with {command}; {units} lists them all with their "
                           "dates. I will send you the next ones here when they open.").format(
                command=f"{prefix}unit {opened[0]}", units=f"{prefix}units"))
            text = "\n".join(lines)
        elif dated:
            first = min(at for _n, at in dated)
            text = _("The first pre-learning unit opens on {date}; I will send it to you "
                     "here.").format(date=format_datetime(first, cohort.zone))
        else:
            return
        await services.outbox.enqueue(OutboundMessage(_member_chat(member),
                                                      rtl_marked(text, pack)),
                                      priority=INTERACTIVE)


# --- timeline ---------------------------------------------------------------------------
async def timeline(services: Services, cohort: Cohort) -> list[Planned]:
    academy = services.academy
    if academy is None:
        return []
    entries: list[Planned] = []
    plans = await unit_store(services).plans(cohort.code)
    pack: LanguagePack = services.language_for(cohort.default_language)

    def audience(number: int, kind: str, who: str) -> str:
        plan = plans.get((number, kind))
        if plan is not None and plan.schedule_id is None:
            return "not sent: already past when the bot first planned it"
        return who

    with use_language(pack):
        for number in academy.unit_numbers():
            found = localized(academy, number, cohort.default_language,
                              cohort.default_language)
            release, nudge = release_at(cohort, academy, number), nudge_at(cohort, academy,
                                                                           number)
            if found is None or release is None or nudge is None:
                continue
            unit = found[0]
            entries.append(Planned(release, audience(number, "release",
                                                     "each enrolled participant"),
                                   "private message",
                                   _("Unit {n}: {title}").format(n=number, title=unit.title),
                                   "unit"))
            entries.append(Planned(nudge, audience(
                number, "nudge", "enrolled participants who have not opened it"),
                "private message", nudge_text(number, unit, "/"), "nudge"))
    return entries
