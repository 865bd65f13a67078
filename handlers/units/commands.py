"""Pre-learning units: released to each cohort on its dates, read with /units and /unit <n>,
each followed by its knowledge check; one friendly nudge for an unopened unit; /progress
for facilitators; the plan in `python -m bot timeline`.

- Release: at start-up every (cohort, unit) gets one "unit_release" and one "unit_nudge"
  schedule (storage `unit_plans` keeps planning idempotent). A moment already past when a
  unit is first planned is not broadcast: such units are listed by /units and at /join.
- Delivery: by private message on the account each participant used last, in their
  language (or the cohort's default language, with a note), through the outbox with the
  dedupe key "unit:<n>:<participant>" (nudges "unit-nudge:<n>:<participant>"), so a
  restart or a second firing never doubles a message.
- Knowledge check: one question at a time; a native quiz poll on Telegram (answers come
  back as POLL_ANSWER events, found by `poll_key` in `unit_quiz_polls`), buttons
  elsewhere. The state (attempt, question) is stored, so a restart resumes it. Passing
  takes at least two thirds of the answers right (2 of 3); retaking keeps the best score.

The parts: handlers/units/content.py (dates, the unit in the reader's language),
handlers/units/releases.py (planning, release, nudges, timeline) and handlers/units/checks.py
(the knowledge check); this module has the commands, the buttons and `setup`.
"""

from __future__ import annotations

from bot.args import echo
from bot.args import number as typed_number
from bot.buttons import no_longer_works, parse_int
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, comma_list, format_datetime
from bot.model import MessageFormat
from handlers.cohorts import Cohort
from handlers.units.checks import ask, poll_answer, quiz_button, typed_answer
from handlers.units.content import (
    QUIZ_BUTTON,
    UNIT_BUTTON,
    Opening,
    localized,
    openings,
    say_privately,
    unit_store,
    unit_text,
)
from handlers.units.releases import (
    NUDGE,
    RELEASE,
    fire_nudge,
    fire_release,
    on_enrolled,
    plan_releases,
    timeline,
)
from storage.units import Progress


# --- reading ----------------------------------------------------------------------------
async def _to_private(ctx: Context) -> None:
    """Units are personal: asked for in a group, they come by private message."""
    if not ctx.event.chat.is_private:
        await ctx.reply(_("I have sent it to you in a private message."))


def _status(ctx: Context, opening: Opening, progress: Progress | None) -> str:
    now = ctx.services.clock.now()
    if opening.at > now:
        return "🔒 " + _("opens on {date}").format(date=format_datetime(opening.at,
                                                                       opening.cohort.zone))
    if progress is not None and progress.passed_at is not None:
        return "✅ " + _("quiz passed ({score}/{total})").format(
            score=progress.best_score, total=progress.questions)
    if progress is not None and progress.opened_at is not None:
        text = "📖 " + _("read")
        if progress.best_score is not None:
            text += " · " + _("quiz {score}/{total}").format(score=progress.best_score,
                                                            total=progress.questions)
        return text
    return "🆕 " + _("new")


async def _not_enrolled(ctx: Context) -> None:
    await ctx.reply(_("The units come with a cohort. Join yours with {command}.").format(
        command=ctx.command("join")))


async def list_units(ctx: Context) -> None:
    s = ctx.services
    academy = s.academy
    if academy is None or not academy.unit_numbers():
        await ctx.reply(_("There are no pre-learning units."))
        return
    opens = await openings(s, ctx.participant.id)
    if not opens:
        await _not_enrolled(ctx)
        return
    progress = await unit_store(s).progress(ctx.participant.id)
    now = s.clock.now()
    lines = [_("Pre-learning units:")]
    suggested: int | None = None
    for number, opening in opens.items():
        found = localized(academy, number, ctx.language.code, opening.cohort.default_language)
        if found is None:
            continue
        mine = progress.get(number)
        lines.append(f"{number}. {found[0].title} — {_status(ctx, opening, mine)}")
        if suggested is None and opening.at <= now and (mine is None or mine.opened_at is None):
            suggested = number
    first_open = next((n for n, o in opens.items() if o.at <= now), None)
    if suggested or first_open:
        lines.append(_("Read one with {command}.").format(
            command=ctx.command(f"unit {suggested or first_open}")))
    await say_privately(ctx, "\n".join(lines))
    await _to_private(ctx)


