"""/survey (take a survey; facilitators: start, status, results, export, shortlist) and
/slots (interview slots for the shortlist). The engine is bot/surveys.py."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from bot import surveys as engine
from bot.cohorts import Cohort
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.exports import write_csv
from bot.i18n import (
    N_,
    _,
    format_datetime,
    format_number,
    format_ratio,
    ngettext,
    rtl_marked,
    use_language,
)
from bot.model import OutboundMessage
from bot.outbox import INTERACTIVE, SCHEDULED
from bot.scheduler import Firing, dedupe_key
from bot.services import Services
from bot.survey_model import Question, Survey, answer_text
from bot.timeparse import split_when
from storage.schedules import NewSchedule, Schedule
from storage.surveys import Response, Slot, Wave

FACILITATOR_ACTIONS = ("start", "status", "results", "export", "shortlist")
MAX_TEXTS_SHOWN = 15
BAR = 10


# --- who sees what ---------------------------------------------------------------------
async def scope(ctx: Context) -> list[Cohort]:
    """The cohorts this facilitator may see and manage."""
    return await ctx.services.cohorts.facilitated_by(ctx.services, ctx.participant.id)


async def pick_cohort(ctx: Context, code: str | None) -> Cohort | None:
    """The cohort named, else the facilitator's own, else the only one; answers the reader
    and returns None when that does not single one out."""
    allowed = await scope(ctx)
    if code:
        cohort = next((c for c in allowed if c.code == code.strip().lower()), None)
        if cohort is None:
            await ctx.reply(_("There is no cohort \"{code}\" among yours: {codes}.").format(
                code=code[:40], codes=", ".join(c.code for c in allowed) or "-"))
        return cohort
    mine = [c for c in await ctx.services.cohorts.of_participant(ctx.participant.id)
            if c in allowed]
    if len(mine) == 1:
        return mine[0]
    if len(allowed) == 1:
        return allowed[0]
    if not allowed:
        await ctx.reply(_("No cohort is configured, so there is nobody to send it to."))
    else:
        await ctx.reply(_("Which cohort? Add its code: {codes}.").format(
            codes=", ".join(c.code for c in allowed)))
    return None


async def _survey_arg(ctx: Context, name: str) -> Survey | None:
    known = engine.surveys(ctx.services)
    survey = known.get(name.strip().lower()) if name else None
    if survey is None:
        names = ", ".join(sorted(known)) or "-"
        if name:
            await ctx.reply(_("There is no survey named \"{name}\". Surveys: {names}.").format(
                name=name[:40], names=names))
        else:
            await ctx.reply(_("Which survey? Surveys: {names}.").format(names=names))
    return survey


async def _survey_and_waves(ctx: Context, args: list[str]
                            ) -> tuple[Survey, list[Wave]] | None:
    """`<name> [cohort]`: the survey and its waves, or None once the reader was told why."""
    survey = await _survey_arg(ctx, args[0] if args else "")
    if survey is None:
        return None
    waves = await _waves(ctx, survey, args[1] if len(args) > 1 else None)
    return None if waves is None else (survey, waves)


async def _waves(ctx: Context, survey: Survey, cohort_code: str | None) -> list[Wave] | None:
    """The survey's open waves in the facilitator's cohorts (or the one named)."""
    allowed = {c.code for c in await scope(ctx)}
    if cohort_code:
        if cohort_code.lower() not in allowed:
            await ctx.reply(_("There is no cohort \"{code}\" among yours: {codes}.").format(
                code=cohort_code[:40], codes=", ".join(sorted(allowed)) or "-"))
            return None
        allowed = {cohort_code.lower()}
    waves = [w for w in await engine.repository(ctx.services).waves(survey=survey.name,
                                                                   status="open")
             if w.cohort in allowed]
    if not waves:
        await ctx.reply(_("\"{name}\" has not been sent yet. Send it with {command}.").format(
            name=survey.name, command=ctx.command(f"survey start {survey.name}")))
        return None
    return waves


# --- /survey ---------------------------------------------------------------------------
async def survey_command(ctx: Context) -> None:
    args = ctx.event.args
    action = args[0].lower() if args else ""
    if action in FACILITATOR_ACTIONS:
        if not ctx.is_facilitator:
            await ctx.services.audit.record(ctx.participant.id, ctx.platform, f"survey {action}",
                                            "refused", ctx.services.clock.now())
            await ctx.reply(_("Sorry, {command} is for facilitators only.").format(
                command=ctx.command(f"survey {action}")))
            return
        handler = {"start": start, "status": status, "results": results, "export": export,
                   "shortlist": shortlist_command}[action]
        await handler(ctx, args[1:])
        await ctx.services.audit.record(ctx.participant.id, ctx.platform, "survey", "done",
                                        ctx.services.clock.now(), detail=ctx.event.args_text[:200])
        return
    if not args:
        await mine(ctx)
        return
    await take_named(ctx, args[0])


async def mine(ctx: Context) -> None:
    """The surveys waiting for this participant, each with its button."""
    services = ctx.services
    repo = engine.repository(services)
    rows = []
    for invitation in await repo.invitations_of(ctx.participant.id):
        wave = await repo.wave(invitation.wave_id)
        survey = engine.survey_named(services, wave.survey) if wave else None
        if wave is None or survey is None or invitation.completed:
            continue
        rows.append(engine.start_button(wave, survey.t(survey.title, ctx.language.code))[0])
    text = _("Surveys waiting for your answers:") if rows else \
        _("No survey is waiting for your answers.")
    if ctx.is_facilitator:
        text += "\n\n" + _("Facilitators: {start} · {status} · {results} · {export} · "
                           "{shortlist}").format(
            start=ctx.command("survey start <name> [cohort]"),
            status=ctx.command("survey status <name>"),
            results=ctx.command("survey results <name>"),
            export=ctx.command("survey export <name>"),
            shortlist=ctx.command("survey shortlist <name>"))
    await ctx.reply(text, buttons=rows or None)


async def take_named(ctx: Context, name: str) -> None:
    survey = await _survey_arg(ctx, name)
    if survey is None:
        return
    services = ctx.services
    repo = engine.repository(services)
    waves = {w.id: w for w in await repo.waves(survey=survey.name, status="open")}
    mine_ = [i for i in await repo.invitations_of(ctx.participant.id) if i.wave_id in waves]
    wave = next((waves[i.wave_id] for i in mine_ if not i.completed), None) or \
        next((waves[i.wave_id] for i in mine_), None)
    if wave is None:
        cohorts = {c.code for c in await services.cohorts.of_participant(ctx.participant.id)}
        wave = next((w for w in waves.values() if w.cohort in cohorts), None)
    if wave is None:
        await ctx.reply(_("\"{title}\" is not open for you at the moment.").format(
            title=survey.t(survey.title, ctx.language.code)))
        return
    if not ctx.event.chat.is_private:
        await ctx.reply(_("I have sent it to you in a private message."))
    await engine.take(ctx, wave, survey)


async def start(ctx: Context, args: list[str]) -> None:
    survey = await _survey_arg(ctx, args[0] if args else "")
    if survey is None:
        return
    cohort = await pick_cohort(ctx, args[1] if len(args) > 1 else None)
    if cohort is None:
        return
    wave, opened, invited = await engine.open_wave(ctx.services, survey, cohort,
                                                   ctx.participant.id)
    if opened:
        await ctx.reply(ngettext(
            "\"{title}\" is on its way to {count} participant of {cohort}. Those who join "
            "later get it when they join. See the answers come in with {status}.",
            "\"{title}\" is on its way to {count} participants of {cohort}. Those who join "
            "later get it when they join. See the answers come in with {status}.",
            invited).format(
            title=survey.t(survey.title, ctx.language.code), count=invited, cohort=cohort.name,
            status=ctx.command(f"survey status {survey.name}")))
    else:
        opened_on = datetime.fromtimestamp(wave.opened_at or wave.opens_at, UTC)
        await ctx.reply(ngettext(
            "\"{title}\" was already sent to {cohort} on {when}; {count} new participant "
            "invited now. {status} shows who answered.",
            "\"{title}\" was already sent to {cohort} on {when}; {count} new participants "
            "invited now. {status} shows who answered.", invited).format(
            title=survey.t(survey.title, ctx.language.code), cohort=cohort.name,
            when=format_datetime(opened_on, ctx.zone), count=invited,
            status=ctx.command(f"survey status {survey.name}")))


def _rate(done: int, total: int) -> str:
    return format_ratio(done / total) if total else "–"


async def status(ctx: Context, args: list[str]) -> None:
    found = await _survey_and_waves(ctx, args)
    if found is None:
        return
    survey, waves = found
    invitations = await engine.repository(ctx.services).invitations([w.id for w in waves])
    started = sum(1 for i in invitations if i.started_at is not None)
    done = sum(1 for i in invitations if i.completed)
    lines = [f"📋 {survey.t(survey.title, ctx.language.code)}"]
    for w in waves:
        when = datetime.fromtimestamp(w.opened_at or w.opens_at, UTC)
        lines.append(_("Cohort {cohort}: sent on {when}").format(
            cohort=w.cohort, when=format_datetime(when, ctx.zone)))
    lines.append(_("Invited: {invited} · started: {started} · completed: {done} ({rate})"
                   ).format(invited=len(invitations), started=started, done=done,
                            rate=_rate(done, len(invitations))))
    for title, key in ((_("By platform:"), "platform"), (_("By language:"), "language")):
        groups: dict[str, list[bool]] = defaultdict(list)
        for i in invitations:
            groups[str(getattr(i, key) or "?")].append(i.completed)
        lines.append(title)
        for name, flags in sorted(groups.items()):
            lines.append("  " + _("{name}: {done} of {total} completed ({rate})").format(
                name=name, done=sum(flags), total=len(flags), rate=_rate(sum(flags),
                                                                         len(flags))))
    if survey.anonymous:
        lines.append(_("This survey is anonymous: answers are stored without names."))
    await ctx.reply("\n".join(lines))


def bar(count: int, total: int) -> str:
    filled = round(BAR * count / total) if total else 0
    return "█" * filled + "░" * (BAR - filled)


async def translated(services: Services, text: str, target: str, source: str | None
                     ) -> str | None:
    """`text` in `target` when a translation engine is configured and the text is in
    another language; None otherwise."""
    if services.config.translation.engine == "none":
        return None
    result = await services.relay.translator.translate_for(text, {target}, source_hint=source)
    if result.source is None or result.source == target or target in result.failed:
        return None
    out = result.texts.get(target)
    return out if out and out != text else None


async def summary(services: Services, survey: Survey, q: Question,
                  responses: list[Response], language: str) -> list[str]:
    """One question's results as lines of text."""
    values = [r.answers[q.id] for r in responses if r.answers.get(q.id) is not None]
    head = f"{q.index + 1}. {survey.t(q.text, language)}"
    lines = [head, "   " + ngettext("{n} answer", "{n} answers", len(values)).format(
        n=len(values))]
    if not values:
        return lines
    if q.kind == "scale":
        average = sum(values) / len(values)
        lines.append("   " + _("average {average} on {low}–{high}").format(
            average=format_number(round(average, 1)), low=q.low, high=q.high))
        counts = Counter(values)
        for v in range(q.low, q.high + 1):
            lines.append(f"   {v} {bar(counts[v], len(values))} {counts[v]}")
    elif q.kind in ("single", "multiple", "yesno"):
        if q.kind == "yesno":
            labels = [("yes", _("Yes")), ("no", _("No"))]
            counts = Counter(values)
        else:
            labels = list(enumerate(survey.options(q, language), 1))
            counts = Counter(v for value in values
                             for v in (value if isinstance(value, list) else [value]))
        for key, label in labels:
            n = counts[key]
            lines.append(f"   {bar(n, len(values))} {n} ({_rate(n, len(values))}) · {label}")
    else:
        shown = [r for r in responses if r.answers.get(q.id)][-MAX_TEXTS_SHOWN:]
        for r in shown:
            text = str(r.answers[q.id])
            lines.append(f"   • {text}")
            other = await translated(services, text, language, r.language)
            if other:
                lines.append(f"     → {other}")
        if len(values) > len(shown):
            lines.append("   " + _("… and {n} more in the export").format(
                n=len(values) - len(shown)))
    return lines


