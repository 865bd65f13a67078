"""Facilitator tools: /audit, the log of admin actions."""

from __future__ import annotations

from bot.args import number
from bot.clock import from_iso
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, format_datetime
from bot.scope import FacilitatorScope, Reach
from storage.audit import AuditEntry, AuditLog

DEFAULT_AUDIT_LINES = 10
MAX_AUDIT_LINES = 50
AUDIT_PAGE = 500  # entries read at a time while looking for those a reader may see


async def visible_entries(ctx: Context, limit: int) -> list[AuditEntry]:
    """The latest `limit` entries the reader may see: all for a facilitator of every
    cohort; else those whose actor is in their cohorts (bot/scope.py `covers_actor`)."""
    return await entries_in_scope(ctx.services.audit, ctx.scope, limit)


async def entries_in_scope(audit_log: AuditLog, scope: FacilitatorScope, limit: int
                           ) -> list[AuditEntry]:
    """`visible_entries` for a caller without a chat event (the web dashboard)."""
    if scope.everywhere:
        return await audit_log.latest(limit)
    found: list[AuditEntry] = []
    verdicts: dict[int | None, bool] = {}
    before: int | None = None
    while len(found) < limit:
        page = await audit_log.latest(AUDIT_PAGE, before_id=before)
        for entry in page:
            actor = entry.actor_participant_id
            if actor not in verdicts:
                verdicts[actor] = await scope.covers_actor(actor)
            if verdicts[actor]:
                found.append(entry)
        if len(page) < AUDIT_PAGE:
            break
        before = page[-1].id
    return found[:limit]


async def audit(ctx: Context) -> None:
    limit = DEFAULT_AUDIT_LINES
    if ctx.event.args:
        wanted = number(ctx.event.args[0], 1, MAX_AUDIT_LINES)
        if wanted is None:
            await ctx.reply(_("Please give a number of entries from 1 to {max}, for example "
                              "{example}.").format(max=MAX_AUDIT_LINES,
                                                   example=ctx.command("audit 20")))
            return
        limit = wanted
    entries = await visible_entries(ctx, limit)
    if not entries:
        await ctx.reply(_("The audit log is empty."))
        return
    outcomes = {"done": _("done"), "refused": _("refused"), "failed": _("failed")}
    names: dict[int, str] = {}
    for pid in {e.actor_participant_id for e in entries} - {None}:
        assert pid is not None
        accounts = await ctx.services.participants.accounts_of(pid)
        names[pid] = accounts[0].display_name if accounts else _("participant {id}").format(
            id=pid)
    lines = [_("Latest admin actions:")]
    for e in entries:
        # A forgotten participant (/forgetme) is anonymous here.
        who = names.get(e.actor_participant_id, _("a participant")) \
            if e.actor_participant_id is not None else _("a participant")
        what = ctx.command(e.action) + (f" {e.detail}" if e.detail else "")
        lines.append(_("{when} · {who} · {action} on {platform} · {outcome}").format(
            when=format_datetime(from_iso(e.at), ctx.zone), who=who, action=what,
            platform=e.platform, outcome=outcomes.get(e.outcome, e.outcome)))
    # It names the actors, and the people the entries' details are about.
    await ctx.reply("\n".join(lines), about=[pid for e in entries for pid in (
        e.actor_participant_id, e.subject_participant_id) if pid is not None])


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("audit", audit, N_("Show the latest admin actions"), usage="[n]",
                         facilitator_only=True, scope=Reach.REPORT))
