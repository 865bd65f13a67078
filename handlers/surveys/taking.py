"""Taking a survey: one question at a time in a private chat, resumable, reviewed before
submitting (what the engine's parts share is in handlers/surveys/engine.py).

A session's state is in the database (storage/surveys.py), so a survey survives a pause,
a restart, or a switch to another linked platform. An answer is stored as JSON: an option
number (counted from 1) for single, a list of them for multiple, a number for scale,
"yes"/"no", the text itself, or null for a skipped optional question.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from bot.args import normalized
from bot.buttons import no_longer_works, parse_int
from bot.i18n import _, join_list
from bot.model import Button
from handlers.surveys.engine import button_data, repository, start_button, survey_named
from handlers.surveys.interviews import offer_slots
from handlers.surveys.model import (
    Question,
    Survey,
    answer_text,
    button_label,
    button_value,
    choices_text,
    parse_typed,
)
from handlers.surveys.waves import cancel_reminders, invite, may_take
from storage.surveys import Session, SurveyRepository, Wave

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger("bot.surveys")

MAX_TEXT_ANSWER = 2000
# go, pause, submit, change, skip, answer, toggle, done (see on_button)
ACTIONS = frozenset({"go", "p", "ok", "c", "s", "a", "t", "d"})
CONVERSATION = "survey"  # while a question or the review is shown: bot/conversations.py


# --- taking a survey -------------------------------------------------------------------
def anonymous_prefix(wave_id: int, participant_id: int) -> str:
    return f"survey-anon:{wave_id}:{participant_id}:"


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
            buttons.append([Button(str(v), button_data(wave, "a", q.index, v))
                            for v in values[start:start + 6]])
    elif q.kind == "yesno":
        buttons.append([Button(_("Yes"), button_data(wave, "a", q.index, "yes")),
                        Button(_("No"), button_data(wave, "a", q.index, "no"))])
    elif q.kind == "single":
        for n, option in enumerate(survey.options(q, language), 1):
            buttons.append([Button(button_label(option), button_data(wave, "a", q.index, n))])
    elif q.kind == "multiple":
        options = survey.options(q, language)
        lines.append(_("Choose all that apply, then press Done."))
        if session.selection:
            lines.append(_("Selected: {choices}").format(choices=join_list(
                [options[n - 1] for n in session.selection if 1 <= n <= len(options)],
                language)))
        for n, option in enumerate(options, 1):
            mark = "✓ " if n in session.selection else ""
            buttons.append([Button(button_label(mark + option),
                                   button_data(wave, "t", q.index, n))])
        buttons.append([Button(_("Done"), button_data(wave, "d", q.index), control=True)])
    else:
        lines.append(_("Type your answer in a message."))
    if q.optional:
        lines.append(_("(optional)"))
    last = [Button(_("Skip"), button_data(wave, "s", q.index), control=True)] \
        if q.optional else []
    last.append(Button(_("Continue later"), button_data(wave, "p"), control=True))
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
        lines.append(f"{n}. {button_label(text)}\n   → {answer}")
        changes.append(Button(_("Change {n}").format(n=n), button_data(wave, "c", q.index)))
    lines.append(_("Press Submit to send them, or Change to correct one. Once submitted, "
                   "they cannot be changed."))
    buttons = [changes[i:i + 4] for i in range(0, len(changes), 4)]
    buttons.append([Button(_("Submit"), button_data(wave, "ok"), control=True)])
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

    def _settle(self) -> None:  # point the session at the question to ask, or the review
        s = self.session
        if s.state != "review" and s.current is None:
            s.current = self.survey.next_index(s.answers)
            if s.current is None:
                s.state = "review"

    async def save(self) -> None:
        self._settle()
        await self.repo.save_session(self.session, self.ctx.services.clock.timestamp())

    async def show(self, prefix: str = "", edit: str | None = None) -> None:
        """Ask the current question, or show the review; `edit`: the message to replace
        (the question whose option was just toggled) instead of a new one."""
        s = self.session
        self._settle()
        await self.ctx.services.conversations.begin(self.ctx.participant.id, CONVERSATION)
        if s.state == "review":
            text, buttons = review_message(self.survey, self.wave, s, self.language)
        else:
            assert s.current is not None
            text, buttons = question_message(self.survey, self.wave, s,
                                             self.survey.questions[s.current], self.language)
        await self.say((prefix + "\n\n" if prefix else "") + text, buttons, edit)

    async def say(self, text: str, buttons: list[list[Button]] | None = None,
                  edit: str | None = None) -> None:
        """Write to the participant in the private chat they answer in. Messages that may
        repeat answers to an anonymous survey carry a key, so that submitting can remove
        their text from the outbox (otherwise the outbox would keep answers and recipient
        together)."""
        key = None
        if self.survey.anonymous:
            key = f"{anonymous_prefix(self.wave.id, self.ctx.participant.id)}{uuid4().hex}"
        await self.ctx.send(self.ctx.private_chat, text, buttons=buttons, dedupe_key=key,
                            edit=edit)

    async def answer(self, q: Question, value: Any) -> None:
        s = self.session
        s.answers[q.id] = value
        s.selection = []
        s.current = self.survey.next_index(s.answers)
        s.state = "answering" if s.current is not None else "review"
        await self.save()
        await self.show()

    async def pause(self) -> None:
        self.session.state = "paused"
        await self.save()
        await self.ctx.services.conversations.end(self.ctx.participant.id, CONVERSATION)
        await self.ctx.reply_private(_("Paused. Your answers so far are saved; press the "
                                       "button when you want to continue."),
                                     buttons=start_button(self.wave, _("Continue")))

    async def toggle(self, q: Question, chosen: list[int], edit: str | None = None) -> None:
        """Options pressed or typed: each is selected, or unselected if it was; `edit`:
        the question's message to show it in (a press), else a new one (typed)."""
        self.session.selection = sorted(set(self.session.selection) ^ set(chosen))
        await self.save()
        await self.show(edit=edit)

    async def done(self, q: Question) -> None:
        """Done on a multiple-choice question: the selection is the answer."""
        s = self.session
        count = len(self.survey.options(q, self.language))
        s.selection = [n for n in sorted(set(s.selection)) if 1 <= n <= count]
        if not s.selection:
            await self.show(_("Choose at least one option first.") + (
                " " + _("Or press Skip.") if q.optional else ""))
            return
        await self.answer(q, list(s.selection))

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
        await services.conversations.end(ctx.participant.id, CONVERSATION)
        if stored is None:
            await ctx.reply_private(_("These answers were already submitted. Thank you!"))
            return
        if self.survey.anonymous:
            await self.repo.redact_outbox(anonymous_prefix(self.wave.id, ctx.participant.id),
                                          "[anonymous survey]")
            if services.outbox.tokens is not None:  # which questions applied says too much
                await services.outbox.tokens.forget(ctx.participant.id,
                                                    button_data(self.wave, ""))
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
    number = parse_int(parts[0], 1)
    wave = await repository(services).wave(number) if number is not None else None
    survey = survey_named(services, wave.survey) if wave else None
    if wave is None or survey is None or len(parts) < 2 or parts[1] not in ACTIONS:
        await ctx.reply(no_longer_works())
        return
    if not await may_take(services, wave, ctx.participant.id):
        await ctx.reply(_("\"{title}\" is not open for you at the moment.").format(
            title=survey.t(survey.title, ctx.language.code)))
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
        await run.pause()
        return
    if action == "ok":
        if s.state != "review":
            await _stale(run)
            return
        await run.submit()
        return
    index = parse_int(args[0], 0, len(survey.questions) - 1) if args else None
    if index is None:
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
        value = button_value(q, args[1], len(survey.options(q, run.language)))
        if value is None:
            await _stale(run)
            return
        await run.answer(q, value)
    elif action == "t" and q.kind == "multiple" and len(args) > 1 and \
            (n := parse_int(args[1], 1, len(survey.options(q, run.language)))) is not None:
        # The question shows the new choice in place, where the platform can edit it.
        await run.toggle(q, [n], edit=ctx.event.pressed_native_id
                         if ctx.event.chat.is_private else None)
    elif action == "d" and q.kind == "multiple":
        await run.done(q)
    else:
        await _stale(run)