async def results(ctx: Context, args: list[str]) -> None:
    found = await _survey_and_waves(ctx, args)
    if found is None:
        return
    survey, waves = found
    responses = await engine.repository(ctx.services).responses([w.id for w in waves],
                                                                survey.anonymous)
    language = ctx.language.code
    lines = [ngettext("📊 {title}: {n} response", "📊 {title}: {n} responses",
                      len(responses)).format(title=survey.t(survey.title, language),
                                             n=len(responses))]
    if survey.anonymous:
        lines.append(_("Anonymous survey: answers are shown without names."))
    for q in survey.questions:
        lines.append("")
        lines += await summary(ctx.services, survey, q, responses, language)
    await ctx.reply("\n".join(lines))


async def export_rows(services: Services, survey: Survey, waves: list[Wave], language: str
                      ) -> tuple[list[str], list[list[Any]]]:
    """The CSV: one row per response, one column per question; anonymous surveys carry no
    identifier (not even the order in which they were submitted)."""
    repo = engine.repository(services)
    responses = await repo.responses([w.id for w in waves], survey.anonymous)
    cohort_of = {w.id: w.cohort for w in waves}
    questions = [q.id for q in survey.questions]
    if survey.anonymous:
        header = ["response", "cohort", *questions]
    else:
        header = ["response", "cohort", "participant", "name", "platform", "language",
                  "submitted_at", *questions]
    rows: list[list[Any]] = []
    for n, r in enumerate(responses, 1):
        cells = [_cell(survey, q, r.answers.get(q.id, ""), language, q.id in r.answers)
                 for q in survey.questions]
        if survey.anonymous:
            rows.append([n, cohort_of.get(r.wave_id, ""), *cells])
            continue
        reach = await repo.reach(r.participant_id) if r.participant_id else None
        when = datetime.fromtimestamp(r.submitted_at or 0, UTC).isoformat(timespec="seconds")
        rows.append([n, cohort_of.get(r.wave_id, ""), r.participant_id or "",
                     reach.display_name if reach else "", r.platform or "", r.language or "",
                     when, *cells])
    return header, rows


