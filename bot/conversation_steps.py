"""/skip, /cancel and private text for the conversation waiting for the reader's answer
(bot/conversations.py): the dispatcher and the command registry use these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.consent import has_consent
from bot.conversations import Conversation
from bot.i18n import N_, _

if TYPE_CHECKING:
    from bot.context import Context

NOTHING_TO_SKIP = N_("There is nothing to skip right now.")
NOTHING_TO_CANCEL = N_("There is nothing to cancel right now.")


async def current(ctx: Context, consented: bool) -> Conversation | None:
    """The conversation waiting for the reader's answer in this private chat."""
    if not ctx.event.chat.is_private or not ctx.participant.id:
        return None
    found = await ctx.services.conversations.owner(ctx.participant.id)
    if found is None or (found.needs_consent and not consented):
        return None
    return found


async def take_text(ctx: Context, consented: bool) -> bool:
    """A private text to the conversation waiting for it; False: none took it."""
    found = await current(ctx, consented)
    if found is None:
        return False
    if await found.on_text(ctx):
        return True
    await ctx.services.conversations.end(ctx.participant.id, found.kind)
    return False


async def _command(ctx: Context, skip: bool) -> None:
    """/skip or /cancel: the owner's step, or "there is nothing to …"."""
    found = await current(ctx, has_consent(ctx.participant))
    step = (found.on_skip if skip else found.on_cancel) if found is not None else None
    if step is not None and await step(ctx):
        return
    if found is not None and step is not None:  # it was not waiting after all
        await ctx.services.conversations.end(ctx.participant.id, found.kind)
    await ctx.reply(_(NOTHING_TO_SKIP if skip else NOTHING_TO_CANCEL))


async def skip(ctx: Context) -> None:
    await _command(ctx, skip=True)


async def cancel(ctx: Context) -> None:
    await _command(ctx, skip=False)
