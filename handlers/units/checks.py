"""The knowledge check after each pre-learning unit: asking its questions one at a time
(a native quiz poll on Telegram, buttons elsewhere), recording which poll is which question,
taking the answers from buttons and poll votes, and scoring (see handlers/units/commands.py)."""

from __future__ import annotations

import math

from bot.args import choice, echo
from bot.buttons import no_longer_works, parse_int
from bot.content.units import Unit
from bot.context import Context
from bot.i18n import _
from bot.model import Button, OutboundMessage, Poll, PollKind, Tag, poll_key
from bot.services import Services
from handlers.units.content import QUIZ_BUTTON, localized, openings, say_privately, unit_store
from storage.outbox import OutboxItem
from storage.units import QuizPoll

# Outbox keys of knowledge-check questions (idempotence only): quiz:<participant>:<n>:...
QUIZ_KEY = "quiz:"
# Their tag: for the participant, refs (unit, attempt, question).
QUESTION = "unit-check-question"


def pass_mark(questions: int) -> int:
    """Right answers needed to pass: at least two thirds (2 of 3, 3 of 4, 4 of 5)."""
    return math.ceil(questions * 2 / 3)


async def ask(ctx: Context, number: int, unit: Unit, attempt: int, index: int) -> None:
    s = ctx.services
    question = unit.questions[index]
    asked = await unit_store(s).next_ask(ctx.participant.id, number)
    key = f"{QUIZ_KEY}{ctx.participant.id}:{number}:{attempt}:{index}:{asked}"
    tag = Tag(QUESTION, ctx.participant.id, (number, attempt, index))
    head = _("Question {n} of {total}").format(n=index + 1, total=len(unit.questions))
    # A native quiz poll where the platform has them; elsewhere one button per option.
    capabilities = ctx.capabilities
    if capabilities.quiz_polls:
        text = f"{head}: {question.question}"
        if len(text) > capabilities.poll_question_length:
            text = question.question
        poll = Poll(question=text, options=list(question.options), kind=PollKind.QUIZ,
                    correct_option=question.answer - 1, explanation=question.explanation,
                    anonymous=False)
        await say_privately(ctx, text, poll=poll, dedupe_key=key, tag=tag)
        return
    flat = [Button(capabilities.fit_label(option),
                   f"{QUIZ_BUTTON}:{number}:{attempt}:{index}:{i}")
            for i, option in enumerate(question.options, 1)]
    # One option per row, as long as that fits in the rows the platform shows.
    rows = capabilities.button_rows
    per_row = 1 if rows is None or len(flat) <= rows else -(-len(flat) // rows)
    buttons = [flat[i:i + per_row] for i in range(0, len(flat), per_row)]
    await say_privately(ctx, f"{head}\n{question.question}", buttons=buttons, dedupe_key=key,
                        tag=tag)


async def record_quiz_poll(services: Services, item: OutboxItem, msg: OutboundMessage,
                           native_id: str) -> None:
    """After a question went out as a quiz poll: remember which question its answers
    belong to (subscribed to QUESTION tags)."""
    tag = msg.tag
    if tag is None or tag.participant is None or len(tag.refs) != 3 or msg.poll is None:
        return
    number, attempt, question = tag.refs
    await unit_store(services).record_poll(poll_key(native_id), QuizPoll(
        tag.participant, number, attempt, question), services.clock.timestamp())


async def answered(ctx: Context, number: int, attempt: int, index: int, chosen: int,
                   from_button: bool) -> None:
    s = ctx.services
    opening = (await openings(s, ctx.participant.id)).get(number)
    found = localized(s.academy, number, ctx.language.code, opening.cohort.default_language) \
        if s.academy is not None and opening is not None and opening.at <= s.clock.now() \
        else None
    # Not a unit released to them, not a question of it, not one of its options: a button
    # of another content, or forged (a quiz poll's votes are the platform's own).
    if found is None or not 0 <= index < len(found[0].questions) or \
            not 1 <= chosen <= len(found[0].questions[index].options):
        if from_button:
            await ctx.reply(no_longer_works())
        return
    unit = found[0]
    question = unit.questions[index]
    right = chosen == question.answer
    store = unit_store(s)
    if not await store.answer(ctx.participant.id, number, attempt, index, chosen, right,
                              s.clock.timestamp()):
        if from_button:  # an old button, or pressed twice
            await say_privately(ctx, _("You have already answered this question. Type "
                                       "{command} to take the knowledge check again.").format(
                command=ctx.command(f"unit {number}")))
        return
    if right:
        feedback = "✅ " + _("Right!") + " " + question.explanation
    else:
        feedback = "❌ " + _("Not quite: the answer is \"{answer}\".").format(
            answer=question.options[question.answer - 1]) + " " + question.explanation
    await say_privately(ctx, feedback)
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
    await say_privately(ctx, text)


async def quiz_button(ctx: Context) -> None:
    parts = [parse_int(p) for p in ctx.callback_payload.split(":")]
    if len(parts) != 4 or None in parts:
        await ctx.reply(no_longer_works())
        return
    number, attempt, index, chosen = (int(p or 0) for p in parts)
    await answered(ctx, number, attempt, index, chosen, from_button=True)


async def typed_answer(ctx: Context) -> bool:
    """Text typed right after a knowledge-check question answers it: an option's number
    ("2", "٢") or text ("ODD 8"), in the reader's language or the cohort's; anything else
    gets the question again."""
    if not ctx.event.chat.is_private or not ctx.participant.id:
        return False
    s = ctx.services
    store = unit_store(s)
    chat = ctx.event.chat
    asked = await store.asking(ctx.participant.id, chat.platform, chat.chat_id, QUESTION)
    if asked is None:
        return False
    number, attempt, index = asked
    progress = await store.progress_of(ctx.participant.id, number)
    opening = (await openings(s, ctx.participant.id)).get(number)
    if progress is None or progress.attempt != attempt or progress.question != index or \
            opening is None or s.academy is None:
        return False
    wordings = [found[0] for code in (ctx.language.code, opening.cohort.default_language)
                if (found := localized(s.academy, number, code,
                                       opening.cohort.default_language)) is not None
                and index < len(found[0].questions)]
    if not wordings:
        return False
    chosen = choice(ctx.event.text, [list(u.questions[index].options) for u in wordings])
    if chosen is None:
        await say_privately(ctx, _("\"{text}\" is not one of the answers to this question."
                                   ).format(text=echo(ctx.event.text.strip(), 60)))
        await ask(ctx, number, wordings[0], attempt, index)
        return True
    await answered(ctx, number, attempt, index, chosen, from_button=False)
    return True


async def poll_answer(ctx: Context) -> None:
    """A vote on a Telegram quiz poll; polls that are not ours are left to others."""
    event = ctx.event
    if not event.poll_id or not event.option_ids:
        return
    poll = await unit_store(ctx.services).poll(event.poll_id)
    if poll is None or poll.participant_id != ctx.participant.id:
        return
    await answered(ctx, poll.unit, poll.attempt, poll.question, event.option_ids[0] + 1,
                   from_button=False)