def _cell(survey: Survey, q: Question, value: Any, language: str, asked: bool) -> str:
    if not asked:
        return ""
    if q.kind == "scale" and value is not None:
        return str(value)
    return answer_text(survey, q, value, language) if value is not None else ""


async def export(ctx: Context, args: list[str]) -> None:
    found = await _survey_and_waves(ctx, args)
    if found is None:
        return
    survey, waves = found
    header, rows = await export_rows(ctx.services, survey, waves, ctx.language.code)
    attachment = write_csv(ctx.services, f"survey-{survey.name}", header, rows)
    await ctx.reply_private(ngettext("{title}: {n} response, one row each.",
                                     "{title}: {n} responses, one row each.",
                                     len(rows)).format(
        title=survey.t(survey.title, ctx.language.code), n=len(rows)), attachments=[attachment])
    if not ctx.event.chat.is_private:
        await ctx.reply(_("I have sent it to you in a private message."))


def how_to_reach(platform: str, user_id: str) -> str:
    if platform == "telegram":
        return f"Telegram · tg://user?id={user_id}"
    if platform == "discord":
        return f"Discord · <@{user_id}>"
    return f"{platform} · {user_id}"


async def shortlist_command(ctx: Context, args: list[str]) -> None:
    services = ctx.services
    if args:
        survey = await _survey_arg(ctx, args[0])
        if survey is None:
            return
        if survey.anonymous:
            await ctx.reply(_("\"{name}\" is anonymous: it has no shortlist.").format(
                name=survey.name))
            return
    allowed = {c.code for c in await scope(ctx)}
    found = await engine.shortlist(services, [args[0].lower()] if args else None, allowed)
    if not found:
        await ctx.reply(_("Nobody is on the interview shortlist yet."))
        return
    repo = engine.repository(services)
    now = services.clock.timestamp()
    lines = [_("Interview shortlist ({n}):").format(n=len(found))]
    for entry in found:
        reach = await repo.reach(entry.participant_id)
        name = reach.display_name if reach else f"#{entry.participant_id}"
        where = how_to_reach(reach.platform, reach.user_id) if reach else "?"
        line = f"• {name} — {where} · {entry.survey.name} ({entry.wave.cohort}): " + \
            ", ".join(entry.reasons(ctx.language.code))
        booking = await repo.booking_of(entry.participant_id, now)
        if booking is not None:
            line += "\n  " + _("interview booked: {when}").format(when=format_datetime(
                datetime.fromtimestamp(booking.starts_at, UTC), ctx.zone))
        elif entry.declined:
            line += "\n  " + _("does not want an interview")
        lines.append(line)
    lines.append(_("Add interview times with {command}: they are offered to the shortlist."
                   ).format(command=ctx.command("slots add <when>")))
    await ctx.reply("\n".join(lines))


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
    for entry in await engine.shortlist(services, None, allowed):
        if entry.declined or entry.participant_id in seen:
            continue
        seen.add(entry.participant_id)
        if await engine.offer_slots(services, entry.participant_id):
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
    slots = await repo.slots(services.clock.timestamp())
    if not slots:
        await ctx.reply(_("No interview time is planned. Add some with {command}.").format(
            command=ctx.command("slots add tomorrow 10:00, tomorrow 11:00")))
        return
    lines = [_("Interview times:")]
    for slot in slots:
        when = format_datetime(datetime.fromtimestamp(slot.starts_at, UTC), ctx.zone)
        if slot.booked_by is None:
            lines.append(f"#{slot.id} · {when} · " + _("free"))
        else:
            reach = await repo.reach(slot.booked_by)
            who = f"{reach.display_name} ({how_to_reach(reach.platform, reach.user_id)})" \
                if reach else f"#{slot.booked_by}"
            lines.append(f"#{slot.id} · {when} · " + _("booked by {name}").format(name=who))
    await ctx.reply("\n".join(lines))


