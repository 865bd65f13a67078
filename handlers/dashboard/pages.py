"""The dashboard's reading pages: the facilitator's cohorts, a cohort's progress through
the pre-learning units (chart and table, CSV), and the audit log (CSV). Scoped like the
chat reports: a cohort that is not the facilitator's is answered as one that does not
exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import from_iso
from bot.exports import csv_bytes
from bot.i18n import _, format_datetime, format_number
from bot.scope import FacilitatorScope
from bot.services import Services
from bot.web.pages import csv_response, facilitator, language_of, not_found, render, services_of
from bot.web.svg import Series, bar_chart
from handlers.admin import entries_in_scope
from handlers.cohorts import Cohort
from handlers.dashboard.common import cohort_of
from handlers.dashboard.surveys import needs, statuses
from handlers.surveys import shown_from
from handlers.units import localized, progress_rows, release_at
from storage.units import UnitTotals

AUDIT_LINES = 100


@dataclass(frozen=True)
class UnitRow:
    number: int
    title: str
    opens: str  # when it opens, if not yet released; else ""
    opened: int
    passed: int
    enrolled: int
    average: str


async def zone_of(services: Services, participant_id: int) -> ZoneInfo:
    """The facilitator's own time zone, else the bot's."""
    person = await services.participants.get(participant_id)
    return ZoneInfo(person.timezone) if person and person.timezone else services.default_zone()


async def home(request: web.Request) -> web.StreamResponse:
    session, _scope = await facilitator(request)
    s = services_of(request)
    cohorts = await s.cohorts.facilitated_by(s, session.participant_id)
    counts = {c.code: await s.cohorts.repo.count(c.code) for c in cohorts}
    return render(request, "dashboard/home.html", {"cohorts": cohorts, "counts": counts})


async def unit_rows(s: Services, cohort: Cohort, language: str, now: datetime
                    ) -> tuple[int, list[UnitRow]]:
    academy = s.academy
    enrolled, totals = await s.units.cohort_totals(cohort.code)
    if academy is None:
        return enrolled, []
    rows = []
    for number in academy.unit_numbers():
        found = localized(academy, number, language, cohort.default_language)
        at = release_at(cohort, academy, number)
        if found is None or at is None:
            continue
        unit = found[0]
        if at > now:
            rows.append(UnitRow(number, unit.title, format_datetime(at, cohort.zone), 0, 0,
                                enrolled, "–"))
            continue
        f = totals.get(number, UnitTotals(number, 0, 0, None))
        average = (f"{format_number(round(f.average, 1))}/{len(unit.questions)}"
                   if f.average is not None else "–")
        rows.append(UnitRow(number, unit.title, "", f.opened, f.passed, enrolled, average))
    return enrolled, rows


async def cohort(request: web.Request) -> web.StreamResponse:
    session, _scope = await facilitator(request)
    found = await cohort_of(request, session.participant_id)
    s = services_of(request)
    pack = language_of(request)
    enrolled, rows = await unit_rows(s, found, pack.code, s.clock.now())
    released = [r for r in rows if not r.opens]
    chart = bar_chart(
        [f"{r.number}. {r.title}" for r in released],
        [Series("opened", [r.opened / r.enrolled if r.enrolled else 0 for r in released]),
         Series("passed", [r.passed / r.enrolled if r.enrolled else 0 for r in released])],
        rtl=pack.rtl) if released else None
    gaps = await needs(s, found, pack.code)
    gaps_chart = bar_chart([row.question for row in gaps.rows],
                           [Series("answers", [row.share for row in gaps.rows])],
                           rtl=pack.rtl) if gaps and gaps.rows else None
    return render(request, "dashboard/cohort.html", {
        "cohort": found, "enrolled": enrolled, "rows": rows, "chart": chart,
        "surveys": await statuses(s, found, pack.code), "gaps": gaps,
        "gaps_chart": gaps_chart,
        "hidden_note": shown_from(s.config.surveys.anonymous_min_group)})


async def progress_csv(request: web.Request) -> web.StreamResponse:
    session, _scope = await facilitator(request)
    found = await cohort_of(request, session.participant_id)
    s = services_of(request)
    if s.academy is None:
        raise not_found()
    header, rows = await progress_rows(s, s.academy, [found])
    return csv_response(csv_bytes(header, rows), f"progress-{found.code}.csv")


async def _audit_lines(s: Services, scope: FacilitatorScope, participant_id: int
                       ) -> list[tuple[str, str, str, str, str]]:
    entries = await entries_in_scope(s.audit, scope, AUDIT_LINES)
    zone = await zone_of(s, participant_id)
    names: dict[int, str] = {}
    for pid in {e.actor_participant_id for e in entries} - {None}:
        assert pid is not None
        accounts = await s.participants.accounts_of(pid)
        names[pid] = accounts[0].display_name if accounts else _("participant {id}").format(
            id=pid)
    outcomes = {"done": _("done"), "refused": _("refused"), "failed": _("failed")}
    return [(format_datetime(from_iso(e.at), zone),
             names.get(e.actor_participant_id or 0, _("a participant")),
             e.action + (f" {e.detail}" if e.detail else ""), e.platform,
             outcomes.get(e.outcome, e.outcome)) for e in entries]


async def audit(request: web.Request) -> web.StreamResponse:
    session, scope = await facilitator(request)
    lines = await _audit_lines(services_of(request), scope, session.participant_id)
    return render(request, "dashboard/audit.html", {"lines": lines})


async def audit_csv(request: web.Request) -> web.StreamResponse:
    session, scope = await facilitator(request)
    lines = await _audit_lines(services_of(request), scope, session.participant_id)
    header = [_("when"), _("who"), _("action"), _("platform"), _("outcome")]
    return csv_response(csv_bytes(header, lines), "audit.csv")
