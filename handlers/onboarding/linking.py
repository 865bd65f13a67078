"""/link: one participant across Telegram, Discord and the console.

`/link` on one platform gives a short-lived, single-use code; `/link CODE` on another shows
whose account it joins and what moves, and only **Confirm** merges the two accounts into
one participant (the code's owner's: language, consent and history kept). The code stays
valid until it is used or expires, so Cancel changes nothing.

What a code must never do (issue 19): hand one person's rights to another. Roles do not
move in a merge (storage/links.py drops the redeemer's roles the owner lacks: a facilitator
grants them again if the person is who they say); a redeemer whose account the config
lists as a facilitator is refused when the owner is not one for the same cohorts, since a
listing cannot be dropped. Wrong codes are counted per account: after `MAX_FAILURES` within
`LOCK_WINDOW`, `/link CODE` is refused until the oldest of them is an hour old.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.authz import FACILITATOR
from bot.buttons import no_longer_works, parse_int
from bot.clock import from_iso
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import LANGUAGE_NAMES, N_, _, comma_list, format_datetime, rtl_marked, use_language
from bot.model import Button, ChatKind, ChatRef, OutboundMessage
from bot.services import Services
from storage.links import CODE_ALPHABET, CODE_LENGTH, LinkCode, LinkRepository
from storage.participants import Account, Participant

CODE_TTL_SECONDS = 10 * 60
LINK = "link"
MAX_FAILURES = 5
LOCK_WINDOW = timedelta(hours=1)
# Tables summed up in their own line of the confirmation, or not worth a word (the bot's
# own buttons and codes); the rest are "other records".
_SHOWN = ("accounts", "roles", "enrolments", "unit_progress", "survey_sessions", "practices",
          "practice_drafts", "button_tokens", "link_codes")


def _is_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


def _unknown(ctx: Context) -> str:
    return _("This code is unknown, used or expired. Get a new one with {command} on your "
             "other platform.").format(command=ctx.command("link"))


async def _answer(ctx: Context, text: str, buttons: list[list[Button]] | None = None,
                  about: list[int] | None = None) -> None:
    """In the private chat: a code and whose account it opens are nobody else's business.
    `about`: whom the text names (the code's owner), for /forgetme."""
    if ctx.event.chat.is_private:
        await ctx.reply(text, buttons=buttons, about=about or ())
        return
    await ctx.reply_private(text, buttons=buttons, about=about or ())
    await ctx.reply(_("I have answered you in a private message."))


async def _audit(ctx: Context, actor: int | None, outcome: str, detail: str) -> None:
    s = ctx.services
    await s.audit.record(actor, ctx.platform, LINK, outcome, s.clock.now(), detail)


async def _locked_until(ctx: Context, links: LinkRepository, now: float) -> datetime | None:
    """When this account may type a code again, if it typed too many wrong ones lately."""
    window = LOCK_WINDOW.total_seconds()
    wrong = await links.failures(ctx.platform, ctx.event.author.user_id, now - window)
    if len(wrong) < MAX_FAILURES:
        return None
    return datetime.fromtimestamp(wrong[MAX_FAILURES - 1] + window, UTC)


def _locked_text(ctx: Context, until: datetime) -> str:
    return _("Too many wrong codes from this account: linking is locked until {time}. "
             "Then type the code again, or get a new one with {command} on your other "
             "platform.").format(time=format_datetime(until, ctx.zone),
                                 command=ctx.command("link"))


async def link(ctx: Context) -> None:
    s = ctx.services
    links = s.links
    now = s.clock.timestamp()
    if not ctx.event.args:
        issued = await links.issue(ctx.participant.id, ctx.platform, now, CODE_TTL_SECONDS)
        await ctx.reply_private(_(
            "Your linking code is {code}. Within {minutes} minutes, send {command} to me on "
            "the other platform, and your accounts will become one."
        ).format(code=issued.code, minutes=CODE_TTL_SECONDS // 60,
                 command=f"/link {issued.code}"))
        return
    until = await _locked_until(ctx, links, now)
    if until is not None:
        await _audit(ctx, ctx.participant.id, "refused", "locked: too many wrong codes")
        await ctx.reply(_locked_text(ctx, until))
        return
    code = ctx.event.args[0].strip().upper()
    if not _is_code(code):
        await ctx.reply(_("\"{code}\" is not a linking code. A code has 8 letters and digits; "
                          "get one with {command} on your other platform.").format(
            code=ctx.event.args[0][:20], command=ctx.command("link")))
        return
    issued = await links.lookup(code, now)
    if issued is None:
        await links.record_failure(ctx.platform, ctx.event.author.user_id, now,
                                   LOCK_WINDOW.total_seconds())
        until = await _locked_until(ctx, links, now)
        await _audit(ctx, ctx.participant.id, "refused",
                     "wrong code" + ("; locked for an hour" if until else ""))
        text = _unknown(ctx)
        await ctx.reply(text if until is None else text + "\n" + _locked_text(ctx, until))
        return
    problem = await _obstacle(ctx, issued)
    if problem is not None:
        await ctx.reply(problem, about=[issued.participant_id])  # it may name them
        return
    await _ask(ctx, issued)


async def _owner_account(ctx: Context, issued: LinkCode) -> Account | None:
    accounts = await ctx.services.participants.accounts_of(issued.participant_id)
    return next((a for a in accounts if a.platform == issued.platform), None) or \
        (accounts[0] if accounts else None)


async def _obstacle(ctx: Context, issued: LinkCode) -> str | None:
    """Why this account may not join the code's owner, if it may not."""
    if issued.participant_id == ctx.participant.id:
        return _("This code belongs to this account. Send it from your account on another "
                 "platform.")
    if issued.platform == ctx.platform:
        return _("This code was made on this same platform. Send it from your account on "
                 "another platform.")
    authorizer = ctx.services.authorizer
    listed = await authorizer.listed_scope(ctx.participant.id)
    theirs = await authorizer.cohort_scope(issued.participant_id)
    if theirs is None or (listed is not None and listed <= theirs):
        return None
    owner = await _owner_account(ctx, issued)
    await _audit(ctx, ctx.participant.id, "refused",
                 "a facilitator in the config, the code's owner is not")
    return _("This account is a facilitator in the configuration, and {name} on {platform} "
             "is not: linking would give that account your rights. Link the other way "
             "round: send {command} here, and type the new code on your other account."
             ).format(name=owner.display_name if owner else "?",
                      platform=issued.platform.capitalize(), command=ctx.command("link"))


async def _lost_roles(ctx: Context, owner: int) -> list[str]:
    """The redeemer's roles the owner does not hold: dropped by the merge."""
    roles = ctx.services.roles
    mine, theirs = await roles.of(ctx.participant.id), set(await roles.of(owner))
    everywhere = await ctx.services.authorizer.cohort_scope(owner) is None
    return [r for r in mine if r not in theirs and not (r == FACILITATOR and everywhere)]


def _role_names(roles: list[str]) -> str:
    return comma_list(_("facilitator") if r == FACILITATOR else r for r in roles)


def _consent(ctx: Context, participant: Participant) -> str:
    stamp = participant.consent_at
    when = format_datetime(from_iso(stamp), ctx.zone) if stamp else "—"
    if participant.consent == "given":
        return _("given on {date}").format(date=when)
    if participant.consent == "declined":
        return _("declined on {date}").format(date=when)
    return _("not asked yet")


async def _ask(ctx: Context, issued: LinkCode) -> None:
    """Whose account this one joins and what moves, with Confirm and Cancel."""
    s = ctx.services
    me = await ctx.reload_participant()
    owner = await s.participants.get(issued.participant_id)
    account = await _owner_account(ctx, issued)
    if owner is None or account is None:
        await ctx.reply(_unknown(ctx))
        return
    counts = await s.links.footprint(me.id)
    mine = await s.participants.accounts_of(me.id)
    cohorts = await s.cohorts.repo.cohorts_of(me.id)
    practices = counts.get("practices", 0) + counts.get("practice_drafts", 0)
    other = sum(n for t, n in counts.items() if t not in (*_SHOWN, "reminders", "schedules"))
    other += counts.get("schedules", 0) - counts.get("reminders", 0)
    merged = owner if owner.consent else me
    facilitator = await s.authorizer.is_facilitator(owner.id)
    lines = [
        _("You are about to join this account to {name} on {platform}. Both become one "
          "participant: whoever uses either account can read and change everything, "
          "including your reminders, {mydata} and {forgetme}. Confirm only if {name} on "
          "{platform} is you.").format(name=account.display_name,
                                       platform=account.platform.capitalize(),
                                       mydata=ctx.command("mydata"),
                                       forgetme=ctx.command("forgetme")),
        _("After linking:"),
        "• " + _("Language: {language}").format(language=LANGUAGE_NAMES.get(
            owner.language or me.language or "", _("not chosen yet"))),
        "• " + _("Consent: {consent}").format(consent=_consent(ctx, merged)),
        "• " + _("Roles: {roles}").format(
            roles=_("facilitator") if facilitator else _("participant")),
        _("Moving over from this account:"),
        "• " + _("Accounts: {accounts}").format(accounts=comma_list(
            f"{a.platform.capitalize()} ({a.display_name})" for a in mine)),
    ]
    for label, count in ((_("Reminders: {count}"), counts.get("reminders", 0)),
                         (_("Units started: {count}"), counts.get("unit_progress", 0)),
                         (_("Surveys started: {count}"), counts.get("survey_sessions", 0)),
                         (_("Good practices and drafts: {count}"), practices),
                         (_("Other records: {count}"), other)):
        if count:
            lines.append("• " + label.format(count=count))
    if cohorts:
        lines.append("• " + _("Cohorts: {cohorts}").format(cohorts=comma_list(cohorts)))
    lost = await _lost_roles(ctx, owner.id)
    if lost:
        lines.append(_("Your roles here ({roles}) do not move: roles never pass to another "
                       "participant without a facilitator. To keep them, cancel, send "
                       "{command} on this account and type the new code on your other "
                       "account.").format(roles=_role_names(lost), command=ctx.command("link")))
    data = f"{LINK}:yes:{issued.code}:{owner.id}:{me.id}"
    await _answer(ctx, "\n".join(lines), [[Button(_("Confirm"), data),
                                           Button(_("Cancel"), f"{LINK}:no")]],
                  about=[owner.id])


async def link_chosen(ctx: Context) -> None:
    """Confirm or Cancel under the question `_ask` sent; Confirm checks everything again."""
    s = ctx.services
    answer, *rest = ctx.callback_payload.split(":")
    if answer == "no" and not rest:
        await ctx.reply(_("Nothing was linked: both accounts stay as they were."))
        return
    owner = parse_int(rest[1]) if answer == "yes" and len(rest) == 3 else None
    if owner is None or not _is_code(rest[0]) or parse_int(rest[2]) != ctx.participant.id:
        await ctx.reply(no_longer_works())
        return
    links = s.links
    now = s.clock.timestamp()
    issued = await links.lookup(rest[0], now)
    if issued is None or issued.participant_id != owner:
        await ctx.reply(_unknown(ctx))
        return
    problem = await _obstacle(ctx, issued)
    if problem is not None:
        await ctx.reply(problem, about=[issued.participant_id])  # it may name them
        return
    if await links.redeem(issued.code, now, owner=owner) is None:
        await ctx.reply(_unknown(ctx))
        return
    await _merge(ctx, issued)


async def _merge(ctx: Context, issued: LinkCode) -> None:
    s = ctx.services
    owner = await _owner_account(ctx, issued)  # before the redeemer's accounts join it
    dropped = await s.links.merge(keep=issued.participant_id,
                                               absorb=ctx.participant.id)
    # No participant number in the text: the joined one is gone, and the survivor, the
    # actor, is unlinked from the entry if they are forgotten.
    await _audit(ctx, issued.participant_id, "done",
                 f"linked a {ctx.platform} account to their {issued.platform} account"
                 + (f"; roles not carried: {', '.join(dropped)}" if dropped else ""))
    merged = await s.participants.get(issued.participant_id)
    assert merged is not None
    ctx.participant = merged
    ctx.language = s.catalogs.pack(merged.language or ctx.language.code)
    accounts = await s.participants.accounts_of(merged.id)
    names = comma_list(f"{a.platform.capitalize()} ({a.display_name})" for a in accounts)
    with use_language(ctx.language):  # from now on, the merged participant's language
        text = _("Done: your accounts are linked. {accounts}").format(accounts=names)
        if dropped:
            text += "\n" + _("Roles not carried over: {roles}.").format(
                roles=_role_names(dropped))
        await ctx.reply(text)
        # The owner hears of it on the account that made the code: a code someone was
        # talked into handing over shows at once.
        if owner is not None:
            notice = _("This account is now linked with the {platform} account {name}: they "
                       "are one participant. If this was not you, tell a facilitator at once."
                       ).format(platform=ctx.platform.capitalize(),
                                name=ctx.account.display_name)
            await s.outbox.enqueue(OutboundMessage(
                ChatRef(owner.platform, owner.user_id, ChatKind.PRIVATE),
                rtl_marked(notice, ctx.language)))


async def forget_old_attempts(services: Services) -> None:
    """Wrong codes are kept for the lockout window only (also pruned as new ones come)."""
    await services.links.prune(
        services.clock.timestamp() - LOCK_WINDOW.total_seconds())


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("link", link, N_("Link your accounts on Telegram and Discord"),
                         usage=N_("[code]"), needs_consent=True))
    registry.add_callback(LINK, link_chosen, needs_consent=True)
    registry.startup.append(forget_old_attempts)