async def _slot_reminders(services: Services, slot_id: int) -> list[Schedule]:
    return [s for s in await services.schedules.active(kind=engine.INTERVIEW_REMINDER_KIND)
            if s.data.get("slot") == slot_id]


async def cancel_slot(ctx: Context, number: str) -> None:
    services = ctx.services
    repo = engine.repository(services)
    slot = await repo.slot(int(number.lstrip("#"))) if number.lstrip("#").isdigit() else None
    if slot is None or slot.status != "open":
        await ctx.reply(_("There is no interview time #{n}. See them with {command}.").format(
            n=number[:10], command=ctx.command("slots list")))
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


def _when(slot: Slot, zone: Any) -> str:
    return format_datetime(datetime.fromtimestamp(slot.starts_at, UTC), zone)


async def tell(services: Services, participant_id: int, compose: Any,
               priority: int = INTERACTIVE, key: str | None = None) -> None:
    """Write to a participant in their language and zone, on the account used last.
    `compose(zone)` builds the text with the language active."""
    reach = await engine.repository(services).reach(participant_id)
    if reach is None:
        return
    zone = await engine.participant_zone(services, participant_id)
    with use_language(services.language_for(reach.language)) as pack:
        text = rtl_marked(compose(zone), pack)
    await services.outbox.enqueue(OutboundMessage(engine.private_chat(reach.platform,
                                                                      reach.user_id), text),
                                  priority=priority, dedupe_key=key)


