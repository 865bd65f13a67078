"""/survey (take a survey; facilitators: start, status, results, export, shortlist). The
engine is engine.py beside it and its parts (model, taking, waves, interviews); /slots
is slots.py."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.conversations import Conversation
from bot.i18n import N_, _, comma_list, format_datetime, ngettext
from bot.model import Mention
from bot.scope import Reach
from bot.services import Services
from handlers.cohorts import Cohort
from handlers.surveys import engine, reports
from handlers.surveys.interviews import shortlist
from handlers.surveys.model import Survey
from handlers.surveys.taking import CONVERSATION, active_run, on_button, on_message, take
from handlers.surveys.waves import (
    REMINDER_KIND,
    WAVE_KIND,
    fire_reminder,
    fire_wave,
    on_enrolled,
    open_wave,
    plan_waves,
    timeline,
)
from storage.surveys import Wave

FACILITATOR_ACTIONS = ("start", "status", "results", "export", "shortlist")
# What a facilitator reads of a survey's waves: handlers/surveys/reports.py.
REPORTS = {"status": reports.status, "results": reports.results, "export": reports.export}


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
                code=code[:40], codes=comma_list(c.code for c in allowed) or "-"))
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
            codes=comma_list(c.code for c in allowed)))
    return None


async def _survey_arg(ctx: Context, name: str) -> Survey | None:
    known = engine.surveys(ctx.services)
    survey = known.get(name.strip().lower()) if name else None
    if survey is None:
        names = comma_list(sorted(known)) or "-"
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
                code=cohort_code[:40], codes=comma_list(sorted(allowed)) or "-"))
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
        if action in REPORTS:
            found = await _survey_and_waves(ctx, args[1:])
            if found is not None:
                await REPORTS[action](ctx, *found)
        else:
            await {"start": start, "shortlist": shortlist_command}[action](ctx, args[1:])
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
    await take(ctx, wave, survey)


async def start(ctx: Context, args: list[str]) -> None:
    survey = await _survey_arg(ctx, args[0] if args else "")
    if survey is None:
        return
    cohort = await pick_cohort(ctx, args[1] if len(args) > 1 else None)
    if cohort is None:
        return
    wave, opened, invited = await open_wave(ctx.services, survey, cohort,
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


def how_to_reach(services: Services, platform: str, user_id: str) -> str:
    """The person's platform and how it links to them, as the platform declares it."""
    capabilities = services.capabilities(platform)
    return f"{capabilities.name} · {capabilities.mention(Mention(platform, user_id))}"


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
    found = await shortlist(services, [args[0].lower()] if args else None, allowed)
    if not found:
        await ctx.reply(_("Nobody is on the interview shortlist yet."))
        return
    repo = engine.repository(services)
    now = services.clock.timestamp()
    lines = [_("Interview shortlist ({n}):").format(n=len(found))]
    for entry in found:
        reach = await repo.reach(entry.participant_id)
        name = reach.display_name if reach else f"#{entry.participant_id}"
        where = how_to_reach(services, reach.platform, reach.user_id) if reach else "?"
        line = f"• {name} — {where} · {entry.survey.name} ({entry.wave.cohort}): " + \
            comma_list(entry.reasons(ctx.language.code))
        booking = await repo.booking_of(entry.participant_id, now)
        if booking is not None:
            line += "\n  " + _("interview booked: {when}").format(when=format_datetime(
                datetime.fromtimestamp(booking.starts_at, UTC), ctx.zone))
        elif entry.declined:
            line += "\n  " + _("does not want an interview")
        lines.append(line)
    lines.append(_("Add interview times with {command}: they are offered to the shortlist."
                   ).format(command=ctx.command("slots add <when>")))
    await ctx.reply("\n".join(lines), about=[entry.participant_id for entry in found])


# --- /skip and /cancel while answering (shared with other conversations) ----------------
async def skip(ctx: Context) -> bool:
    """/skip on the question being asked: an optional one is left unanswered."""
    run = await active_run(ctx)
    if run is None:
        return False
    session = run.session
    if session.state == "review" or session.current is None:
        await run.show(_("Please use the buttons: Submit, or Change to correct an answer."))
        return True
    q = run.survey.questions[session.current]
    if not q.optional:
        await run.show(_("This question needs an answer; only optional ones can be skipped."))
        return True
    await run.answer(q, None)
    return True


async def cancel(ctx: Context) -> bool:
    """/cancel while answering: the same as Continue later."""
    run = await active_run(ctx)
    if run is None:
        return False
    await run.pause()
    return True


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("survey", survey_command,
                         N_("Answer a survey; facilitators: start, status, results, export, "
                            "shortlist"), usage=N_("[name] | start <name> [cohort]"),
                         subcommands={"start": Reach.COHORT, "status": Reach.REPORT,
                                      "results": Reach.REPORT, "export": Reach.REPORT,
                                      "shortlist": Reach.REPORT},
                         participant_help=N_("Answer a survey, or continue one"),
                         needs_consent=True))
    registry.add_callback(engine.CALLBACK, on_button, needs_consent=True)
    registry.add_conversation(Conversation(CONVERSATION, on_message, skip, cancel,
                                           needs_consent=True))
    registry.add_timed(WAVE_KIND, fire_wave)
    registry.add_timed(REMINDER_KIND, fire_reminder)
    registry.startup.append(plan_waves)
    registry.enrolled.append(on_enrolled)
    registry.timeline.append(timeline)
