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
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from babel import Locale

from bot.cohorts import Cohort
from bot.commands import Command, CommandRegistry
from bot.content.academy import Academy
from bot.content.units import Unit
from bot.context import Context
from bot.i18n import (
    N_,
    LanguagePack,
    _,
    active,
    format_datetime,
    rtl_marked,
    use_language,
)
from bot.model import Button, ChatKind, ChatRef, OutboundMessage, Poll, poll_key
from bot.outbox import INTERACTIVE, SCHEDULED
from bot.scheduler import Firing
from bot.services import Services
from bot.timeline import Planned
from storage.outbox import OutboxItem
from storage.schedules import NewSchedule, Schedule
from storage.units import Member, Plan, Progress, QuizPoll, UnitStore

log = logging.getLogger("bot.units")

RELEASE = "unit_release"
NUDGE = "unit_nudge"
# Buttons: "unit:open:<n>" (read it), "unit:quiz:<n>" (start its knowledge check),
# "quiz:<n>:<attempt>:<question>:<option from 1>" (an answer).
UNIT_BUTTON = "unit"
QUIZ_BUTTON = "quiz"
# Outbox keys of knowledge-check questions: quiz:<participant>:<n>:<attempt>:<question>:<k>.
QUIZ_KEY = "quiz:"
# Platforms whose native quiz polls carry the knowledge check; elsewhere (Discord, whose
# polls have no correct answer, and the console) one button per option.
QUIZ_POLL_PLATFORMS = frozenset({"telegram"})
BUTTON_LABEL_MAX = 80  # Discord's limit for a button label
POLL_QUESTION_MAX = 300  # Telegram's


def pass_mark(questions: int) -> int:
    """Right answers needed to pass: at least two thirds (2 of 3, 3 of 4, 4 of 5)."""
    return math.ceil(questions * 2 / 3)


def _store(services: Services) -> UnitStore:
    return UnitStore(services.db)


# --- content and dates ------------------------------------------------------------------
def release_at(cohort: Cohort, academy: Academy, number: int) -> datetime | None:
    """When unit `number` opens for `cohort` (UTC); the original's `release` decides."""
    original = academy.units.get(number, {}).get(academy.default_language)
    if original is None or original.release is None:
        return None
    return cohort.moment(cohort.release_day(original.release))


def nudge_at(cohort: Cohort, academy: Academy, number: int) -> datetime | None:
    original = academy.units.get(number, {}).get(academy.default_language)
    if original is None or original.release is None:
        return None
    day = cohort.release_day(original.release) + timedelta(days=cohort.nudge_after_days)
    return cohort.moment(day)


def localized(academy: Academy, number: int, language: str, fallback: str
              ) -> tuple[Unit, bool] | None:
    """The unit in `language`; else in `fallback` (the cohort's default language), else in
    the academy's, with True for a fallback."""
    by_language = academy.units.get(number, {})
    if language in by_language:
        return by_language[language], False
    for code in (fallback, academy.default_language):
        if code in by_language:
            return by_language[code], True
    return None


def language_name(code: str) -> str:
    """A language's name in the reader's language ("anglais" for a French reader)."""
    try:
        return Locale.parse(code).get_display_name(active().locale) or code
    except (ValueError, TypeError):
        return code


def unit_text(number: int, unit: Unit, wanted: str, fallback: bool) -> str:
    """The unit as a message in the bot's Markdown: a note if it is a fallback, the title,
    the body."""
    lines = []
    if fallback:
        lines.append("ℹ️ " + _("This unit is not available in {language} yet; here it is in "
                                "{fallback}.").format(language=language_name(wanted),
                                                       fallback=language_name(unit.language)))
    lines.append("**" + _("Unit {n}: {title}").format(n=number, title=unit.title) + "**")
    return "\n".join(lines) + "\n\n" + unit.body


@dataclass(frozen=True)
class Opening:
    cohort: Cohort
    at: datetime


async def openings(services: Services, participant_id: int) -> dict[int, Opening]:
    """When each unit opens for this participant: the earliest among their cohorts."""
    academy = services.academy
    found: dict[int, Opening] = {}
    if academy is None:
        return found
    cohorts = await services.cohorts.of_participant(participant_id)
    for number in academy.unit_numbers():
        for cohort in cohorts:
            at = release_at(cohort, academy, number)
            if at is not None and (number not in found or at < found[number].at):
                found[number] = Opening(cohort, at)
    return found


