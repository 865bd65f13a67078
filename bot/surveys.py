"""The survey engine: surveys (bot/survey_model.py, built from the academy's checked TOML),
taken one question at a time in a private chat, resumable, reviewed before submitting;
waves that invite a cohort and remind those who have not finished.

A session's state is in the database (storage/surveys.py), so a survey survives a pause,
a restart, or a switch to another linked platform. An answer is stored as JSON: an option
number (counted from 1) for single, a list of them for multiple, a number for scale,
"yes"/"no", the text itself, or null for a skipped optional question.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from bot.i18n import _, format_datetime, rtl_marked, use_language
from bot.model import Button, ChatKind, ChatRef, OutboundMessage
from bot.outbox import BULK, INTERACTIVE, SCHEDULED
from bot.survey_model import (
    Question,
    Survey,
    answer_text,
    build_survey,
    parse_typed,
)
from storage.schedules import NewSchedule, Schedule
from storage.surveys import Answers, Session, Slot, SurveyRepository, Wave

if TYPE_CHECKING:
    from bot.cohorts import Cohort
    from bot.context import Context
    from bot.scheduler import Firing
    from bot.services import Services
    from bot.timeline import Planned

log = logging.getLogger("bot.surveys")

CALLBACK = "sv"
WAVE_KIND = "survey_wave"
REMINDER_KIND = "survey_reminder"
PRE_ASSESSMENT = "pre-assessment"
MAX_TEXT_ANSWER = 2000
BUTTON_LABEL = 60  # characters shown on a button (Telegram and Discord cut longer ones)
DAY = 86400.0
# The waves the bot sends by itself: survey name -> the cohort date it opens on (and when).
ASSESSMENT_TIME = time(16, 0)  # the last afternoon of the face-to-face week


def scheduled_moment(name: str, cohort: Cohort) -> datetime | None:
    if name == PRE_ASSESSMENT:
        return cohort.moment(cohort.prelearning_start)
    if name == "assessment":
        return cohort.moment(cohort.face_to_face_end, ASSESSMENT_TIME)
    if name == "impact":
        return cohort.moment(cohort.impact_survey)
    return None


def surveys(services: Services) -> dict[str, Survey]:
    academy = services.academy
    if academy is None:
        return {}
    return {name: build_survey(data, academy.default_language)
            for name, data in academy.surveys.items()}


def survey_named(services: Services, name: str) -> Survey | None:
    return surveys(services).get(name.strip().lower())


def repository(services: Services) -> SurveyRepository:
    return SurveyRepository(services.db)


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL else text[:BUTTON_LABEL - 1].rstrip() + "…"


# --- taking a survey -------------------------------------------------------------------
def anonymous_prefix(wave_id: int, participant_id: int) -> str:
    return f"survey-anon:{wave_id}:{participant_id}:"


def _data(wave: Wave, action: str, *parts: object) -> str:
    return ":".join([CALLBACK, str(wave.id), action, *(str(p) for p in parts)])


def start_button(wave: Wave, label: str) -> list[list[Button]]:
    return [[Button(label, _data(wave, "go"))]]


def _choices_text(survey: Survey, q: Question, language: str) -> str:
    """The possible answers, as the reply to a typed answer that matches none repeats them."""
    if q.kind == "yesno":
        return _("Answer with the buttons, or type {yes} or {no}.").format(
            yes=_("Yes"), no=_("No"))
    if q.kind == "scale":
        return _("Choose a number from {low} to {high}.").format(low=q.low, high=q.high)
    lines = [f"{n}. {o}" for n, o in enumerate(survey.options(q, language), 1)]
    if q.kind == "multiple":
        head = _("Type the numbers of your choices (for example 1, 3), or use the buttons "
                 "and press Done:")
    else:
        head = _("Type the number or the text of one option, or use the buttons:")
    return head + "\n" + "\n".join(lines)


def question_message(survey: Survey, wave: Wave, session: Session, q: Question,
                     language: str) -> tuple[str, list[list[Button]]]:
    applicable = [a for a in survey.questions if survey.may_apply(a, session.answers)]
    position = next((n for n, a in enumerate(applicable, 1) if a.id == q.id), 1)
    lines = [_("{title} · question {n} of {total}").format(
        title=survey.t(survey.title, language), n=position, total=max(position,
                                                                      len(applicable))),
        "", survey.t(q.text, language)]
    buttons: list[list[Button]] = []
    if q.kind == "scale":
        low, high = survey.t(q.low_label, language), survey.t(q.high_label, language)
        if low or high:
            lines.append(_("{low} = {low_label} · {high} = {high_label}").format(
                low=q.low, low_label=low or "…", high=q.high, high_label=high or "…"))
        values = list(range(q.low, q.high + 1))
        for start in range(0, len(values), 6):
            buttons.append([Button(str(v), _data(wave, "a", q.index, v))
                            for v in values[start:start + 6]])
    elif q.kind == "yesno":
        buttons.append([Button(_("Yes"), _data(wave, "a", q.index, "yes")),
                        Button(_("No"), _data(wave, "a", q.index, "no"))])
    elif q.kind == "single":
        for n, option in enumerate(survey.options(q, language), 1):
            buttons.append([Button(_label(option), _data(wave, "a", q.index, n))])
    elif q.kind == "multiple":
        options = survey.options(q, language)
        lines.append(_("Choose all that apply, then press Done."))
        if session.selection:
            lines.append(_("Selected: {choices}").format(choices="; ".join(
                options[n - 1] for n in session.selection if 1 <= n <= len(options))))
        for n, option in enumerate(options, 1):
            mark = "✓ " if n in session.selection else ""
            buttons.append([Button(_label(mark + option), _data(wave, "t", q.index, n))])
        buttons.append([Button(_("Done"), _data(wave, "d", q.index))])
    else:
        lines.append(_("Type your answer in a message."))
    if q.optional:
        lines.append(_("(optional)"))
    last = [Button(_("Skip"), _data(wave, "s", q.index))] if q.optional else []
    last.append(Button(_("Continue later"), _data(wave, "p")))
    buttons.append(last)
    return "\n".join(lines), buttons


def review_message(survey: Survey, wave: Wave, session: Session, language: str
                   ) -> tuple[str, list[list[Button]]]:
    lines = [_("Please check your answers before you submit them:")]
    changes: list[Button] = []
    for n, q in enumerate(survey.applicable(session.answers), 1):
        if q.id not in session.answers:
            continue
        text = survey.t(q.text, language)
        answer = answer_text(survey, q, session.answers[q.id], language)
        lines.append(f"{n}. {_label(text)}\n   → {answer}")
        changes.append(Button(_("Change {n}").format(n=n), _data(wave, "c", q.index)))
    lines.append(_("Press Submit to send them, or Change to correct one. Once submitted, "
                   "they cannot be changed."))
    buttons = [changes[i:i + 4] for i in range(0, len(changes), 4)]
    buttons.append([Button(_("Submit"), _data(wave, "ok"))])
    return "\n".join(lines), buttons


@dataclass
class Taking:
    """One participant's survey in one wave, as a handler works on it."""

    ctx: Context
    survey: Survey
    wave: Wave
    session: Session

    @property
    def repo(self) -> SurveyRepository:
        return repository(self.ctx.services)

    @property
    def language(self) -> str:
        return self.ctx.language.code

    def _settle(self) -> None:
        """Point the session at the question to ask, or at the review."""
        s = self.session
        if s.state != "review" and s.current is None:
            s.current = self.survey.next_index(s.answers)
            if s.current is None:
                s.state = "review"

    async def save(self) -> None:
        self._settle()
        await self.repo.save_session(self.session, self.ctx.services.clock.timestamp())

    async def show(self, prefix: str = "") -> None:
        """Ask the current question, or show the review."""
        s = self.session
        self._settle()
        if s.state == "review":
            text, buttons = review_message(self.survey, self.wave, s, self.language)
        else:
            assert s.current is not None
            text, buttons = question_message(self.survey, self.wave, s,
                                             self.survey.questions[s.current], self.language)
        await self.say((prefix + "\n\n" if prefix else "") + text, buttons)

    async def say(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        """Write to the participant in the private chat they answer in. Messages that may
        repeat answers to an anonymous survey carry a key, so that submitting can remove
        their text from the outbox (otherwise the outbox would keep answers and recipient
        together)."""
        key = None
        if self.survey.anonymous:
            key = f"{anonymous_prefix(self.wave.id, self.ctx.participant.id)}{uuid4().hex}"
        await self.ctx.send(self.ctx.private_chat, text, buttons=buttons, dedupe_key=key)

    async def answer(self, q: Question, value: Any) -> None:
        s = self.session
        s.answers[q.id] = value
        s.selection = []
        s.current = self.survey.next_index(s.answers)
        s.state = "answering" if s.current is not None else "review"
        await self.save()
        await self.show()

    async def submit(self) -> None:
        ctx = self.ctx
        services = ctx.services
        answers = self.survey.clean(self.session.answers)
        missing = self.survey.next_index(answers)
        if missing is not None:  # a changed answer brought a new question in
            self.session.state, self.session.current = "answering", missing
            await self.save()
            await self.show()
            return
        stored = await self.repo.submit(self.session, answers, anonymous=self.survey.anonymous,
                                        language=self.language, platform=ctx.platform,
                                        now=services.clock.timestamp())
        if stored is None:
            await ctx.reply_private(_("These answers were already submitted. Thank you!"))
            return
        if self.survey.anonymous:
            await self.repo.redact_outbox(anonymous_prefix(self.wave.id, ctx.participant.id),
                                          "[anonymous survey]")
        log.info("survey %s: a response was submitted (wave %d)", self.survey.name,
                 self.wave.id)
        await cancel_reminders(services, self.wave.id, ctx.participant.id)
        text = _("Thank you! Your answers to \"{title}\" are submitted.").format(
            title=self.survey.t(self.survey.title, self.language))
        if self.survey.anonymous:
            text += " " + _("They are stored without your name.")
        await ctx.reply_private(text)
        if not self.survey.anonymous and self.survey.shortlisted(answers) and \
                not self.survey.declined_interview(answers):
            await offer_slots(services, ctx.participant.id, first=True)


async def taking(ctx: Context, wave: Wave, survey: Survey) -> Taking | None:
    session = await repository(ctx.services).session(wave.id, ctx.participant.id)
    return Taking(ctx, survey, wave, session) if session else None


async def take(ctx: Context, wave: Wave, survey: Survey) -> None:
    """Start or resume this survey for the author, in their private chat."""
    services = ctx.services
    repo = repository(services)
    invitation = await repo.invitation(wave.id, ctx.participant.id)
    if invitation is None:
        await invite(services, wave, survey, ctx.participant.id, send=False)
        invitation = await repo.invitation(wave.id, ctx.participant.id)
    if invitation is not None and invitation.completed:
        await ctx.reply_private(_("You have already answered \"{title}\". Thank you!").format(
            title=survey.t(survey.title, ctx.language.code)))
        return
    session = await repo.session(wave.id, ctx.participant.id)
    prefix = ""
    if session is None:
        session = Session(wave.id, ctx.participant.id, "answering", None, {}, [], 0.0)
        title = survey.t(survey.title, ctx.language.code)
        intro = survey.t(survey.intro, ctx.language.code)
        prefix = f"📋 {title}" + (f"\n{intro}" if intro else "") + "\n" + _(
            "You can stop at any time with Continue later and come back where you left off.")
    else:
        if session.state == "paused":
            session.state = "review" if session.current is None and \
                survey.next_index(session.answers) is None else "answering"
        prefix = _("Welcome back: let us continue where you left off.")
    run = Taking(ctx, survey, wave, session)
    await run.save()
    await run.show(prefix)


async def on_button(ctx: Context) -> None:
    """sv:<wave>:<action>[:<question>[:<value>]]"""
    parts = ctx.callback_payload.split(":")
    services = ctx.services
    wave = await repository(services).wave(int(parts[0])) if parts[0].isdigit() else None
    survey = survey_named(services, wave.survey) if wave else None
    if wave is None or survey is None or len(parts) < 2:
        await ctx.reply(_("This survey is no longer available."))
        return
    action, args = parts[1], parts[2:]
    if action == "go":
        await take(ctx, wave, survey)
        return
    run = await taking(ctx, wave, survey)
    if run is None:
        invitation = await repository(services).invitation(wave.id, ctx.participant.id)
        if invitation is not None and invitation.completed:
            await ctx.reply_private(_("These answers were already submitted. Thank you!"))
        else:
            await take(ctx, wave, survey)
        return
    s = run.session
    if action == "p":
        s.state = "paused"
        await run.save()
        await ctx.reply_private(_("Paused. Your answers so far are saved; press the button "
                                  "when you want to continue."),
                                buttons=start_button(wave, _("Continue")))
        return
    if action == "ok":
        if s.state != "review":
            await _stale(run)
            return
        await run.submit()
        return
    index = int(args[0]) if args and args[0].isdigit() else -1
    if not 0 <= index < len(survey.questions):
        await _stale(run)
        return
    q = survey.questions[index]
    if action == "c":
        if s.state != "review" or q.id not in s.answers:
            await _stale(run)
            return
        previous = s.answers.pop(q.id)
        s.state, s.current = "answering", index
        s.selection = list(previous) if q.kind == "multiple" and previous else []
        await run.save()
        await run.show(_("Your answer was: {answer}").format(
            answer=answer_text(survey, q, previous, run.language)))
        return
    if s.state != "answering" or s.current != index:
        await _stale(run)
        return
    if action == "s" and q.optional:
        await run.answer(q, None)
    elif action == "a" and len(args) > 1:
        value = _button_value(q, args[1], len(survey.options(q, run.language)))
        if value is None:
            await _stale(run)
            return
        await run.answer(q, value)
    elif action == "t" and q.kind == "multiple" and len(args) > 1 and args[1].isdigit():
        n = int(args[1])
        s.selection = sorted(set(s.selection) ^ {n})
        await run.save()
        await run.show()
    elif action == "d" and q.kind == "multiple":
        if not s.selection:
            await run.show(_("Choose at least one option first.") + (
                " " + _("Or press Skip.") if q.optional else ""))
            return
        await run.answer(q, list(s.selection))
    else:
        await _stale(run)


def _button_value(q: Question, raw: str, options: int) -> Any | None:
    if q.kind == "yesno":
        return raw if raw in ("yes", "no") else None
    if not re.fullmatch(r"-?\d+", raw):
        return None
    value = int(raw)
    if q.kind == "scale":
        return value if q.low <= value <= q.high else None
    if q.kind == "single":
        return value if 1 <= value <= options else None
    return None


async def _stale(run: Taking) -> None:
    await run.show(_("That button belongs to an earlier step; here is where you are now."))


async def on_message(ctx: Context) -> bool:
    """Typed text in a private chat while a survey is being answered goes to it."""
    if not ctx.event.chat.is_private or not ctx.participant.id:
        return False
    services = ctx.services
    session = await repository(services).active_session(ctx.participant.id)
    if session is None:
        return False
    wave = await repository(services).wave(session.wave_id)
    survey = survey_named(services, wave.survey) if wave else None
    if wave is None or survey is None:
        return False
    run = Taking(ctx, survey, wave, session)
    text = ctx.event.text.strip()
    if session.state == "review" or session.current is None:
        await run.show(_("Please use the buttons: Submit, or Change to correct an answer."))
        return True
    q = survey.questions[session.current]
    if q.kind == "text":
        if not text:
            await ctx.reply_private(_("Please type your answer as text."))
            return True
        if len(text) > MAX_TEXT_ANSWER:
            await ctx.reply_private(_("Your answer is too long: {max} characters at most. "
                                      "Please shorten it.").format(max=MAX_TEXT_ANSWER))
            return True
        await run.answer(q, text)
        return True
    value = parse_typed(survey, q, text, run.language)
    if value is None:
        await run.say(_("\"{text}\" is not one of the answers to this question.").format(
            text=text[:60]) + "\n" + _choices_text(survey, q, run.language),
            question_message(survey, wave, session, q, run.language)[1])
        return True
    await run.answer(q, value)
    return True


# --- waves, invitations, reminders -----------------------------------------------------
def reminder_days(services: Services, survey: str) -> list[int]:
    section = services.config.surveys
    return sorted(section.reminder_days_by_survey.get(survey, section.reminder_days))


def private_chat(platform: str, user_id: str) -> ChatRef:
    return ChatRef(platform, user_id, ChatKind.PRIVATE)


async def invite(services: Services, wave: Wave, survey: Survey, participant_id: int, *,
                 send: bool = True) -> bool:
    """Invite one participant (once per wave), with their reminders; True when new."""
    repo = repository(services)
    if await repo.consent_declined(participant_id):
        return False
    reach = await repo.reach(participant_id)
    if reach is None:
        return False
    now = services.clock.timestamp()
    if not await repo.invite(wave.id, reach, now):
        return False
    cohort = services.cohorts.get(wave.cohort)
    zone = cohort.zone.key if cohort else services.config.bot.timezone
    days = wave.reminder_days
    await services.schedules.add_many([
        NewSchedule(kind=REMINDER_KIND, participant_id=participant_id, platform=reach.platform,
                    chat_id=reach.user_id, chat_kind="private",
                    payload={"wave": wave.id, "n": n, "of": len(days)}, timezone=zone,
                    next_at=now + d * DAY)
        for n, d in enumerate(days, 1)], now)
    if send:
        with use_language(services.language_for(reach.language)) as pack:
            title = survey.t(survey.title, pack.code)
            text = _("📋 {title}\nYou are invited to answer this survey. It is taken here, "
                     "one question at a time; you can pause and continue later.").format(
                title=title)
            if survey.anonymous:
                text += "\n" + _("It is anonymous: your answers are stored without your name.")
            msg = OutboundMessage(private_chat(reach.platform, reach.user_id),
                                  rtl_marked(text, pack),
                                  buttons=start_button(wave, _("Start")))
        await services.outbox.enqueue(msg, priority=BULK,
                                      dedupe_key=f"survey-invite:{wave.id}:{participant_id}")
    return True


async def invite_cohort(services: Services, wave: Wave, survey: Survey) -> int:
    count = 0
    for member in await services.cohorts.repo.members(wave.cohort):
        if await invite(services, wave, survey, member.participant_id):
            count += 1
    await services.scheduler.rearm()
    return count


async def open_wave(services: Services, survey: Survey, cohort: Cohort,
                    started_by: int | None) -> tuple[Wave, bool, int]:
    """Open (or find open) the survey's wave for the cohort and invite its members."""
    repo = repository(services)
    wave, opened = await repo.open_wave(survey.name, cohort.code, services.clock.timestamp(),
                                        started_by, reminder_days(services, survey.name))
    if opened and wave.schedule_id:
        await services.schedules.cancel(wave.schedule_id)
    invited = await invite_cohort(services, wave, survey)
    if opened:
        log.info("survey %s opened for cohort %s: %d invited", survey.name, cohort.code,
                 invited)
    return wave, opened, invited


async def cancel_reminders(services: Services, wave_id: int, participant_id: int) -> None:
    for schedule in await services.schedules.active(kind=REMINDER_KIND,
                                                    participant_id=participant_id):
        if schedule.data.get("wave") == wave_id:
            await services.schedules.cancel(schedule.id)
    await services.scheduler.rearm()


async def fire_wave(services: Services, schedule: Schedule, firing: Firing) -> None:
    wave = await repository(services).wave(int(schedule.data["wave"]))
    survey = survey_named(services, wave.survey) if wave else None
    cohort = services.cohorts.get(wave.cohort) if wave else None
    if wave is None or survey is None or cohort is None:
        return
    await open_wave(services, survey, cohort, None)


async def fire_reminder(services: Services, schedule: Schedule, firing: Firing) -> None:
    repo = repository(services)
    wave = await repo.wave(int(schedule.data["wave"]))
    participant_id = schedule.participant_id or 0
    invitation = await repo.invitation(wave.id, participant_id) if wave else None
    survey = survey_named(services, wave.survey) if wave else None
    if wave is None or survey is None or invitation is None or invitation.completed:
        return
    reach = await repo.reach(participant_id)
    if reach is None:
        return
    session = await repo.session(wave.id, participant_id)
    with use_language(services.language_for(reach.language)) as pack:
        title = survey.t(survey.title, pack.code)
        if session is None:
            text = _("⏰ Reminder: \"{title}\" is waiting for your answers.").format(title=title)
        else:
            text = _("⏰ Reminder: you started \"{title}\"; your answers so far are saved."
                     ).format(title=title)
        if schedule.data.get("n") == schedule.data.get("of"):
            text += "\n" + _("This is the last reminder.")
        label = _("Continue") if session else _("Start")
        msg = OutboundMessage(private_chat(reach.platform, reach.user_id), rtl_marked(text, pack),
                              buttons=start_button(wave, label))
    from bot.scheduler import dedupe_key

    await services.outbox.enqueue(msg, priority=SCHEDULED,
                                  dedupe_key=dedupe_key(schedule, firing))


async def plan_waves(services: Services) -> None:
    """At start-up: the scheduled waves of every cohort exist (once) with their schedule."""
    known = surveys(services)
    repo = repository(services)
    now = services.clock.timestamp()
    for cohort in services.cohorts.all():
        for name in (PRE_ASSESSMENT, "assessment", "impact"):
            moment = scheduled_moment(name, cohort)
            if name not in known or moment is None:
                continue
            at = moment.timestamp()
            wave = await repo.plan_wave(name, cohort.code, at, reminder_days(services, name)) \
                or await repo.wave_for(name, cohort.code)
            if wave is None or wave.status != "planned":
                continue
            if wave.schedule_id is not None and wave.opens_at == at:
                existing = await services.schedules.get(wave.schedule_id)
                if existing is not None and existing.status == "active":
                    continue
            if wave.schedule_id is not None:  # the cohort's dates changed
                await services.schedules.cancel(wave.schedule_id)
            schedule_id = await services.schedules.add(NewSchedule(
                kind=WAVE_KIND, participant_id=None, platform="bot",
                chat_id=f"cohort:{cohort.code}", chat_kind="group",
                payload={"wave": wave.id, "survey": name, "cohort": cohort.code},
                timezone=cohort.zone.key, next_at=at), now)
            await repo.set_wave_schedule(wave.id, schedule_id, at)


async def on_enrolled(services: Services, cohort: Cohort, participant_id: int) -> None:
    """A newcomer gets the invitations of the cohort's open waves."""
    invited = False
    for wave in await repository(services).waves(cohort=cohort.code, status="open"):
        survey = survey_named(services, wave.survey)
        if survey is not None:
            invited |= await invite(services, wave, survey, participant_id)
    if invited:
        await services.scheduler.rearm()


async def timeline(services: Services, cohort: Cohort) -> list[Planned]:
    from bot.timeline import Planned

    entries: list[Planned] = []
    known = surveys(services)
    waves = {w.survey: w for w in await repository(services).waves(cohort=cohort.code)}
    names = [n for n in known if n in waves or scheduled_moment(n, cohort) is not None]
    with use_language(services.language_for(cohort.default_language)):
        for name in names:
            survey = known[name]
            wave = waves.get(name)
            moment = scheduled_moment(name, cohort)
            if wave is not None:
                at = datetime.fromtimestamp(wave.opened_at or wave.opens_at, UTC)
                days = wave.reminder_days
            else:
                assert moment is not None
                at, days = moment, reminder_days(services, name)
            title = survey.t(survey.title, cohort.default_language)
            entries.append(Planned(at, "each participant of the cohort (then each newcomer)",
                                   "private message", f"📋 {title} (survey {name})", "survey"))
            for n, d in enumerate(days, 1):
                entries.append(Planned(
                    at + timedelta(days=d), "participants who have not finished",
                    "private message",
                    f"⏰ Reminder {n} of {len(days)}: {title} ({d} days after the invitation)",
                    "reminder"))
    return entries


# --- the interview shortlist and its slots ---------------------------------------------
SLOT_CALLBACK = "slot"
INTERVIEW_REMINDER_KIND = "interview_reminder"
MAX_OFFERED = 8


@dataclass(frozen=True)
class Shortlisted:
    participant_id: int
    survey: Survey
    wave: Wave
    answers: Answers
    declined: bool  # answered "no" to the `interview` question

    def reasons(self, language: str) -> list[str]:
        return [f"{q.id} = {answer_text(self.survey, q, self.answers.get(q.id), language)}"
                for q in self.survey.questions
                if q.triggers_shortlist(self.answers.get(q.id))]


async def shortlist(services: Services, names: list[str] | None = None,
                    cohorts: set[str] | None = None) -> list[Shortlisted]:
    """Respondents of named surveys whose answers put them on the interview shortlist."""
    repo = repository(services)
    found: list[Shortlisted] = []
    for name, survey in surveys(services).items():
        if survey.anonymous or (names is not None and name not in names) or not any(
                q.shortlist or q.shortlist_options for q in survey.questions):
            continue
        waves = {w.id: w for w in await repo.waves(survey=name)
                 if cohorts is None or w.cohort in cohorts}
        for response in await repo.responses(list(waves), anonymous=False):
            if response.participant_id is not None and survey.shortlisted(response.answers):
                found.append(Shortlisted(response.participant_id, survey,
                                         waves[response.wave_id], response.answers,
                                         survey.declined_interview(response.answers)))
    return found


async def participant_zone(services: Services, participant_id: int) -> ZoneInfo:
    participant = await services.participants.get(participant_id)
    if participant is not None and participant.timezone:
        return ZoneInfo(participant.timezone)
    return services.default_zone()


def slot_buttons(slots: list[Slot], zone: ZoneInfo) -> list[list[Button]]:
    return [[Button(format_datetime(datetime.fromtimestamp(s.starts_at, UTC), zone),
                    f"{SLOT_CALLBACK}:{s.id}")] for s in slots[:MAX_OFFERED]]


async def offer_slots(services: Services, participant_id: int, *, first: bool = False) -> bool:
    """Offer the free interview slots to a shortlisted respondent (not to one who already
    has an interview); True when some were offered."""
    repo = repository(services)
    now = services.clock.timestamp()
    if participant_id in await repo.ever_booked():
        return False
    reach = await repo.reach(participant_id)
    if reach is None:
        return False
    free = await repo.slots(now, free_only=True)
    zone = await participant_zone(services, participant_id)
    with use_language(services.language_for(reach.language)) as pack:
        if free:
            text = _("Thank you for telling us about your initiative. Would you have time for "
                     "a short interview by video call about it? Pick a time that suits you "
                     "({zone}):").format(zone=zone.key)
            buttons = slot_buttons(free, zone)
        elif first:
            text = _("Thank you for telling us about your initiative. A facilitator may "
                     "invite you to a short interview by video call: the times to choose from "
                     "will come here.")
            buttons = []
        else:
            return False
        msg = OutboundMessage(private_chat(reach.platform, reach.user_id), rtl_marked(text, pack),
                              buttons=buttons)
    await services.outbox.enqueue(msg, priority=INTERACTIVE)
    return bool(free)