async def read_unit(ctx: Context) -> None:
    s = ctx.services
    academy = s.academy
    numbers = academy.unit_numbers() if academy is not None else []
    if academy is None or not numbers:
        await ctx.reply(_("There are no pre-learning units."))
        return
    known = comma_list(str(n) for n in numbers)
    if not ctx.event.args:
        await ctx.reply(_("Which unit? Give its number, for example {example}. The units "
                          "are {numbers}; {units} shows them with their status.").format(
            example=ctx.command(f"unit {numbers[0]}"), numbers=known,
            units=ctx.command("units")))
        return
    wanted = ctx.event.args[0].lstrip("#")
    number = typed_number(wanted)
    if number is None or number not in numbers:
        await ctx.reply(_("There is no unit \"{n}\". The units are {numbers}.").format(
            n=echo(wanted), numbers=known))
        return
    opening = (await openings(s, ctx.participant.id)).get(number)
    if opening is None:
        await _not_enrolled(ctx)
        return
    if opening.at > s.clock.now():
        await ctx.reply(_("Unit {n} opens on {date}. I will send it to you then.").format(
            n=number, date=format_datetime(opening.at, opening.cohort.zone)))
        return
    await open_unit(ctx, number, opening.cohort, with_body=True)
    await _to_private(ctx)


async def open_unit(ctx: Context, number: int, cohort: Cohort, with_body: bool) -> None:
    """Show the unit (with_body) and ask its knowledge check, resuming one in progress."""
    s = ctx.services
    assert s.academy is not None
    found = localized(s.academy, number, ctx.language.code, cohort.default_language)
    if found is None:
        return
    unit, fallback = found
    store = unit_store(s)
    await store.opened(ctx.participant.id, number, s.clock.timestamp())
    if with_body:
        await say_privately(ctx, unit_text(number, unit, ctx.language.code, fallback),
                            format=MessageFormat.MARKDOWN)
    progress = await store.start_or_resume(ctx.participant.id, number)
    question = progress.question or 0
    if question >= len(unit.questions):  # the content lost questions since: start again
        await store.finish(ctx.participant.id, number, progress.attempt,
                           await store.score(ctx.participant.id, number, progress.attempt),
                           len(unit.questions), False, s.clock.timestamp())
        progress = await store.start_or_resume(ctx.participant.id, number)
        question = 0
    if question > 0:
        await say_privately(ctx, _("You were at question {n} of {total} of the knowledge "
                                   "check: let's go on.").format(n=question + 1,
                                                                 total=len(unit.questions)))
    await ask(ctx, number, unit, progress.attempt, question)


async def unit_button(ctx: Context) -> None:
    """"unit:open:<n>" (from a nudge) reads it; "unit:quiz:<n>" (under a released unit)
    starts its knowledge check."""
    action, _sep, wanted = ctx.callback_payload.partition(":")
    number = parse_int(wanted, 1)
    opening = (await openings(ctx.services, ctx.participant.id)).get(
        number) if number is not None else None
    if action not in ("open", "quiz") or number is None or opening is None:
        await ctx.reply(no_longer_works())
        return
    if opening.at > ctx.services.clock.now():  # its date was moved since
        await ctx.reply(_("Unit {n} opens on {date}. I will send it to you then.").format(
            n=number, date=format_datetime(opening.at, opening.cohort.zone)))
        return
    await open_unit(ctx, number, opening.cohort, with_body=action == "open")


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("units", list_units, N_("List the pre-learning units and your "
                                                 "progress")))
    registry.add(Command("unit", read_unit, N_("Read a pre-learning unit and take its "
                                               "knowledge check"), usage="<n>",
                         needs_consent=True))
    registry.add_callback(UNIT_BUTTON, unit_button, needs_consent=True)
    registry.add_callback(QUIZ_BUTTON, quiz_button, needs_consent=True)
    registry.add_event_handler("poll_answer", poll_answer, needs_consent=True)
    registry.add_message_handler("knowledge check answers", typed_answer, needs_consent=True)
    registry.add_timed(RELEASE, fire_release)
    registry.add_timed(NUDGE, fire_nudge)
    registry.startup.append(plan_releases)
    registry.enrolled.append(on_enrolled)
    registry.timeline.append(timeline)
