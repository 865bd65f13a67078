"""/progress: facilitators see how their cohort goes through the pre-learning units —
enrolled, opened, passed, average best score per unit — as text or as a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.commands import Command, CommandRegistry
from bot.content.academy import Academy
from bot.context import Context
from bot.exports import write_csv
from bot.i18n import N_, _, comma_list, format_datetime, format_number
from bot.scope import Reach
from bot.services import Services
from handlers.cohorts import Cohort
from handlers.units.content import localized, release_at
from storage.units import Member, Progress


@dataclass(frozen=True)
class UnitFigures:
    enrolled: int
    opened: int
    passed: int
    average: float | None  # best scores of those who finished the check


def figures(members: list[Member], progress: list[Progress], number: int) -> UnitFigures:
    ids = {m.participant_id for m in members}
    rows = [p for p in progress if p.unit == number and p.participant_id in ids]
    scores = [p.best_score for p in rows if p.best_score is not None]
    return UnitFigures(len(ids), sum(p.opened_at is not None for p in rows),
                       sum(p.passed_at is not None for p in rows),
                       sum(scores) / len(scores) if scores else None)


async def _report_cohorts(ctx: Context, codes: list[str]) -> list[Cohort] | None:
    """The cohorts a /progress is about: the one named, else the facilitator's own one,
    else every cohort they may see. None when a reply was given instead."""
    cohorts = ctx.services.cohorts
    allowed = await cohorts.facilitated_by(ctx.services, ctx.participant.id)
    if codes:
        cohort = cohorts.get(codes[0])
        if cohort is None or cohort not in allowed:
            await ctx.reply(_("There is no cohort \"{code}\" among yours: {codes}.").format(
                code=codes[0][:40], codes=comma_list(c.code for c in allowed) or "–"))
            return None
        return [cohort]
    mine = [c for c in await cohorts.of_participant(ctx.participant.id) if c in allowed]
    selected = mine if len(mine) == 1 else allowed
    if not selected:
        await ctx.reply(_("No cohort is configured."))
        return None
    return selected


async def progress_report(ctx: Context) -> None:
    s = ctx.services
    academy = s.academy
    args = [a for a in ctx.event.args if a.strip()]
    as_csv = any(a.lower() == "csv" for a in args)
    selected = await _report_cohorts(ctx, [a for a in args if a.lower() != "csv"])
    if selected is None:
        return
    if academy is None or not academy.unit_numbers():
        await ctx.reply(_("There are no pre-learning units."))
        return
    if as_csv:
        await _progress_csv(ctx, academy, selected)
        return
    store = s.units
    now = s.clock.now()
    blocks = []
    for cohort in selected:
        members = await store.members(cohort.code, reachable_only=False)
        progress = await store.progress_of_cohort(cohort.code)
        lines = [_("{name} — enrolled: {count}").format(name=cohort.name, count=len(members))]
        for number in academy.unit_numbers():
            found = localized(academy, number, ctx.language.code, cohort.default_language)
            at = release_at(cohort, academy, number)
            if found is None or at is None:
                continue
            unit = found[0]
            if at > now:
                lines.append(f"{number}. {unit.title} — 🔒 " + _("opens on {date}").format(
                    date=format_datetime(at, cohort.zone)))
                continue
            f = figures(members, progress, number)
            average = (f"{format_number(round(f.average, 1))}/{len(unit.questions)}"
                       if f.average is not None else "–")
            lines.append(f"{number}. {unit.title} — " + _(
                "opened {opened}/{enrolled}, passed {passed}/{enrolled}, average score "
                "{average}").format(opened=f.opened, passed=f.passed, enrolled=f.enrolled,
                                    average=average))
        blocks.append("\n".join(lines))
    blocks.append(_("The same per participant as a spreadsheet: {command}").format(
        command=ctx.command("progress csv")))
    await ctx.reply("\n\n".join(blocks))


async def _progress_csv(ctx: Context, academy: Academy, selected: list[Cohort]) -> None:
    s = ctx.services
    header, rows = await progress_rows(s, academy, selected)
    attachment = await write_csv(s, "progress-" + "-".join(c.code for c in selected), header, rows)
    await ctx.reply_private(_("Progress per participant and unit ({count} rows).").format(
        count=len(rows)), attachments=[attachment])
    if not ctx.event.chat.is_private:
        await ctx.reply(_("I have sent it to you in a private message."))


async def progress_rows(s: Services, academy: Academy, selected: list[Cohort]
                        ) -> tuple[list[str], list[list[object]]]:
    """The per participant and unit table of `/progress csv` (and the web dashboard's)."""
    store = s.units
    rows: list[list[object]] = []
    for cohort in selected:
        members = await store.members(cohort.code, reachable_only=False)
        progress = {(p.participant_id, p.unit): p
                    for p in await store.progress_of_cohort(cohort.code)}
        for member in members:
            for number in academy.unit_numbers():
                p = progress.get((member.participant_id, number))
                opened = (datetime.fromtimestamp(p.opened_at, UTC).astimezone(cohort.zone)
                          .isoformat(timespec="minutes")
                          if p is not None and p.opened_at is not None else "")
                score = (f"{p.best_score}/{p.questions}"
                         if p is not None and p.best_score is not None else "")
                passed = _("yes") if p is not None and p.passed_at is not None else _("no")
                rows.append([cohort.code, member.display_name, member.language or "", number,
                             opened, score, passed])
    header = [_("cohort"), _("participant"), _("language"), _("unit"), _("opened at"),
              _("score"), _("passed")]
    return header, rows


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("progress", progress_report,
                         N_("Pre-learning progress of your cohort(s); also csv"),
                         usage=N_("[code] [csv]"), facilitator_only=True,
                         scope=Reach.REPORT))