async def _stale(run: Taking) -> None:
    await run.show(_("That button belongs to an earlier step; here is where you are now."))


async def active_run(ctx: Context) -> Taking | None:
    """The survey this person is answering in their private chat now (not paused)."""
    if not ctx.event.chat.is_private or not ctx.participant.id:
        return None
    services = ctx.services
    session = await repository(services).active_session(ctx.participant.id)
    if session is None:
        return None
    wave = await repository(services).wave(session.wave_id)
    survey = survey_named(services, wave.survey) if wave else None
    if wave is None or survey is None:
        return None
    return Taking(ctx, survey, wave, session)


async def on_message(ctx: Context) -> bool:
    """Typed text in a private chat while a survey is being answered goes to it."""
    run = await active_run(ctx)
    if run is None:
        return False
    survey, wave, session = run.survey, run.wave, run.session
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
    if q.kind == "multiple" and normalized(text) in {"done", normalized(_("Done"))}:
        await run.done(q)
    elif (value := parse_typed(survey, q, text, run.language)) is None:
        await run.say(_("\"{text}\" is not one of the answers to this question.").format(
            text=text[:60]) + "\n" + choices_text(survey, q, run.language),
            question_message(survey, wave, session, q, run.language)[1])
    elif q.kind == "multiple":  # as if their buttons were pressed
        await run.toggle(q, value)
    else:
        await run.answer(q, value)
    return True