# --- planning and timed delivery --------------------------------------------------------
async def plan_releases(services: Services) -> None:
    """Start-up: one release and one nudge schedule per (cohort, unit), idempotent; a
    changed date moves a schedule that has not fired yet."""
    services.outbox.on_sent.append(partial(record_quiz_poll, services))
    academy = services.academy
    if academy is None:
        return
    store = _store(services)
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
    store = _store(services)
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
                                          format="markdown", buttons=buttons),
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
    store = _store(services)
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
    member = await _store(services).member(participant_id)
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


# --- reading ----------------------------------------------------------------------------
async def _say(ctx: Context, text: str, **options: Any) -> None:
    """To the reader privately: in a private chat as an answer to their event (so that a
    Discord slash command or button gets its response), from a group by private message."""
    if ctx.event.chat.is_private:
        await ctx.send(ctx.event.chat, text, reply_to=ctx.event.native_id, **options)
    else:
        await ctx.send(ctx.private_chat, text, **options)


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
    progress = await _store(s).progress(ctx.participant.id)
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
    await _say(ctx, "\n".join(lines))
    await _to_private(ctx)


async def read_unit(ctx: Context) -> None:
    s = ctx.services
    academy = s.academy
    numbers = academy.unit_numbers() if academy is not None else []
    if academy is None or not numbers:
        await ctx.reply(_("There are no pre-learning units."))
        return
    known = ", ".join(str(n) for n in numbers)
    if not ctx.event.args:
        await ctx.reply(_("Which unit? Give its number, for example {example}. The units "
                          "are {numbers}; {units} shows them with their status.").format(
            example=ctx.command(f"unit {numbers[0]}"), numbers=known,
            units=ctx.command("units")))
        return
    wanted = ctx.event.args[0].lstrip("#")
    if not wanted.isdigit() or int(wanted) not in numbers:
        await ctx.reply(_("There is no unit \"{n}\". The units are {numbers}.").format(
            n=wanted[:10], numbers=known))
        return
    number = int(wanted)
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
    store = _store(s)
    await store.opened(ctx.participant.id, number, s.clock.timestamp())
    if with_body:
        await _say(ctx, unit_text(number, unit, ctx.language.code, fallback),
                   format="markdown")
    progress = await store.start_or_resume(ctx.participant.id, number)
    question = progress.question or 0
    if question >= len(unit.questions):  # the content lost questions since: start again
        await store.finish(ctx.participant.id, number, progress.attempt,
                           await store.score(ctx.participant.id, number, progress.attempt),
                           len(unit.questions), False, s.clock.timestamp())
        progress = await store.start_or_resume(ctx.participant.id, number)
        question = 0
    if question > 0:
        await _say(ctx, _("You were at question {n} of {total} of the knowledge check: "
                          "let's go on.").format(n=question + 1, total=len(unit.questions)))
    await ask(ctx, number, unit, progress.attempt, question)


async def ask(ctx: Context, number: int, unit: Unit, attempt: int, index: int) -> None:
    s = ctx.services
    question = unit.questions[index]
    asked = await _store(s).next_ask(ctx.participant.id, number)
    key = f"{QUIZ_KEY}{ctx.participant.id}:{number}:{attempt}:{index}:{asked}"
    head = _("Question {n} of {total}").format(n=index + 1, total=len(unit.questions))
    if ctx.platform in QUIZ_POLL_PLATFORMS:
        text = f"{head}: {question.question}"
        if len(text) > POLL_QUESTION_MAX:
            text = question.question
        poll = Poll(question=text, options=list(question.options), kind="quiz",
                    correct_option=question.answer - 1, explanation=question.explanation,
                    anonymous=False)
        await _say(ctx, text, poll=poll, dedupe_key=key)
        return
    flat = [Button(_label(option), f"{QUIZ_BUTTON}:{number}:{attempt}:{index}:{i}")
            for i, option in enumerate(question.options, 1)]
    # One option per row, as long as that fits in Discord's five rows.
    per_row = 1 if len(flat) <= 5 else 2
    buttons = [flat[i:i + per_row] for i in range(0, len(flat), per_row)]
    await _say(ctx, f"{head}\n{question.question}", buttons=buttons, dedupe_key=key)


def _label(option: str) -> str:
    return option if len(option) <= BUTTON_LABEL_MAX else option[:BUTTON_LABEL_MAX - 1] + "…"


async def record_quiz_poll(services: Services, item: OutboxItem, msg: OutboundMessage,
                           native_id: str) -> None:
    """After a quiz poll went out: remember which question its answers belong to."""
    key = item.dedupe_key or msg.dedupe_key or ""
    if not key.startswith(QUIZ_KEY) or msg.poll is None:
        return
    participant, number, attempt, question, _asked = (int(p) for p in
                                                      key[len(QUIZ_KEY):].split(":"))
    await _store(services).record_poll(poll_key(native_id), QuizPoll(
        participant, number, attempt, question), services.clock.timestamp())