async def book(ctx: Context) -> None:
    """A slot button: book it, unless someone was faster."""
    services = ctx.services
    repo = engine.repository(services)
    payload = ctx.callback_payload
    slot = await repo.slot(int(payload)) if payload.isdigit() else None
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
        await ctx.reply(text, buttons=engine.slot_buttons(free, ctx.zone) if free else None)
        return
    await ctx.reply(_("Booked: your interview is on {when}. A facilitator will contact you "
                      "with the video call link; you will get a reminder before it.").format(
        when=_when(slot, ctx.zone)))
    name = ctx.account.display_name
    where = how_to_reach(ctx.platform, ctx.event.author.user_id)
    if slot.created_by is not None:
        await tell(services, slot.created_by, lambda zone: _(
            "{name} booked the interview of {when}. Reach them on {where}.").format(
            name=name, when=_when(slot, zone), where=where))
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
            kind=engine.INTERVIEW_REMINDER_KIND, participant_id=reach.participant_id,
            platform=reach.platform, chat_id=reach.user_id, chat_kind="private",
            payload={"slot": slot.id, "booked_by": booked_by, "hours": lead},
            timezone=slot.timezone, next_at=slot.starts_at - lead * 3600))
    await services.schedules.add_many(rows, now)
    await services.scheduler.rearm()


async def fire_interview_reminder(services: Services, schedule: Schedule, firing: Firing
                                  ) -> None:
    repo = engine.repository(services)
    slot = await repo.slot(int(schedule.data["slot"]))
    if slot is None or slot.status != "open" or slot.booked_by != schedule.data["booked_by"]:
        return
    reach = await repo.reach(slot.booked_by) if slot.booked_by else None
    other = reach.display_name if reach else "?"
    for_facilitator = schedule.participant_id != slot.booked_by

    def compose(zone: Any) -> str:
        if for_facilitator:
            return _("⏰ Reminder: interview with {name} on {when}.").format(
                name=other, when=_when(slot, zone))
        return _("⏰ Reminder: your interview is on {when}.").format(when=_when(slot, zone))

    await tell(services, schedule.participant_id or 0, compose, SCHEDULED,
               dedupe_key(schedule, firing))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("survey", survey_command,
                         N_("Answer a survey; facilitators: start, status, results, export, "
                            "shortlist"), usage=N_("[name] | start <name> [cohort]")))
    registry.add(Command("slots", slots_command,
                         N_("Interview times for the shortlist: add, list, cancel"),
                         usage=N_("add <when>, <when> | list | cancel <n>"),
                         facilitator_only=True))
    registry.add_callback(engine.CALLBACK, engine.on_button)
    registry.add_callback(engine.SLOT_CALLBACK, book)
    registry.add_message_handler("survey answers", engine.on_message)
    registry.add_timed(engine.WAVE_KIND, engine.fire_wave)
    registry.add_timed(engine.REMINDER_KIND, engine.fire_reminder)
    registry.add_timed(engine.INTERVIEW_REMINDER_KIND, fire_interview_reminder)
    registry.startup.append(engine.plan_waves)
    registry.enrolled.append(engine.on_enrolled)
    registry.timeline.append(engine.timeline)
