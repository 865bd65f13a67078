"""The good-practice base: /practice new walks a participant through the seed's template,
facilitators review (approve or return with a comment) and export, everyone searches
(/practices [words]) and reads (/practice <n>) approved practices in their own language."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.commands import Command, CommandRegistry, Handler, MessageHandler
from bot.content.practices import load_seed_practices
from bot.context import Context
from bot.exports import write_csv, write_export
from bot.i18n import N_, _, rtl_marked, use_language
from bot.model import Attachment, Button, ChatKind, ChatRef, OutboundMessage
from bot.outbox import INTERACTIVE
from bot.relay import NoTranslation
from bot.services import Services
from storage.practices import (
    FIELDS,
    OPTIONAL_FIELDS,
    Practice,
    PracticeRepository,
    Translation,
    fields_hash,
)

log = logging.getLogger("bot.practices")
CALLBACK = "practice"
MAX_TITLE = 200
MAX_FIELD = 3500
LIST_LIMIT = 20

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
STATUS_NAMES: dict[str, str] = {
    "draft": N_("draft"),
    "submitted": N_("waiting for review"),
    "returned": N_("returned to the author"),
    "approved": N_("approved"),
}


def repository(services: Services) -> PracticeRepository:
    return PracticeRepository(services.db)


def language_name(ctx: Context, code: str) -> str:
    """A language's name in the reader's language ("inglés" for an English reader of es)."""
    return str(ctx.language.locale.languages.get(code, code))


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
    if practice is None or practice.status not in ("draft", "returned"):
        practice = await repo.unfinished_of(ctx.participant.id)
        draft = None
    if practice is None:
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


async def _skip(ctx: Context) -> bool:
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


async def _cancel(ctx: Context) -> bool:
    found = await _active(ctx)
    if found is None:
        return False
    repo, practice, _step = found
    await repo.pause_draft(ctx.participant.id, ctx.services.clock.now())
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
    await ctx.reply(_("Deleted your practice #{n}.").format(n=practice.id))


async def on_button(ctx: Context) -> None:
    action, _sep, rest = ctx.callback_payload.partition(":")
    number, _sep, name = rest.partition(":")
    repo = repository(ctx.services)
    practice = await repo.get(int(number)) if number.isdigit() else None
    if practice is None or practice.author_id != ctx.participant.id or \
            practice.status not in ("draft", "returned") or \
            (action == "edit" and name not in FIELDS) or action not in ("edit", "submit"):
        await ctx.reply(_("This button no longer works. Please use the command again."))
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


# --- reading and searching -------------------------------------------------------------
async def in_reader_language(ctx: Context, practice: Practice) -> tuple[dict[str, str], str]:
    """The practice's fields in the reader's language, and a note saying how (or "")."""
    target = ctx.language.code
    original = practice.fields()
    if target == practice.language:
        return original, ""
    repo = repository(ctx.services)
    written_in = language_name(ctx, practice.language)
    digest = fields_hash(original)
    stored = await repo.translation(practice.id, target)
    if stored is not None and stored.source_sha256 == digest:
        if stored.origin == "engine":
            return stored.fields, _("Translated automatically from {language}.").format(
                language=written_in)
        return stored.fields, ""
    translator = ctx.services.relay.translator
    if isinstance(translator, NoTranslation):
        return original, _("This practice is written in {language}.").format(
            language=written_in)
    texts = {name: value for name, value in original.items() if value.strip()}
    try:
        outcomes = await asyncio.gather(*(
            translator.translate_for(value, {target}, source_hint=practice.language)
            for value in texts.values()))
    except Exception:
        log.exception("translating practice %d into %s failed", practice.id, target)
        outcomes = []
    if len(outcomes) != len(texts) or any(
            target in o.failed or target not in o.texts for o in outcomes):
        return original, _("The translation is unavailable right now; this practice is "
                           "written in {language}.").format(language=written_in)
    translated = dict(original)
    for name, outcome in zip(texts, outcomes, strict=True):
        translated[name] = outcome.texts[target]
    await repo.put_translation(Translation(practice.id, target, translated, digest, "engine"),
                               ctx.services.clock.now())
    return translated, _("Translated automatically from {language}.").format(
        language=written_in)


async def show(ctx: Context, number_text: str) -> None:
    repo = repository(ctx.services)
    number = number_text.lstrip("#")
    practice = await repo.get(int(number)) if number.isdigit() else None
    visible = practice is not None and (
        practice.status == "approved" or ctx.is_facilitator
        or practice.author_id == ctx.participant.id)
    if practice is None or not visible:
        await ctx.reply(_("There is no approved practice #{n}. See the list with {command}."
                          ).format(n=number[:10], command=ctx.command("practices")))
        return
    fields, note = await in_reader_language(ctx, practice)
    parts = [render(practice.id, fields)]
    if practice.status != "approved":
        parts.append(_("Status: {status}").format(status=_(STATUS_NAMES[practice.status])))
    if note:
        parts.append(f"({note})")
    await ctx.reply("\n\n".join(parts))


async def practices_command(ctx: Context) -> None:
    repo = repository(ctx.services)
    words = ctx.event.args_text.strip()
    found = await repo.search(words, limit=LIST_LIMIT)
    if not found:
        if words:
            await ctx.reply(_("No approved practice matches \"{words}\".").format(
                words=words[:60]))
        else:
            await ctx.reply(_("The base has no approved practice yet. Share yours with "
                              "{command}!").format(command=ctx.command("practice new")))
        return
    lines = [_("Good practices matching \"{words}\":").format(words=words[:60]) if words
             else _("Good practices:")]
    for practice in found:
        fields = practice.fields()
        if ctx.language.code != practice.language:
            stored = await repo.translation(practice.id, ctx.language.code)
            if stored is not None and stored.source_sha256 == fields_hash(fields):
                fields = stored.fields
        lines.append(f"#{practice.id} · {fields['title']} — {first_line(fields['objectives'])}")
    lines.append(_("Read one with {command}.").format(command=ctx.command("practice <n>")))
    await ctx.reply("\n".join(lines))


# --- facilitators ----------------------------------------------------------------------
async def _refused(ctx: Context, action: str) -> bool:
    """True (after a polite refusal, audited) when the reader is not a facilitator."""
    if ctx.is_facilitator:
        return False
    s = ctx.services
    await s.audit.record(ctx.participant.id, ctx.platform, f"practice {action}", "refused",
                         s.clock.now())
    await ctx.reply(_("Sorry, {command} is for facilitators only.").format(
        command=ctx.command(f"practice {action}")))
    return True


async def _audit(ctx: Context, action: str, detail: str) -> None:
    s = ctx.services
    await s.audit.record(ctx.participant.id, ctx.platform, f"practice {action}", "done",
                         s.clock.now(), detail=detail[:200])


async def review(ctx: Context) -> None:
    if await _refused(ctx, "review"):
        return
    waiting = await repository(ctx.services).with_status("submitted")
    if not waiting:
        await ctx.reply(_("No practice is waiting for review."))
        return
    lines = [_("Waiting for review:")]
    for p in waiting:
        lines.append(f"#{p.id} · {p.title} ({p.language})")
    lines.append(_("Read one with {read}, then {approve} or {ret}.").format(
        read=ctx.command("practice <n>"), approve=ctx.command("practice approve <n>"),
        ret=ctx.command("practice return <n> <comment>")))
    await ctx.reply("\n".join(lines))


async def _submitted(ctx: Context, args: list[str], usage: str) -> Practice | None:
    repo = repository(ctx.services)
    number = args[0].lstrip("#") if args else ""
    practice = await repo.get(int(number)) if number.isdigit() else None
    if not number:
        await ctx.reply(_("Which practice? {usage}").format(usage=ctx.command(usage)))
        return None
    if practice is None or practice.status != "submitted":
        await ctx.reply(_("Practice #{n} is not waiting for review. See the list with "
                          "{command}.").format(n=number[:10],
                                               command=ctx.command("practice review")))
        return None
    return practice


async def _notify_author(services: Services, practice: Practice, text_for: str,
                         comment: str = "") -> None:
    """Tell the author, in their language, on the account they used last."""
    if practice.author_id is None:
        return
    account = await repository(services).author_account(practice.author_id)
    author = await services.participants.get(practice.author_id)
    if account is None or author is None:
        return
    platform, user_id = account
    with use_language(services.language_for(author.language)) as pack:
        prefix = services.command_prefix(platform)
        if text_for == "approved":
            text = _("Good news: your practice #{n} \"{title}\" is approved and now in the "
                     "base. Everyone can find it with {command}.").format(
                n=practice.id, title=practice.title, command=f"{prefix}practices")
        else:
            text = _("Your practice #{n} \"{title}\" was returned by a facilitator with this "
                     "comment:\n{comment}\nType {command} to revise it and submit it again."
                     ).format(n=practice.id, title=practice.title, comment=comment,
                              command=f"{prefix}practice new")
        msg = OutboundMessage(ChatRef(platform, user_id, ChatKind.PRIVATE),
                              rtl_marked(text, pack))
    await services.outbox.enqueue(msg, priority=INTERACTIVE)


async def approve(ctx: Context) -> None:
    if await _refused(ctx, "approve"):
        return
    practice = await _submitted(ctx, ctx.event.args[1:], "practice approve <n>")
    if practice is None:
        return
    s = ctx.services
    await repository(s).review(practice.id, "approved", ctx.participant.id, None, s.clock.now())
    await _audit(ctx, "approve", f"#{practice.id}")
    await ctx.reply(_("Practice #{n} is approved and in the base.").format(n=practice.id))
    await _notify_author(s, practice, "approved")


async def return_practice(ctx: Context) -> None:
    if await _refused(ctx, "return"):
        return
    args = ctx.event.args[1:]
    practice = await _submitted(ctx, args, "practice return <n> <comment>")
    if practice is None:
        return
    comment = " ".join(args[1:]).strip()
    if not comment:
        await ctx.reply(_("Please add a comment for the author: {usage}").format(
            usage=ctx.command("practice return <n> <comment>")))
        return
    s = ctx.services
    await repository(s).review(practice.id, "returned", ctx.participant.id, comment[:1000],
                               s.clock.now())
    await _audit(ctx, "return", f"#{practice.id}")
    await ctx.reply(_("Practice #{n} is returned to its author with your comment.").format(
        n=practice.id))
    await _notify_author(s, practice, "returned", comment[:1000])


def export_files(services: Services, practices: list[Practice]) -> list[Attachment]:
    """The approved practices as Markdown (headings in the reader's language) and CSV."""
    parts = ["# " + _("Good practices"), ""]
    for p in practices:
        parts += [f"## {p.id}. {p.title}", "", f"_{p.language} · {p.reviewed_at or ''}_", ""]
        for name in FIELDS[1:]:
            value = getattr(p, name).strip()
            if value:
                parts += ["### " + _(LABELS[name]), "", value, ""]
    markdown = write_export(services, "practices", ".md", "\n".join(parts).encode("utf-8"))
    table = write_csv(services, "practices", ["id", "language", "approved_at", *FIELDS],
                      ([p.id, p.language, p.reviewed_at or "", *p.fields().values()]
                       for p in practices))
    return [markdown, table]


async def export(ctx: Context) -> None:
    if await _refused(ctx, "export"):
        return
    s = ctx.services
    approved = await repository(s).with_status("approved")
    if not approved:
        await ctx.reply(_("There is no approved practice to export yet."))
        return
    files = export_files(s, approved)
    await _audit(ctx, "export", f"{len(approved)} practices")
    text = _("Approved practices: {count}. Attached as Markdown and as CSV.").format(
        count=len(approved))
    await ctx.send(ctx.event.chat, text, reply_to=ctx.event.native_id, attachments=files)


# --- the commands ----------------------------------------------------------------------
async def practice_command(ctx: Context) -> None:
    args = ctx.event.args
    word = args[0].lower() if args else ""
    if word == "new":
        await new(ctx)
    elif word == "discard":
        await discard(ctx)
    elif word == "review":
        await review(ctx)
    elif word == "approve":
        await approve(ctx)
    elif word == "return":
        await return_practice(ctx)
    elif word == "export":
        await export(ctx)
    elif word.lstrip("#").isdigit():
        await show(ctx, word)
    else:
        lines = [
            _("{command} — document a good practice, step by step").format(
                command=ctx.command("practice new")),
            _("{command} — read one").format(command=ctx.command("practice <n>")),
            _("{command} — search the approved practices").format(
                command=ctx.command("practices [words]")),
        ]
        if ctx.is_facilitator:
            lines.append(_("Facilitators: {commands}").format(commands=", ".join(
                ctx.command(c) for c in ("practice review", "practice approve <n>",
                                         "practice return <n> <comment>", "practice export"))))
        await ctx.reply("\n".join(lines))


def _chained(mine: MessageHandler, previous: Handler | None, nothing: str) -> Handler:
    """/skip and /cancel may belong to other conversations too: ours answers when a
    practice is being written, else the previous owner of the command does."""
    async def handler(ctx: Context) -> None:
        if await mine(ctx):
            return
        if previous is not None:
            await previous(ctx)
        else:
            await ctx.reply(_(nothing))
    return handler



def _add_shared(registry: CommandRegistry, name: str, mine: MessageHandler, help_text: str,
                nothing: str) -> None:
    existing = registry.get(name)
    handler = _chained(mine, existing.handler if existing else None, nothing)
    if existing is None:
        registry.add(Command(name, handler, help_text))
    else:
        registry.commands[name] = replace(existing, handler=handler)


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("practice", practice_command,
                         N_("Good practices: new, read one, review (facilitators)"),
                         usage=N_("new | <n> | review | approve <n> | return <n> <comment> | "
                                  "export")))
    registry.add(Command("practices", practices_command,
                         N_("Search the base of good practices"), usage=N_("[words]")))
    registry.add_callback(CALLBACK, on_button)
    registry.add_message_handler("practices", on_message)
    registry.startup.append(load_seed_practices)  # the academy's own practices, approved
    _add_shared(registry, "skip", _skip, N_("Skip an optional question"),
                N_("There is nothing to skip right now."))
    _add_shared(registry, "cancel", _cancel, N_("Pause what you are filling in"),
                N_("There is nothing to cancel right now."))
