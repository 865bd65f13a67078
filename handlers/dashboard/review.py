"""The practice review queue on the web: the submitted practices of the facilitator's
cohorts, each approved or returned with a comment through the chat command's own path
(handlers/practice_review.decide: audited, the author told)."""

from __future__ import annotations

from aiohttp import web

from bot.args import number
from bot.exports import csv_bytes
from bot.web.pages import (
    checked_form,
    csv_response,
    facilitator,
    not_found,
    render,
    see_other,
    services_of,
)
from handlers.practice_review import decide, in_scope_of
from handlers.practice_template import LABELS, repository
from storage.practices import FIELDS, Practice

DONE = {"approved", "returned"}


async def queue(request: web.Request) -> web.StreamResponse:
    _session, scope = await facilitator(request)
    s = services_of(request)
    waiting = await in_scope_of(scope, await repository(s).with_status("submitted"))
    done = request.query.get("done", "")
    done_id = number(request.query.get("n", ""))
    return render(request, "dashboard/practices.html", {
        "waiting": waiting, "labels": LABELS, "fields": FIELDS[1:],
        "done": done if done in DONE else "", "done_id": done_id, "error_id": None})


async def _waiting(request: web.Request) -> Practice:
    """The submitted practice of the URL, if it is in the facilitator's cohorts."""
    _session, scope = await facilitator(request)
    practice_id = number(request.match_info["id"])
    practice = await repository(services_of(request)).get(practice_id) \
        if practice_id is not None else None
    if practice is None or practice.status != "submitted" \
            or not await in_scope_of(scope, [practice]):
        raise not_found()
    return practice


async def approve(request: web.Request) -> web.StreamResponse:
    session, _scope = await facilitator(request)
    await checked_form(request, session)
    practice = await _waiting(request)
    await decide(services_of(request), practice, session.participant_id, "web", "approved")
    return see_other(f"/dashboard/practices?done=approved&n={practice.id}")


async def return_practice(request: web.Request) -> web.StreamResponse:
    session, scope = await facilitator(request)
    form = await checked_form(request, session)
    practice = await _waiting(request)
    comment = form.get("comment", "").strip()
    s = services_of(request)
    if not comment:
        waiting = await in_scope_of(scope, await repository(s).with_status("submitted"))
        return render(request, "dashboard/practices.html", {
            "waiting": waiting, "labels": LABELS, "fields": FIELDS[1:], "done": "",
            "done_id": None, "error_id": practice.id}, status=400)
    await decide(s, practice, session.participant_id, "web", "returned", comment)
    return see_other(f"/dashboard/practices?done=returned&n={practice.id}")


async def approved_csv(request: web.Request) -> web.StreamResponse:
    """The approved practices of the facilitator's cohorts and the academy's own, as
    /practice export writes them."""
    _session, scope = await facilitator(request)
    s = services_of(request)
    approved = await in_scope_of(scope, await repository(s).with_status("approved"),
                                 academy=True)
    rows = ([p.id, p.language, p.reviewed_at or "", *p.fields().values()] for p in approved)
    return csv_response(csv_bytes(["id", "language", "approved_at", *FIELDS], rows),
                        "practices.csv")
