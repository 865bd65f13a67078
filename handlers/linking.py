"""/link: one participant across Telegram, Discord and the console.

`/link` on one platform gives a short-lived, single-use code; `/link CODE` on another
merges the two accounts into one participant (language, consent and history kept).
"""

from __future__ import annotations

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, use_language
from storage.links import CODE_ALPHABET, LinkRepository

CODE_TTL_SECONDS = 10 * 60


async def link(ctx: Context) -> None:
    s = ctx.services
    links = LinkRepository(s.db)
    now = s.clock.timestamp()
    if not ctx.event.args:
        issued = await links.issue(ctx.participant.id, ctx.platform, now, CODE_TTL_SECONDS)
        await ctx.reply_private(_(
            "Your linking code is {code}. Within {minutes} minutes, send {command} to me on "
            "the other platform, and your accounts will become one."
        ).format(code=issued.code, minutes=CODE_TTL_SECONDS // 60,
                 command=f"/link {issued.code}"))
        return
    code = ctx.event.args[0].strip().upper()
    if len(code) != 8 or any(c not in CODE_ALPHABET for c in code):
        await ctx.reply(_("\"{code}\" is not a linking code. A code has 8 letters and digits; "
                          "get one with {command} on your other platform.").format(
            code=ctx.event.args[0][:20], command=ctx.command("link")))
        return
    issued = await links.redeem(code, now)
    if issued is None:
        await ctx.reply(_("This code is unknown, used or expired. Get a new one with {command} "
                          "on your other platform.").format(command=ctx.command("link")))
        return
    if issued.participant_id == ctx.participant.id:
        await ctx.reply(_("This code belongs to this account. Send it from your account on "
                          "another platform."))
        return
    if issued.platform == ctx.platform:
        await ctx.reply(_("This code was made on this same platform. Send it from your account "
                          "on another platform."))
        return
    await links.merge(keep=issued.participant_id, absorb=ctx.participant.id)
    merged = await s.participants.get(issued.participant_id)
    assert merged is not None
    ctx.participant = merged
    ctx.language = s.catalogs.pack(merged.language or ctx.language.code)
    accounts = await s.participants.accounts_of(merged.id)
    names = ", ".join(f"{a.platform.capitalize()} ({a.display_name})" for a in accounts)
    with use_language(ctx.language):  # from now on, the merged participant's language
        await ctx.reply(_("Done: your accounts are linked. {accounts}").format(accounts=names))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("link", link, N_("Link your accounts on Telegram and Discord"),
                         usage="[code]"))
