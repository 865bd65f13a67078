"""/announce: one message from the facilitators to every group chat and/or participant."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, format_datetime, rtl_marked, use_language
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.outbox import BULK
from bot.scope import FacilitatorScope, Reach
from bot.services import Services

AUDIENCES = ("all", "channels", "participants")
MAX_TEXT = 3500
STATUS_SCAN = 100  # the latest announcements looked at for the ones the reader may see


def _header(services: Services, language: str | None, text: str) -> str:
    with use_language(services.language_for(language)) as pack:
        return rtl_marked(_("📢 Announcement from the facilitators:"), pack) + "\n" + text


async def _queue(services: Services, announcement_id: int, audience: str, text: str,
                 scope: FacilitatorScope) -> int:
    """Queue the copies; a facilitator of some cohorts reaches only their cohorts' group
    chats (their configured channels) and members."""
    batch: list[tuple[OutboundMessage, str | None]] = []
    if audience in ("all", "channels"):
        for chat in await services.chats.groups():
            if not scope.covers_chat(chat.platform, chat.chat_id):
                continue
            ref = ChatRef(chat.platform, chat.chat_id, ChatKind.GROUP, title=chat.title)
            batch.append((OutboundMessage(ref, _header(services, chat.language, text)),
                          f"announce:{announcement_id}:{chat.platform}:{chat.chat_id}"))
    if audience in ("all", "participants"):
        members = await scope.members()
        for r in await services.participants.reachable():
            if members is not None and r.participant_id not in members:
                continue
            ref = ChatRef(r.platform, r.user_id, ChatKind.PRIVATE)
            batch.append((OutboundMessage(ref, _header(services, r.language, text)),
                          f"announce:{announcement_id}:{r.platform}:{r.user_id}"))
    await services.outbox.enqueue_many(batch, BULK)
    return len(batch)


async def announce(ctx: Context) -> None:
    s = ctx.services
    args = ctx.event.args
    if not args:
        await ctx.reply(_("Write the announcement after the command: {example}. Start with "
                          "\"channels\" or \"participants\" to reach only group chats or only "
                          "private chats; {status} shows the delivery.").format(
            example=ctx.command("announce The session starts at 10:00"),
            status=ctx.command("announce status")))
        return
    if args[0].lower() == "status":
        await status(ctx)
        return
    audience = args[0].lower() if args[0].lower() in AUDIENCES else "all"
    text = " ".join(args[1:] if audience == args[0].lower() else args).strip()
    if not text:
        await ctx.reply(_("The announcement is empty."))
        return
    if len(text) > MAX_TEXT:
        await ctx.reply(_("The message is too long: {max} characters at most.").format(
            max=MAX_TEXT))
        return
    announcement_id = await s.announcements.create(ctx.participant.id, audience, text,
                                                   s.clock.timestamp())
    count = await _queue(s, announcement_id, audience, text, ctx.scope)
    await s.announcements.set_recipients(announcement_id, count)
    await ctx.reply(_("Announcement #{n} is on its way to {count} chats. {status} shows the "
                      "delivery.").format(n=announcement_id, count=count,
                                          status=ctx.command("announce status")))


async def status(ctx: Context) -> None:
    s = ctx.services
    latest = [a for a in await s.announcements.latest(STATUS_SCAN)
              if await ctx.scope.covers_facilitator(a.created_by)][:3]
    if not latest:
        await ctx.reply(_("No announcement yet."))
        return
    lines = [_("Announcements:")]
    for a in latest:
        counts = await s.outbox.repo.counts_for_prefix(f"announce:{a.id}:")
        lines.append(_("#{n} ({when}): {sent} delivered, {pending} pending, {failed} failed, of "
                       "{total}").format(
            n=a.id, when=format_datetime(datetime.fromtimestamp(a.created_at, UTC), ctx.zone),
            sent=counts.sent, pending=counts.pending, failed=counts.failed, total=a.recipients))
    await ctx.reply("\n".join(lines))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("announce", announce,
                         N_("Send an announcement to every chat; also status"),
                         usage=N_("[channels|participants] <text>"), facilitator_only=True,
                         scope=Reach.COHORT))
