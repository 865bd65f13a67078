"""Writing a good practice with the seed's template: each field's name and what to write in
it, a practice rendered under those names, and the walk through the template (/practice new),
one field at a time, resumable, with /skip, /cancel, /practice discard and the summary's
buttons (see handlers/practices/commands.py)."""

from __future__ import annotations

import logging

from bot.args import echo, number
from bot.buttons import no_longer_works, parse_int
from bot.context import Context
from bot.i18n import N_, _
from bot.model import Button
from bot.services import Services
from storage.practices import FIELDS, OPTIONAL_FIELDS, Practice, PracticeRepository

log = logging.getLogger("bot.practices")
CALLBACK = "practice"
CONVERSATION = "practice"  # while a field is asked, what they type answers it
MAX_TITLE = 200
MAX_FIELD = 3500

# Each field's name and what to write in it, shown one at a time (translated when shown).
LABELS: dict[str, str] = {
    "title": N_("Title"),
    "horizontality": N_("Horizontality"),
    "objectives": N_("Objectives"),
    "stakeholders": N_("Stakeholders and partners"),
    "methodology": N_("Methodological approach"),
    "validation": N_("Validation and effectiveness"),
    "innovation": N_("Innovation"),
    "sustainability": N_("Sustainability"),
    "replicability": N_("Replicability"),
    "contact": N_("Contact"),
    "url": N_("Web page"),
}
EXPLANATIONS: dict[str, str] = {
    "title": N_("A short name for the practice, in one line."),
    "horizontality": N_("How is the practice built on exchange between peers, as equals "
                        "(countries, institutions, people learning from each other)?"),
    "objectives": N_("What does the practice set out to achieve? List its main objectives."),
    "stakeholders": N_("Who took part: institutions, partners, countries, communities?"),
    "methodology": N_("How was it done: the steps, activities and methods."),
    "validation": N_("How do you know it worked: results, evaluations, evidence?"),
    "innovation": N_("What is new or creative about it?"),
    "sustainability": N_("How do its results last once the initial support ends?"),
    "replicability": N_("Could others do it elsewhere? Under which conditions?"),
    "contact": N_("Who to contact about it: name, organisation, e-mail."),
    "url": N_("A web page about the practice."),
}


def repository(services: Services) -> PracticeRepository:
    return services.practices


def first_line(text: str, limit: int = 100) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def render(number: int, fields: dict[str, str]) -> str:
    """A practice as a reader sees it: number and title, then each field under its name."""
    parts = [f"#{number} · {fields.get('title') or '…'}"]
    for name in FIELDS[1:]:
        value = fields.get(name, "").strip()
        if value:
            parts.append(_(LABELS[name]) + "\n" + value)
    return "\n\n".join(parts)


# --- the walk through the template -----------------------------------------------------
def _prompt(ctx: Context, name: str, current: str = "") -> str:
    lines = [_("Good practice, step {n} of {total}: {field}").format(
        n=FIELDS.index(name) + 1, total=len(FIELDS), field=_(LABELS[name])),
        _(EXPLANATIONS[name])]
    if current.strip():
        lines.append(_("Now: {text}").format(text=first_line(current, 300)))
    if name in OPTIONAL_FIELDS:
        lines.append(_("This one is optional: type {skip} to leave it out.").format(
            skip=ctx.command("skip")))
    lines.append(_("Type {cancel} to pause; your answers are kept.").format(
        cancel=ctx.command("cancel")))
    return "\n".join(lines)


async def _summary(ctx: Context, practice: Practice) -> None:
    buttons = [Button(_("✅ Submit for review"), f"{CALLBACK}:submit:{practice.id}")]
    edits = [Button(_("✏️ {field}").format(field=_(LABELS[name])),
                    f"{CALLBACK}:edit:{practice.id}:{name}") for name in FIELDS]
    rows = [buttons] + [edits[i:i + 3] for i in range(0, len(edits), 3)]
    text = "\n\n".join([
        _("Your good practice, as it stands:"),
        render(practice.id, practice.fields()),
        _("Submit it for review, or change a field with its button."),
    ])
    await ctx.reply(text, buttons=rows)


