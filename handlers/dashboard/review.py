"""The practice review queue on the web: the submitted practices of the facilitator's
cohorts, each approved or returned with a comment through the chat command's own path
(handlers/practice_review.decide: audited, the author told)."""

from __future__ import annotations

from aiohttp import web

from bot.args import number
from bot.content.practices import COUNTRY, THEME_LIMIT
from bot.exports import csv_bytes
from bot.scope import FacilitatorScope
from bot.web.pages import (
    checked_form,
    csv_response,
    facilitator,
    language_of,
    not_found,
    render,
    see_other,
    services_of,
)
from handlers.practices import LABELS, decide, in_scope_of
from storage.practices import FIELDS, Practice

DONE = {"approved", "returned"}


def countries(request: web.Request) -> list[tuple[str, str]]:
    """Every country's ISO code and name in the page's language, by name."""
    names = language_of(request).locale.territories
    return sorted(((code, str(name)) for code, name in names.items() if COUNTRY.fullmatch(code)),
                  key=lambda item: item[1])


async def _queue_page(request: web.Request, scope: FacilitatorScope, status: int = 200,
                      error: tuple[int, str] | None = None) -> web.StreamResponse:
    s = services_of(request)
    repo = s.practices
    waiting = await in_scope_of(scope, await repo.with_status("submitted"))
    done = request.query.get("done", "")
    return render(request, "dashboard/practices.html", {
        "waiting": waiting, "labels": LABELS, "fields": FIELDS[1:],
        "done": done if done in DONE else "", "done_id": number(request.query.get("n", "")),
        "error": error, "countries": countries(request), "themes": (await repo.facets())[1]},
        status=status)


async def queue(request: web.Request) -> web.StreamResponse:
    _session, scope = await facilitator(request)
    return await _queue_page(request, scope)


async def _waiting(request: web.Request) -> Practice:
    """The submitted practice of the URL, if it is in the facilitator's cohorts."""
    _session, scope = await facilitator(request)
    practice_id = number(request.match_info["id"])
    practice = await services_of(request).practices.get(practice_id) \
        if practice_id is not None else None
    if practice is None or practice.status != "submitted" \
            or not await in_scope_of(scope, [practice]):
        raise not_found()
    return practice


async def approve(request: web.Request) -> web.StreamResponse:
    session, scope = await facilitator(request)
    form = await checked_form(request, session)
    practice = await _waiting(request)
    country = form.get("country", "").strip().upper()
    theme = " ".join(form.get("theme", "").split())[:THEME_LIMIT]
    if country and country not in dict(countries(request)):
        return await _queue_page(request, scope, 400, (practice.id, "country"))
    s = services_of(request)
    await s.practices.classify(practice.id, country, theme)
    await decide(s, practice, session.participant_id, "web", "approved")
    return see_other(f"/dashboard/practices?done=approved&n={practice.id}")


async def return_practice(request: web.Request) -> web.StreamResponse:
    session, scope = await facilitator(request)
    form = await checked_form(request, session)
    practice = await _waiting(request)
    comment = form.get("comment", "").strip()
    s = services_of(request)
    if not comment:
        return await _queue_page(request, scope, 400, (practice.id, "comment"))
    await decide(s, practice, session.participant_id, "web", "returned", comment)
    return see_other(f"/dashboard/practices?done=returned&n={practice.id}")


async def approved_csv(request: web.Request) -> web.StreamResponse:
    """The approved practices of the facilitator's cohorts and the academy's own, as
    /practice export writes them."""
    _session, scope = await facilitator(request)
    s = services_of(request)
    approved = await in_scope_of(scope, await s.practices.with_status("approved"),
                                 academy=True)
    rows = ([p.id, p.language, p.reviewed_at or "", *p.fields().values()] for p in approved)
    return csv_response(csv_bytes(["id", "language", "approved_at", *FIELDS], rows),
                        "practices.csv")
