"""/slots (interview times for the shortlist, facilitators only), the buttons that book one,
and the reminders before a booked interview. Who is on the shortlist and how the free times
are offered is handlers/surveys/interviews.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.args import echo
from bot.args import number as parse_number
from bot.buttons import no_longer_works, parse_int
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, format_datetime, ngettext, rtl_marked, use_language
from bot.model import OutboundMessage
from bot.outbox import INTERACTIVE, SCHEDULED
from bot.scheduler import Firing, dedupe_key
from bot.scope import Reach
from bot.services import Services
from bot.timeparse import split_when
from handlers.surveys import engine
from handlers.surveys.commands import how_to_reach, scope
from handlers.surveys.interviews import (
    INTERVIEW_REMINDER_KIND,
    SLOT_CALLBACK,
    may_book,
    offer_slots,
    participant_zone,
    shortlist,
    slot_buttons,
)
from handlers.surveys.waves import private_chat
from storage.schedules import NewSchedule, Schedule
from storage.surveys import Slot


# --- /slots ----------------------------------------------------------------------------
def parse_times(text: str, language: str, ctx: Context) -> tuple[list[datetime], str | None]:
    """Several times, separated by commas (or one after the other); the first piece that
    is not a time is returned as the problem."""
    now = ctx.services.clock.now()
    found: list[datetime] = []
    for chunk in (c.strip() for c in re.split(r"[,;]", text)):
        rest = chunk
        while rest:
            when = split_when(rest, language, ctx.zone, now)
            if when is None:
                return found, rest
            found.append(when.first)
            rest = when.rest.strip()
    return found, None


async def slots_command(ctx: Context) -> None:
    args = ctx.event.args
    action = args[0].lower() if args else "list"
    if action == "add":
        await add_slots(ctx, " ".join(args[1:]))
    elif action == "cancel":
        await cancel_slot(ctx, args[1] if len(args) > 1 else "")
    elif action == "list":
        await list_slots(ctx)
    else:
        await ctx.reply(_("Use {add}, {list} or {cancel}.").format(
            add=ctx.command("slots add tomorrow 10:00, tomorrow 11:00"),
            list=ctx.command("slots list"), cancel=ctx.command("slots cancel <n>")))


async def add_slots(ctx: Context, text: str) -> None:
    services = ctx.services
    example = ctx.command("slots add tomorrow 10:00, tomorrow 11:00")
    if not text.strip():
        await ctx.reply(_("Give one or more interview times, separated by commas: {example}"
                          ).format(example=example))
        return
    times, problem = parse_times(text, ctx.language.code, ctx)
    if problem is not None or not times:
        await ctx.reply(_("I could not read a time in \"{text}\". Example: {example}").format(
            text=(problem or text)[:60], example=example))
        return
    now = services.clock.now()
    past = [t for t in times if t <= now]
    if past:
        await ctx.reply(_("{when} is already past. Please give a time in the future.").format(
            when=format_datetime(past[0], ctx.zone)))
        return
    repo = engine.repository(services)
    ids = [await repo.add_slot(t.timestamp(), ctx.zone.key, ctx.participant.id,
                               services.clock.timestamp()) for t in sorted(set(times))]
    offered = 0
    allowed = {c.code for c in await scope(ctx)}
    seen: set[int] = set()
    for entry in await shortlist(services, None, allowed):
        if entry.declined or entry.participant_id in seen:
            continue
        seen.add(entry.participant_id)
        if await offer_slots(services, entry.participant_id):
            offered += 1
    lines = [ngettext("Added {n} interview time:", "Added {n} interview times:",
                      len(ids)).format(n=len(ids))]
    lines += [f"#{i} · {format_datetime(t, ctx.zone)}" for i, t in zip(ids, sorted(set(times)),
                                                                      strict=True)]
    lines.append(ngettext("Offered to {n} person on the shortlist.",
                          "Offered to {n} people on the shortlist.", offered).format(n=offered))
    await ctx.reply("\n".join(lines))


async def list_slots(ctx: Context) -> None:
    services = ctx.services
    repo = engine.repository(services)
    slots = [slot for slot in await repo.slots(services.clock.timestamp())
             if await ctx.scope.covers_facilitator(slot.created_by)]
    if not slots:
        await ctx.reply(_("No interview time is planned. Add some with {command}.").format(
            command=ctx.command("slots add tomorrow 10:00, tomorrow 11:00")))
        return
    lines, named = [_("Interview times:")], list[int]()
    for slot in slots:
        when = format_datetime(datetime.fromtimestamp(slot.starts_at, UTC), ctx.zone)
        if slot.booked_by is None:
            lines.append(f"#{slot.id} · {when} · " + _("free"))
        else:
            reach = await repo.reach(slot.booked_by)
            named.append(slot.booked_by)
            who = f"{reach.display_name} " \
                f"({how_to_reach(ctx.services, reach.platform, reach.user_id)})" \
                if reach else f"#{slot.booked_by}"
            lines.append(f"#{slot.id} · {when} · " + _("booked by {name}").format(name=who))
    await ctx.reply("\n".join(lines), about=named)


async def _slot_reminders(services: Services, slot_id: int) -> list[Schedule]:
    return [s for s in await services.schedules.active(kind=INTERVIEW_REMINDER_KIND)
            if s.data.get("slot") == slot_id]


async def cancel_slot(ctx: Context, number: str) -> None:
    services = ctx.services
    repo = engine.repository(services)
    slot_id = parse_number(number)
    slot = await repo.slot(slot_id) if slot_id is not None else None
    # A time another cohort's facilitator (or one of every cohort) added is answered as
    # one that does not exist.
    if slot is None or slot.status != "open" or \
            not await ctx.scope.covers_facilitator(slot.created_by):
        await ctx.reply(_("There is no interview time #{n}. See them with {command}.").format(
            n=echo(number.lstrip("#")), command=ctx.command("slots list")))
        return
    await repo.cancel_slot(slot.id)
    for schedule in await _slot_reminders(services, slot.id):
        await services.schedules.cancel(schedule.id)
    await services.scheduler.rearm()
    text = _("Cancelled interview time #{n}.").format(n=slot.id)
    if slot.booked_by is not None:
        await tell(services, slot.booked_by, lambda zone: _(
            "Sorry: the interview planned for {when} is cancelled. A facilitator will offer "
            "you another time.").format(when=_when(slot, zone)))
        text += " " + _("The person who had booked it has been told.")
    await ctx.reply(text)


async def booking_of(services: Services, participant_id: int) -> Slot | None:
    """The interview this participant has booked and not had yet."""
    return await engine.repository(services).booking_of(participant_id,
                                                         services.clock.timestamp())


async def booking_erased(services: Services, slot: Slot) -> None:
    """The booker of `slot` erased their data (/forgetme): no reminder is left, and the
    facilitator who offered the time is told (without a name: there is none any more)."""
    for schedule in await _slot_reminders(services, slot.id):
        await services.schedules.cancel(schedule.id)
    await services.scheduler.rearm()
    if slot.created_by is not None:
        await tell(services, slot.created_by, lambda zone: _(
            "The participant who had booked the interview of {when} has asked me to delete "
            "their data: that interview will not take place, and the time is free again."
        ).format(when=_when(slot, zone)))


def _when(slot: Slot, zone: Any) -> str:
    return format_datetime(datetime.fromtimestamp(slot.starts_at, UTC), zone)


async def tell(services: Services, participant_id: int, compose: Any,
               priority: int = INTERACTIVE, key: str | None = None,
               about: Iterable[int] = ()) -> None:
    """Write to a participant in their language and zone, on the account used last.
    `compose(zone)` builds the text with the language active; `about`: whom it names."""
    reach = await engine.repository(services).reach(participant_id)
    if reach is None:
        return
    zone = await participant_zone(services, participant_id)
    with use_language(services.language_for(reach.language)) as pack:
        text = rtl_marked(compose(zone), pack)
    await services.outbox.enqueue(OutboundMessage(private_chat(reach.platform,
                                                               reach.user_id), text),
                                  priority=priority, dedupe_key=key, about=about)


async def book(ctx: Context) -> None:
    """A slot button: book it, unless someone was faster."""
    services = ctx.services
    repo = engine.repository(services)
    slot_id = parse_int(ctx.callback_payload, 1)
    if slot_id is None:
        await ctx.reply(no_longer_works())
        return
    if not await may_book(services, ctx.participant.id):
        await ctx.reply(_("Interview times are only for the participants invited to an "
                          "interview."))
        return
    slot = await repo.slot(slot_id)
    now = services.clock.timestamp()
    existing = await repo.booking_of(ctx.participant.id, now)
    if existing is not None:
        await ctx.reply(_("You already have an interview on {when}.").format(
            when=_when(existing, ctx.zone)))
        return
    if slot is None or not await repo.book(slot.id, ctx.participant.id, now):
        free = await repo.slots(now, free_only=True)
        text = _("Sorry, this time is no longer available.")
        if free:
            text += " " + _("Please pick another one:")
        await ctx.reply(text, buttons=slot_buttons(free, ctx.zone) if free else None)
        return
    await ctx.reply(_("Booked: your interview is on {when}. A facilitator will contact you "
                      "with the video call link; you will get a reminder before it.").format(
        when=_when(slot, ctx.zone)))
    name = ctx.account.display_name
    where = how_to_reach(services, ctx.platform, ctx.event.author.user_id)
    if slot.created_by is not None:
        await tell(services, slot.created_by, lambda zone: _(
            "{name} booked the interview of {when}. Reach them on {where}.").format(
            name=name, when=_when(slot, zone), where=where), about=[ctx.participant.id])
    await _plan_interview_reminders(services, slot, ctx.participant.id)


async def _plan_interview_reminders(services: Services, slot: Slot, booked_by: int) -> None:
    now = services.clock.timestamp()
    lead = next((h for h in (24, 1) if slot.starts_at - h * 3600 > now), None)
    if lead is None:
        return
    rows = []
    for who in {booked_by, slot.created_by} - {None}:
        reach = await engine.repository(services).reach(int(who))  # type: ignore[arg-type]
        if reach is None:
            continue
        rows.append(NewSchedule(
            kind=INTERVIEW_REMINDER_KIND, participant_id=reach.participant_id,
            platform=reach.platform, chat_id=reach.user_id, chat_kind="private",
            payload={"slot": slot.id, "booked_by": booked_by, "hours": lead},
            timezone=slot.timezone, next_at=slot.starts_at - lead * 3600))
    await services.schedules.add_many(rows, now)
    await services.scheduler.rearm()


async def fire_interview_reminder(services: Services, schedule: Schedule, firing: Firing
                                  ) -> None:
    repo = engine.repository(services)
    slot = await repo.slot(int(schedule.data["slot"]))
    # Freed (also by the booker's /forgetme, which unlinks both): nobody to remind of.
    if slot is None or slot.status != "open" or slot.booked_by is None \
            or slot.booked_by != schedule.data["booked_by"]:
        return
    reach = await repo.reach(slot.booked_by) if slot.booked_by else None
    other = reach.display_name if reach else "?"
    for_facilitator = schedule.participant_id != slot.booked_by

    def compose(zone: Any) -> str:
        if for_facilitator:
            return _("⏰ Reminder: interview with {name} on {when}.").format(
                name=other, when=_when(slot, zone))
        return _("⏰ Reminder: your interview is on {when}.").format(when=_when(slot, zone))

    named = [slot.booked_by] if for_facilitator and slot.booked_by else []
    await tell(services, schedule.participant_id or 0, compose, SCHEDULED,
               dedupe_key(schedule, firing), about=named)


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("slots", slots_command,
                         N_("Interview times for the shortlist: add, list, cancel"),
                         usage=N_("add <when>, <when> | list | cancel <n>"),
                         facilitator_only=True, scope=Reach.COHORT))
    registry.add_callback(SLOT_CALLBACK, book, needs_consent=True)
    registry.add_timed(INTERVIEW_REMINDER_KIND, fire_interview_reminder)
