"""/whoami: everything the bot stores about the reader."""

from __future__ import annotations

from bot.clock import from_iso
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import LANGUAGE_NAMES, N_, _, format_datetime


async def whoami(ctx: Context) -> None:
    s = ctx.services
    p = await ctx.reload_participant()
    accounts = await s.participants.accounts_of(p.id)

    def when(stamp: str | None) -> str:
        return format_datetime(from_iso(stamp), ctx.zone) if stamp else "—"

    if p.consent == "given":
        consent = _("given on {date}").format(date=when(p.consent_at))
    elif p.consent == "declined":
        consent = _("declined on {date}").format(date=when(p.consent_at))
    else:
        consent = _("not asked yet")
    lines = [
        _("What I store about you:"),
        "• " + _("Participant number: {id}").format(id=p.id),
        "• " + _("Language: {language}").format(
            language=LANGUAGE_NAMES.get(p.language or "", _("not chosen yet"))),
        "• " + _("Time zone: {zone}").format(zone=ctx.zone.key),
        "• " + _("Consent: {consent}").format(consent=consent),
        "• " + _("First contact: {date}").format(date=when(p.created_at)),
        "• " + _("Accounts:"),
    ]
    lines += [
        "   – " + _("{platform}: {name} (since {date})").format(
            platform=a.platform.capitalize(), name=a.display_name, date=when(a.linked_at))
        for a in accounts
    ]
    roles = [_("facilitator")] if ctx.is_facilitator else []
    lines.append("• " + _("Roles: {roles}").format(roles=", ".join(roles) or _("participant")))
    await ctx.reply_private("\n".join(lines))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("whoami", whoami, N_("See what I store about you")))
