"""/bridge: facilitators link chats across platforms and languages."""

from __future__ import annotations

import re

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import LANGUAGE_NAMES, N_, _, comma_list, use_language
from bot.scope import Reach, not_your_chat

NAME = re.compile(r"^[\w-]{1,40}$")


async def bridge(ctx: Context) -> None:
    args = ctx.event.args
    sub = args[0].lower() if args else ""
    chat = ctx.event.chat
    if sub in ("join", "leave") and not chat.is_private and \
            not ctx.scope.covers_chat(chat.platform, chat.chat_id):
        await ctx.reply(not_your_chat(ctx.command("bridge")))
        return
    if sub == "list":
        await _list(ctx)
    elif sub == "create" and len(args) == 2:
        await _create(ctx, args[1])
    elif sub == "join" and len(args) in (2, 3):
        await _join(ctx, args[1], args[2].lower() if len(args) == 3 else None)
    elif sub == "leave":
        await _leave(ctx)
    else:
        await ctx.reply(_("Use: {create}, {join} (in the group chat to link), {leave}, {list}."
                          ).format(create=ctx.command("bridge create <name>"),
                                   join=ctx.command("bridge join <name> [language]"),
                                   leave=ctx.command("bridge leave"),
                                   list=ctx.command("bridge list")))


async def _list(ctx: Context) -> None:
    s = ctx.services
    names = [(name, count) for name, count in await s.relay.bridges.names()
             if await ctx.scope.covers_bridge(s.relay.bridges,
                                              await s.relay.bridges.id_of(name) or 0)]
    if not names:
        await ctx.reply(_("There is no bridge yet. Create one with {command}.").format(
            command=ctx.command("bridge create <name>")))
        return
    lines = [_("Bridges:")]
    for name, count in names:
        bridge_id = await s.relay.bridges.id_of(name)
        channels = await s.relay.bridges.channels(bridge_id or 0)
        where = comma_list(f"{c.platform}:{c.title or c.chat_id} ({c.language})"
                          for c in channels)
        lines.append(_("{name}: {count} chats — {where}").format(name=name, count=count,
                                                                  where=where or "—"))
    here = await s.relay.channel_of(ctx.event)
    if here is not None and any(name == here.bridge_name for name, _count in names):
        lines.append(_("This chat is in {name}.").format(name=here.bridge_name))
    await ctx.reply("\n".join(lines))


async def _create(ctx: Context, name: str) -> None:
    if not NAME.match(name):
        await ctx.reply(_("A bridge name has up to 40 letters, digits, - or _, without "
                          "spaces."))
        return
    created = await ctx.services.relay.bridges.create(name, ctx.participant.id,
                                                      ctx.services.clock.timestamp())
    if created is None:
        await ctx.reply(_("There is already a bridge called {name}.").format(name=name))
        return
    await ctx.reply(_("Bridge {name} created. In each group chat to link, type {command}."
                      ).format(name=name, command=ctx.command(f"bridge join {name} [language]")))


async def _join(ctx: Context, name: str, language: str | None) -> None:
    s = ctx.services
    chat = ctx.event.chat
    if chat.is_private:
        await ctx.reply(_("Type this in the group chat you want to link, not here."))
        return
    bridge_id = await s.relay.bridges.id_of(name)
    if bridge_id is not None and not await ctx.scope.covers_bridge(s.relay.bridges,
                                                                   bridge_id):
        bridge_id = None  # another cohort's bridge is answered as one that does not exist
    if bridge_id is None:
        await ctx.reply(_("There is no bridge called {name}. See {command}.").format(
            name=name[:40], command=ctx.command("bridge list")))
        return
    stored = await s.chats.get(chat.platform, chat.chat_id)
    language = language or (stored.language if stored else None) or ctx.language.code
    if language not in s.config.bot.languages:
        await ctx.reply(_("I don't know the language \"{value}\". Choose one of: {choices}."
                          ).format(value=language[:10],
                                   choices=comma_list(s.config.bot.languages)))
        return
    await s.relay.bridges.join(bridge_id, chat.platform, chat.chat_id, chat.kind.value,
                               language, chat.title)
    await s.chats.set_language(chat.platform, chat.chat_id, language)
    with use_language(s.catalogs.pack(language)):  # the chat reads it in its own language
        await ctx.reply(_("This chat is now linked to the bridge {name}, in {language}: "
                          "messages written here are relayed to the other linked chats, "
                          "translated, and theirs appear here.").format(
            name=name, language=LANGUAGE_NAMES.get(language, language)))


async def _leave(ctx: Context) -> None:
    left = await ctx.services.relay.bridges.leave(ctx.event.chat.platform,
                                                  ctx.event.chat.chat_id)
    await ctx.reply(_("This chat is no longer linked.") if left
                    else _("This chat is not linked to any bridge."))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("bridge", bridge, N_("Link group chats across platforms: create, "
                                              "join, leave, list"),
                         usage="create|join|leave|list", facilitator_only=True,
                         scope=Reach.COHORT))
