"""Engagement: activity counted without keeping a word of it, /stats for facilitators (as
text and as a bar chart), and quiet participants (one friendly private prompt per quiet
period; /quiet to opt out, /quiet off to opt back in, /quiet list for facilitators).

Counting is an observer (registry.add_observer): it sees every message once handled,
whether the relay or a conversation consumed it or not."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.adapters.capabilities import declared
from bot.args import number
from bot.charts import bar_chart
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.exports import write_export
from bot.i18n import (
    LANGUAGE_NAMES,
    N_,
    _,
    comma_list,
    format_date,
    format_number,
    format_ratio,
    ngettext,
    rtl_marked,
    use_language,
)
from bot.model import ChatKind, ChatRef, EventKind, OutboundMessage
from bot.outbox import SCHEDULED
from bot.scheduler import Firing
from bot.scope import Reach
from bot.services import Services
from bot.timeparse import next_occurrence
from handlers.cohorts import Cohort
from handlers.engagement.animation import ensure_planned, signature
from storage.activity import PRIVATE, QuietMember, Rate
from storage.schedules import NewSchedule, Schedule

log = logging.getLogger("bot.stats")
QUIET_CHECK = "quiet-check"
QUIET_CHECK_AT = time(11, 0)  # the daily check, in each cohort's zone
DEFAULT_DAYS = 7
MAX_DAYS = 366
DEFAULT_QUIET_DAYS = 10


# --- counting -------------------------------------------------------------------------
async def count_message(ctx: Context) -> None:
    """One more message for (day, participant, platform, chat, language): never its text.
    Someone who declined consent is counted without a link to them."""
    event = ctx.event
    if event.kind is not EventKind.MESSAGE:
        return
    s = ctx.services
    day = s.clock.now().astimezone(s.default_zone()).date().isoformat()
    who = None if ctx.participant.consent == "declined" else ctx.participant.id
    chat_id = PRIVATE if event.chat.is_private else event.chat.chat_id
    await s.activity.count(day, who, event.platform, chat_id, ctx.language.code)


# --- /stats ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Extra:
    """Units completed and survey response rates."""

    units_completed: int
    units_by: int  # participants who completed at least one
    surveys: list[Rate]


async def _extra(services: Services, since: datetime, cohorts: list[str] | None) -> Extra:
    repo = services.activity
    units, by = await repo.units_completed(since.timestamp(), cohorts)
    surveys = [Rate(*rate) for rate in await repo.survey_rates(cohorts)]
    return Extra(units, by, surveys)


def _chat_name(platform: str, chat_id: str, title: str | None) -> str:
    if chat_id == PRIVATE:
        return _("private chats with the bot")
    return f"{title or chat_id} ({declared(platform).name})"


async def stats(ctx: Context) -> None:
    s = ctx.services
    args = ctx.event.args
    days = number(args[0], 1, MAX_DAYS) if args else DEFAULT_DAYS
    if days is None:
        await ctx.reply(_("Give a number of days from 1 to {max}, for example {example}.")
                        .format(max=MAX_DAYS, example=ctx.command("stats 30")))
        return
    scope = await s.authorizer.cohort_scope(ctx.participant.id)
    cohorts = sorted(scope) if scope is not None else None
    now = s.clock.now()
    zone = s.default_zone()
    first_day = now.astimezone(zone).date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, time(0, 0), tzinfo=zone)
    repo = s.activity
    summary = await repo.summary(first_day.isoformat(), since.astimezone(UTC).isoformat(
        timespec="seconds"), cohorts)
    enrolled = await repo.enrolled(cohorts)
    extra = await _extra(s, since, cohorts)

    labels: list[str] = []
    counts: list[int] = []
    lines = [ngettext("📊 Activity over the last {days} day (since {date})",
                      "📊 Activity over the last {days} days (since {date})", days).format(
        days=days, date=format_date(since, zone))]
    if cohorts is not None:
        lines.append(_("Cohorts: {codes}").format(codes=comma_list(cohorts) or "—"))
    if cohorts is not None:
        lines.append(_("Active participants: {seen} of {enrolled} enrolled; {writers} wrote "
                       "messages").format(seen=format_number(summary.seen),
                                          enrolled=format_number(enrolled),
                                          writers=format_number(summary.writers)))
    else:  # every participant, in a cohort or not (facilitators too)
        lines.append(_("Active people: {seen} ({enrolled} enrolled in a cohort); {writers} "
                       "wrote messages").format(seen=format_number(summary.seen),
                                                enrolled=format_number(enrolled),
                                                writers=format_number(summary.writers)))
    lines.append(_("Messages: {n}").format(n=format_number(summary.messages)))

    def section(title: str, items: list[tuple[str, int]]) -> None:
        lines.append(title)
        if not items:
            lines.append("  " + _("no data"))
        for label, n in items:
            labels.append(label)
            counts.append(n)
            lines.append(f"  {len(labels)}. {label}: {format_number(n)}")

    section(_("Messages per channel:"),
            [(_chat_name(c.platform, c.chat_id, c.title), c.messages) for c in summary.by_chat])
    section(_("Messages per language:"),
            [(LANGUAGE_NAMES.get(c.key, c.key or "?"), c.messages) for c in summary.by_language])
    section(_("Messages per platform:"),
            [(declared(c.key).name, c.messages) for c in summary.by_platform])
    lines.append(_("Units completed: {n}; participants who completed one: {people}").format(
        n=format_number(extra.units_completed), people=format_number(extra.units_by)))
    if not extra.surveys:
        lines.append(_("Survey responses: no data"))
    else:
        lines.append(_("Survey responses:"))
        for rate in extra.surveys:
            lines.append("  " + _("{survey}: {done} of {total} ({ratio})").format(
                survey=rate.name, done=format_number(rate.done), total=format_number(rate.total),
                ratio=format_ratio(rate.done / rate.total if rate.total else 0.0)))
    attachments = []
    if summary.messages:
        title = ngettext("Messages, last {days} day", "Messages, last {days} days",
                         days).format(days=days)
        # Drawn in a thread: a chart is CPU work that would hold up every chat.
        chart = await asyncio.to_thread(bar_chart, labels, counts, summary.messages,
                                        title=title)
        attachments.append(await write_export(s, f"stats-{days}d", ".png", chart))
        lines.append(_("The chart numbers the bars as above (each part adds up to all "
                       "messages)."))
    await ctx.send(ctx.event.chat, "\n".join(lines), reply_to=ctx.event.native_id,
                   attachments=attachments)


# --- quiet participants ---------------------------------------------------------------
def quiet_after(services: Services, cohort: Cohort) -> int:
    entry = next((c for c in services.config.cohorts if c.code == cohort.code), None)
    return entry.quiet_after_days if entry else DEFAULT_QUIET_DAYS


def _stamp(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def last_active(member: QuietMember) -> datetime:
    """The last time they did anything the bot saw (or joined the cohort)."""
    joined = datetime.fromtimestamp(member.joined_at, UTC)
    seen = _stamp(member.last_seen_at)
    return max(joined, seen) if seen else joined


def is_quiet(member: QuietMember, now: datetime, days: int) -> bool:
    return now - last_active(member) >= timedelta(days=days)


def prompted_this_period(member: QuietMember) -> bool:
    """Prompted since they were last active: not again until they are active again."""
    prompted = _stamp(member.prompted_at)
    return prompted is not None and prompted >= last_active(member)


async def plan_quiet_checks(services: Services) -> None:
    """Start-up: one daily quiet check per cohort."""
    now = services.clock.now()
    for cohort in services.cohorts.all():
        rule = f"{QUIET_CHECK_AT.minute} {QUIET_CHECK_AT.hour} * * *"

        async def make(cohort: Cohort = cohort, rule: str = rule) -> NewSchedule:
            first = next_occurrence(rule, cohort.zone, now)
            assert first is not None
            return NewSchedule(kind=QUIET_CHECK, participant_id=None, platform="", chat_id="",
                               chat_kind=ChatKind.GROUP.value, payload={"cohort": cohort.code},
                               timezone=cohort.zone.key, next_at=first.timestamp(),
                               recurrence=rule)

        await ensure_planned(services, cohort, QUIET_CHECK, signature(rule, cohort), make)


async def check_quiet(services: Services, schedule: Schedule, firing: Firing) -> None:
    repo = services.activity
    planned = await repo.of_schedule(schedule.id)
    cohort = services.cohorts.get(planned.cohort) if planned else None
    if cohort is None:
        await services.schedules.cancel(schedule.id)
        return
    today = firing.occurrence.astimezone(cohort.zone).date()
    if not cohort.prelearning_start <= today <= cohort.impact_survey:
        return  # before the cohort starts or after it ends, silence is no news
    days = quiet_after(services, cohort)
    sent = 0
    for member in await repo.members(cohort.code):
        if member.opted_out or not is_quiet(member, firing.occurrence, days) \
                or prompted_this_period(member) \
                or await services.authorizer.is_facilitator(member.participant_id):
            continue
        await _prompt(services, cohort, member, firing)
        await repo.mark_prompted(member.participant_id, services.clock.now())
        sent += 1
    if sent:
        log.info("cohort %s: %d quiet participant(s) prompted", cohort.code, sent)


async def _prompt(services: Services, cohort: Cohort, member: QuietMember,
                  firing: Firing) -> None:
    with use_language(services.language_for(member.language)) as pack:
        prefix = services.command_prefix(member.platform)
        text = _("👋 Hello {name}! We have not heard from you in {cohort} for a while, and "
                 "your experience counts. A question, an idea or a short hello in the group "
                 "is always welcome. (If you prefer not to get these messages: {command})"
                 ).format(name=member.name, cohort=cohort.name, command=f"{prefix}quiet")
        await services.outbox.enqueue(
            OutboundMessage(ChatRef(member.platform, member.user_id, ChatKind.PRIVATE),
                            rtl_marked(text, pack)),
            priority=SCHEDULED,
            dedupe_key=f"quiet:{cohort.code}:{member.participant_id}:"
                       f"{int(firing.occurrence.timestamp())}")


async def quiet(ctx: Context) -> None:
    s = ctx.services
    word = ctx.event.args[0].lower() if ctx.event.args else ""
    repo = s.activity
    if word == "":
        await repo.set_opted_out(ctx.participant.id, True)
        await ctx.reply(_("Understood: I will not write to you when you have been quiet for "
                          "a while. {command} turns these messages back on.").format(
            command=ctx.command("quiet off")))
    elif word in ("off", "on"):
        # "off" ends the quiet mode; "on" is accepted for those who read it the other way.
        await repo.set_opted_out(ctx.participant.id, False)
        await ctx.reply(_("Done: if you are quiet for a while, I will send you a friendly "
                          "message again. {command} stops them.").format(
            command=ctx.command("quiet")))
    elif word == "list":
        await quiet_list(ctx)
    else:
        await ctx.reply(_("{quiet} stops the messages I send when you have been quiet for a "
                          "while; {off} turns them back on.").format(
            quiet=ctx.command("quiet"), off=ctx.command("quiet off")))


async def quiet_list(ctx: Context) -> None:
    s = ctx.services
    if not ctx.is_facilitator:
        await s.audit.record(ctx.participant.id, ctx.platform, "quiet list", "refused",
                             s.clock.now())
        await ctx.reply(_("Sorry, {command} is for facilitators only.").format(
            command=ctx.command("quiet list")))
        return
    scope = await s.authorizer.cohort_scope(ctx.participant.id)
    cohorts = [c for c in s.cohorts.all() if scope is None or c.code in scope]
    if not cohorts:
        await ctx.reply(_("No cohort is configured."))
        return
    now = s.clock.now()
    repo = s.activity
    lines: list[str] = []
    named: list[int] = []
    for cohort in cohorts:
        days = quiet_after(s, cohort)
        quiet_ones = [m for m in await repo.members(cohort.code) if is_quiet(m, now, days)
                      and not await s.authorizer.is_facilitator(m.participant_id)]
        if not quiet_ones:
            lines.append(ngettext("{cohort}: nobody has been quiet for {days} day or more.",
                                  "{cohort}: nobody has been quiet for {days} days or more.",
                                  days).format(cohort=cohort.name, days=days))
            continue
        lines.append(ngettext("{cohort}: quiet for {days} day or more:",
                              "{cohort}: quiet for {days} days or more:", days).format(
            cohort=cohort.name, days=days))
        for m in quiet_ones:
            named.append(m.participant_id)
            since = last_active(m)
            notes = []
            if m.opted_out:
                notes.append(_("opted out of reminders"))
            elif prompted_this_period(m):
                notes.append(_("prompted on {date}").format(
                    date=format_date(_stamp(m.prompted_at) or now, s.default_zone())))
            note = f" — {', '.join(notes)}" if notes else ""
            idle = (now - since).days
            lines.append("  • " + ngettext("{name} ({platform}): last active {days} day ago",
                                           "{name} ({platform}): last active {days} days ago",
                                           idle).format(
                name=m.name, platform=declared(m.platform).name,
                days=idle) + note)
    await s.audit.record(ctx.participant.id, ctx.platform, "quiet list", "done", now)
    if ctx.event.chat.is_private:
        await ctx.reply("\n".join(lines), about=named)
    else:
        # Names of quiet people are not for the whole group.
        await ctx.reply_private("\n".join(lines), about=named)
        await ctx.reply(_("I sent you the list privately."))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("stats", stats, N_("Activity: participants, messages, units, "
                                            "surveys, with a chart"),
                         usage=N_("[days]"), facilitator_only=True, scope=Reach.REPORT))
    registry.add(Command("quiet", quiet, N_("Pause or resume my nudges when you are quiet"),
                         usage="[off|list]", subcommands={"list": Reach.REPORT},
                         needs_consent=True))
    registry.add_observer("activity", count_message)
    registry.add_timed(QUIET_CHECK, check_quiet)
    registry.startup.append(plan_quiet_checks)