async def _ask(ctx: Context, repo: PracticeRepository, practice: Practice, step: str | None,
               *, editing: bool = False) -> None:
    """Move the participant's draft to `step` (None: the summary) and say so."""
    now = ctx.services.clock.now()
    await repo.set_draft(ctx.participant.id, practice.id, step, now, editing=editing)
    conversations = ctx.services.conversations
    if step is None:
        await conversations.end(ctx.participant.id, CONVERSATION)
    else:
        await conversations.begin(ctx.participant.id, CONVERSATION)
    if step is None:
        await _summary(ctx, practice)
    else:
        await ctx.reply(_prompt(ctx, step, getattr(practice, step) if editing else ""))


async def new(ctx: Context) -> None:
    if not ctx.event.chat.is_private:
        await ctx.reply(_("Let's write it together in a private chat: send me {command} "
                          "there.").format(command=ctx.command("practice new")))
        return
    repo = repository(ctx.services)
    now = ctx.services.clock.now()
    draft = await repo.draft_of(ctx.participant.id)
    practice = await repo.get(draft.practice_id) if draft else None
    args = ctx.event.args[1:]
    if args:  # /practice new <n>: that one of theirs, as the return's message says
        wanted = await repo.get(number(args[0]) or 0)
        if wanted is None or wanted.author_id != ctx.participant.id or \
                wanted.status not in ("draft", "returned"):
            await ctx.reply(_("You have no practice #{n} to work on. {command} continues "
                              "yours.").format(n=echo(args[0].lstrip("#")),
                                               command=ctx.command("practice new")))
            return
        if practice is None or practice.id != wanted.id:
            practice, draft = wanted, None
    elif (practice is None or practice.status != "returned") and (
            returned := await repo.returned_of(ctx.participant.id)):
        # A practice back from review comes before a draft begun since (which is kept).
        practice, draft = returned[0], None
    if practice is None or practice.status not in ("draft", "returned"):
        practice = await repo.unfinished_of(ctx.participant.id)
        draft = None
    if practice is None:
        waiting = ctx.services.config.quotas.practices_waiting_per_participant
        if await repo.count_of(ctx.participant.id, "submitted") >= waiting:
            await ctx.reply(_("You already have {n} practices waiting for review, the most at "
                              "once. You can start another when a facilitator has reviewed "
                              "one.").format(n=waiting))
            return
        practice_id = await repo.create(ctx.participant.id, ctx.language.code, now)
        practice = await repo.get(practice_id)
        assert practice is not None
        await ctx.reply(_(
            "Let's document your good practice, one field at a time ({total} in all), using "
            "the template of the Academy on South-South and Triangular Cooperation. Write "
            "each answer as a message; you can stop at any time and continue later with "
            "{command}.").format(total=len(FIELDS), command=ctx.command("practice new")))
        await _ask(ctx, repo, practice, FIELDS[0])
        return
    if practice.status == "returned" and draft is None:
        await ctx.reply(_("Your practice #{n} came back from the facilitators with this "
                          "comment: {comment}").format(n=practice.id,
                                                       comment=practice.review_comment or "…"))
        await _ask(ctx, repo, practice, None)
        return
    await ctx.reply(_("Welcome back! Let's continue your practice #{n} where you stopped."
                      ).format(n=practice.id))
    step = draft.step if draft and draft.step else None
    if draft is None or (step is None and practice.missing()):
        step = practice.next_empty()
    await _ask(ctx, repo, practice, step, editing=bool(draft and draft.editing))


async def _active(ctx: Context) -> tuple[PracticeRepository, Practice, str] | None:
    """The practice and field this participant is answering now, if any."""
    repo = repository(ctx.services)
    draft = await repo.draft_of(ctx.participant.id)
    if draft is None or not draft.active or draft.step is None:
        return None
    practice = await repo.get(draft.practice_id)
    if practice is None or practice.status not in ("draft", "returned"):
        return None
    return repo, practice, draft.step


