"""Facilitators and the good-practice base: the practices waiting for review, approving or
returning one with a comment (the author is told), and exporting the approved ones as Markdown
and CSV; each action audited, refused politely to others (see handlers/practices/commands.py)."""

from __future__ import annotations

from bot.args import echo, number
from bot.context import Context
from bot.exports import write_csv, write_export
from bot.i18n import _, rtl_marked, use_language
from bot.model import Attachment, ChatKind, ChatRef, OutboundMessage
from bot.outbox import INTERACTIVE
from bot.scope import FacilitatorScope
from bot.services import Services
from handlers.practices.template import LABELS, repository
from storage.practices import FIELDS, Practice


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


async def in_scope(ctx: Context, practices: list[Practice], *, academy: bool = False
                   ) -> list[Practice]:
    """The practices whose author is in the reader's cohorts (every practice for a
    facilitator of every cohort); with `academy`, also the academy's own (no author)."""
    return await in_scope_of(ctx.scope, practices, academy=academy)


async def in_scope_of(scope: FacilitatorScope, practices: list[Practice], *,
                      academy: bool = False) -> list[Practice]:
    """`in_scope` for a caller without a chat event (the web dashboard)."""
    return [p for p in practices
            if (academy and p.author_id is None and p.seed_key is not None)
            or (p.author_id is not None and await scope.covers_participant(p.author_id))
            or scope.everywhere]


async def _audit(ctx: Context, action: str, detail: str) -> None:
    s = ctx.services
    await s.audit.record(ctx.participant.id, ctx.platform, f"practice {action}", "done",
                         s.clock.now(), detail=detail[:200])


async def review(ctx: Context) -> None:
    if await _refused(ctx, "review"):
        return
    waiting = await in_scope(ctx, await repository(ctx.services).with_status("submitted"))
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
    typed = args[0].lstrip("#") if args else ""
    practice_id = number(typed)
    practice = await repo.get(practice_id) if practice_id is not None else None
    if not typed:
        await ctx.reply(_("Which practice? {usage}").format(usage=ctx.command(usage)))
        return None
    if practice is None or practice.status != "submitted" or not await in_scope(ctx, [practice]):
        # Another cohort's practice is answered as one that is not waiting.
        await ctx.reply(_("Practice #{n} is not waiting for review. See the list with "
                          "{command}.").format(n=echo(typed),
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
                              command=f"{prefix}practice new {practice.id}")
        msg = OutboundMessage(ChatRef(platform, user_id, ChatKind.PRIVATE),
                              rtl_marked(text, pack))
    await services.outbox.enqueue(msg, priority=INTERACTIVE)


async def approve(ctx: Context) -> None:
    if await _refused(ctx, "approve"):
        return
    practice = await _submitted(ctx, ctx.event.args[1:], "practice approve <n>")
    if practice is None:
        return
    await decide(ctx.services, practice, ctx.participant.id, ctx.platform, "approved")
    await ctx.reply(_("Practice #{n} is approved and in the base.").format(n=practice.id))


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
    await decide(ctx.services, practice, ctx.participant.id, ctx.platform, "returned",
                 comment)
    await ctx.reply(_("Practice #{n} is returned to its author with your comment.").format(
        n=practice.id))


async def decide(services: Services, practice: Practice, reviewer_id: int, platform: str,
                 status: str, comment: str = "") -> None:
    """Approve or return a submitted practice, audited, its author told: the one path of
    /practice approve|return and of the web dashboard (platform "web")."""
    comment = comment[:1000]
    now = services.clock.now()
    await repository(services).review(practice.id, status, reviewer_id, comment or None, now)
    action = "approve" if status == "approved" else "return"
    await services.audit.record(reviewer_id, platform, f"practice {action}", "done", now,
                                detail=f"#{practice.id}")
    await _notify_author(services, practice, status, comment)


async def export_files(services: Services, practices: list[Practice]) -> list[Attachment]:
    """The approved practices as Markdown (headings in the reader's language) and CSV."""
    parts = ["# " + _("Good practices"), ""]
    for p in practices:
        parts += [f"## {p.id}. {p.title}", "", f"_{p.language} · {p.reviewed_at or ''}_", ""]
        for name in FIELDS[1:]:
            value = getattr(p, name).strip()
            if value:
                parts += ["### " + _(LABELS[name]), "", value, ""]
    markdown = await write_export(services, "practices", ".md", "\n".join(parts).encode("utf-8"))
    table = await write_csv(services, "practices", ["id", "language", "approved_at", *FIELDS],
                            ([p.id, p.language, p.reviewed_at or "", *p.fields().values()]
                             for p in practices))
    return [markdown, table]


async def export(ctx: Context) -> None:
    if await _refused(ctx, "export"):
        return
    s = ctx.services
    approved = await in_scope(ctx, await repository(s).with_status("approved"),
                              academy=True)
    if not approved:
        await ctx.reply(_("There is no approved practice to export yet."))
        return
    files = await export_files(s, approved)
    await _audit(ctx, "export", f"{len(approved)} practices")
    text = _("Approved practices: {count}. Attached as Markdown and as CSV.").format(
        count=len(approved))
    await ctx.send(ctx.event.chat, text, reply_to=ctx.event.native_id, attachments=files)
