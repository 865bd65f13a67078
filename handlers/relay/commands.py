"""The relay's handlers: messages, edits and deletions in bridged chats, and /original."""

from __future__ import annotations

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import LANGUAGE_NAMES, N_, _
from bot.model import EventKind


async def relay_message(ctx: Context) -> bool:
    relay = ctx.services.relay
    targets = await relay.targets_of(ctx.event)
    if targets is None:
        return False
    if ctx.participant.consent == "declined":
        return True  # they said no: their words stay in this chat
    if not ctx.event.text.strip() and not ctx.event.attachments:
        return True
    now = ctx.services.clock.timestamp()
    _copies, delay = await relay.relay(ctx.event, ctx.participant.id, targets, now)
    if delay and relay.flood.should_warn(ctx.participant.id, now):
        await ctx.reply_private(_(
            "You are writing faster than the linked chats can follow, so I am relaying your "
            "messages a little more slowly. Nothing is lost."))
    return True


async def relay_edit(ctx: Context) -> None:
    await ctx.services.relay.edit(ctx.event, ctx.services.clock.timestamp())


async def relay_delete(ctx: Context) -> None:
    await ctx.services.relay.delete(ctx.event)


async def original(ctx: Context) -> None:
    event = ctx.event
    relay_map = ctx.services.relay.relay_map
    entries = await relay_map.relays_of(event.platform, event.chat.chat_id,
                                        event.reply_to_native_id or "")
    if not event.reply_to_native_id or not entries:
        await ctx.reply(_("Reply to a relayed message with {command} to see it as it was "
                          "written.").format(command=ctx.command("original")))
        return
    lines = []
    for entry in entries:
        source = await relay_map.origin(entry.relay_id)
        if source is None or source.text is None:
            continue
        language = LANGUAGE_NAMES.get(source.language or "", source.language or "?")
        lines.append(_("Original ({language}):").format(language=language) + "\n" + source.text)
    if not lines:
        await ctx.reply(_("I no longer have the original of this message."))
        return
    await ctx.reply_private("\n\n".join(lines))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("original", original,
                         N_("Reply to a relayed message to see it as it was written")))
    registry.add_message_handler("relay", relay_message)
    registry.add_event_handler(EventKind.EDIT.value, relay_edit)
    registry.add_event_handler(EventKind.DELETE.value, relay_delete)