async def _advance(ctx: Context, repo: PracticeRepository, practice_id: int, step: str
                   ) -> None:
    """After `step` was answered: the next empty field, or the summary."""
    practice = await repo.get(practice_id)
    assert practice is not None
    draft = await repo.draft_of(ctx.participant.id)
    following = None if draft and draft.editing else practice.next_empty(after=step)
    if following is None and not (draft and draft.editing):
        following = practice.next_empty()  # a required field left behind earlier
        if following in OPTIONAL_FIELDS:
            following = None
    await _ask(ctx, repo, practice, following)


async def on_message(ctx: Context) -> bool:
    """Free text in a private chat while a draft is open: the answer to its current field."""
    if not ctx.event.chat.is_private:
        return False
    found = await _active(ctx)
    if found is None:
        return False
    repo, practice, step = found
    text = ctx.event.text.strip()
    if not text:
        await ctx.reply(_("Please write your answer as text."))
        return True
    limit = MAX_TITLE if step == "title" else MAX_FIELD
    if len(text) > limit:
        await ctx.reply(_("That is {length} characters; {field} takes at most {max}. Please "
                          "shorten it and send it again.").format(
            length=len(text), field=_(LABELS[step]), max=limit))
        return True
    if step == "title":
        text = " ".join(text.split())
    await repo.set_field(practice.id, step, text, ctx.services.clock.now())
    await _advance(ctx, repo, practice.id, step)
    return True


async def skip(ctx: Context) -> bool:
    found = await _active(ctx)
    if found is None:
        return False
    repo, practice, step = found
    if step not in OPTIONAL_FIELDS:
        await ctx.reply(_("{field} is needed for every practice: please write a few words "
                          "about it.").format(field=_(LABELS[step])))
        return True
    await repo.set_field(practice.id, step, "", ctx.services.clock.now())
    await _advance(ctx, repo, practice.id, step)
    return True


async def cancel(ctx: Context) -> bool:
    found = await _active(ctx)
    if found is None:
        return False
    repo, practice, _step = found
    await repo.pause_draft(ctx.participant.id, ctx.services.clock.now())
    await ctx.services.conversations.end(ctx.participant.id, CONVERSATION)
    await ctx.reply(_("Paused. Your practice #{n} is kept: {resume} continues where you "
                      "stopped, {discard} deletes it.").format(
        n=practice.id, resume=ctx.command("practice new"),
        discard=ctx.command("practice discard")))
    return True


async def discard(ctx: Context) -> None:
    repo = repository(ctx.services)
    draft = await repo.draft_of(ctx.participant.id)
    practice = await repo.get(draft.practice_id) if draft else None
    if practice is None:
        practice = await repo.unfinished_of(ctx.participant.id)
    if practice is None or practice.author_id != ctx.participant.id:
        await ctx.reply(_("You have no practice in progress."))
        return
    await repo.delete(practice.id)
    await ctx.services.conversations.end(ctx.participant.id, CONVERSATION)
    await ctx.reply(_("Deleted your practice #{n}.").format(n=practice.id))


async def on_button(ctx: Context) -> None:
    action, _sep, rest = ctx.callback_payload.partition(":")
    number, _sep, name = rest.partition(":")
    repo = repository(ctx.services)
    practice_id = parse_int(number, 1)
    practice = await repo.get(practice_id) if practice_id is not None else None
    if practice is None or practice.author_id != ctx.participant.id or \
            practice.status not in ("draft", "returned") or \
            (action == "edit" and name not in FIELDS) or action not in ("edit", "submit"):
        await ctx.reply(no_longer_works())
        return
    if action == "edit":
        await _ask(ctx, repo, practice, name, editing=True)
        return
    missing = practice.missing()
    if missing:
        await ctx.reply(_("{field} is still empty.").format(field=_(LABELS[missing[0]])))
        await _ask(ctx, repo, practice, missing[0])
        return
    await repo.submit(practice.id, ctx.services.clock.now())
    log.info("practice %d submitted by participant %d", practice.id, ctx.participant.id)
    await ctx.reply(_("Thank you! Your practice #{n} is submitted; a facilitator will review "
                      "it, and I will tell you here.").format(n=practice.id))

