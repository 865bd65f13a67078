"""/survey (take a survey; facilitators: start, status, results, export, shortlist). The
engine is bot/surveys.py and its parts, bot/survey_*.py; /slots is handlers/slots.py."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from bot import surveys as engine
from bot.cohorts import Cohort
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.exports import write_csv
from bot.i18n import N_, _, format_datetime, format_number, format_ratio, ngettext
from bot.scope import Reach
from bot.services import Services
from bot.survey_interviews import shortlist
from bot.survey_model import Question, Survey, answer_text
from bot.survey_taking import on_button, on_message, take
from bot.survey_waves import (
    REMINDER_KIND,
    WAVE_KIND,
    fire_reminder,
    fire_wave,
    on_enrolled,
    open_wave,
    plan_waves,
    timeline,
)
from storage.surveys import Response, Wave

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


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("survey", survey_command,
                         N_("Answer a survey; facilitators: start, status, results, export, "
                            "shortlist"), usage=N_("[name] | start <name> [cohort]"),
                         subcommands={"start": Reach.COHORT, "status": Reach.REPORT,
                                      "results": Reach.REPORT, "export": Reach.REPORT,
                                      "shortlist": Reach.REPORT}))
    registry.add_callback(engine.CALLBACK, on_button)
    registry.add_message_handler("survey answers", on_message)
    registry.add_timed(WAVE_KIND, fire_wave)
    registry.add_timed(REMINDER_KIND, fire_reminder)
    registry.startup.append(plan_waves)
    registry.enrolled.append(on_enrolled)
    registry.timeline.append(timeline)