async def answered(ctx: Context, number: int, attempt: int, index: int, chosen: int,
                   from_button: bool) -> None:
    s = ctx.services
    opening = (await openings(s, ctx.participant.id)).get(number)
    if s.academy is None or opening is None:
        return
    found = localized(s.academy, number, ctx.language.code, opening.cohort.default_language)
    if found is None or not 0 <= index < len(found[0].questions):
        return
    unit = found[0]
    question = unit.questions[index]
    if not 1 <= chosen <= len(question.options):
        return
    right = chosen == question.answer
    store = _store(s)
    if not await store.answer(ctx.participant.id, number, attempt, index, chosen, right,
                              s.clock.timestamp()):
        if from_button:  # an old button, or pressed twice
            await _say(ctx, _("You have already answered this question. Type {command} to "
                              "take the knowledge check again.").format(
                command=ctx.command(f"unit {number}")))
        return
    if right:
        feedback = "✅ " + _("Right!") + " " + question.explanation
    else:
        feedback = "❌ " + _("Not quite: the answer is \"{answer}\".").format(
            answer=question.options[question.answer - 1]) + " " + question.explanation
    await _say(ctx, feedback)
    if index + 1 < len(unit.questions):
        await ask(ctx, number, unit, attempt, index + 1)
        return
    total = len(unit.questions)
    score = await store.score(ctx.participant.id, number, attempt)
    passed = score >= pass_mark(total)
    await store.finish(ctx.participant.id, number, attempt, score, total, passed,
                       s.clock.timestamp())
    if passed:
        text = _("Knowledge check done: {score} of {total} right. Unit {n} passed! 🎉").format(
            score=score, total=total, n=number)
    else:
        text = _("Knowledge check done: {score} of {total} right. {needed} are needed to "
                 "pass; try again whenever you like with {command}.").format(
            score=score, total=total, needed=pass_mark(total),
            command=ctx.command(f"unit {number}"))
    await _say(ctx, text)


async def quiz_button(ctx: Context) -> None:
    parts = ctx.callback_payload.split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        await ctx.reply(_("This button no longer works. Please use the command again."))
        return
    number, attempt, index, chosen = (int(p) for p in parts)
    await answered(ctx, number, attempt, index, chosen, from_button=True)


async def poll_answer(ctx: Context) -> None:
    """A vote on a Telegram quiz poll; polls that are not ours are left to others."""
    event = ctx.event
    if not event.poll_id or not event.option_ids:
        return
    poll = await _store(ctx.services).poll(event.poll_id)
    if poll is None or poll.participant_id != ctx.participant.id:
        return
    await answered(ctx, poll.unit, poll.attempt, poll.question, event.option_ids[0] + 1,
                   from_button=False)


async def unit_button(ctx: Context) -> None:
    """"unit:open:<n>" (from a nudge) reads it; "unit:quiz:<n>" (under a released unit)
    starts its knowledge check."""
    action, _sep, wanted = ctx.callback_payload.partition(":")
    opening = (await openings(ctx.services, ctx.participant.id)).get(
        int(wanted)) if wanted.isdigit() else None
    if action not in ("open", "quiz") or opening is None:
        await ctx.reply(_("This button no longer works. Please use the command again."))
        return
    if opening.at > ctx.services.clock.now():  # its date was moved since
        await ctx.reply(_("Unit {n} opens on {date}. I will send it to you then.").format(
            n=int(wanted), date=format_datetime(opening.at, opening.cohort.zone)))
        return
    await open_unit(ctx, int(wanted), opening.cohort, with_body=action == "open")


# --- timeline ---------------------------------------------------------------------------
async def timeline(services: Services, cohort: Cohort) -> list[Planned]:
    academy = services.academy
    if academy is None:
        return []
    entries: list[Planned] = []
    plans = await _store(services).plans(cohort.code)
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


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("units", list_units, N_("List the pre-learning units and your "
                                                 "progress")))
    registry.add(Command("unit", read_unit, N_("Read a pre-learning unit and take its "
                                               "knowledge check"), usage="<n>"))
    registry.add_callback(UNIT_BUTTON, unit_button)
    registry.add_callback(QUIZ_BUTTON, quiz_button)
    registry.add_event_handler("poll_answer", poll_answer)
    registry.add_timed(RELEASE, fire_release)
    registry.add_timed(NUDGE, fire_nudge)
    registry.startup.append(plan_releases)
    registry.enrolled.append(on_enrolled)
    registry.timeline.append(timeline)
