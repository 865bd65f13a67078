"""/dashboard: a facilitator gets a private, single-use login link to the web dashboard."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import _
from bot.web.access import LINK_SECONDS


async def dashboard_command(ctx: Context) -> None:
    access = ctx.services.web
    if access is None:
        await ctx.tell_asker(_("The web dashboard is not switched on here (the [web] section "
                               "of the configuration)."))
        return
    link = access.issue(ctx.participant.id)
    # The link opens a session: it goes to the facilitator alone, never into a group.
    await ctx.reply_private(_("Your dashboard: {link}\nThe link works once, for {minutes} "
                              "minutes. Do not share it.").format(
        link=link, minutes=LINK_SECONDS // 60))
