"""What the dashboard's pages share: the cohort a URL names, if it is the facilitator's."""

from __future__ import annotations

from aiohttp import web

from bot.web.pages import not_found, services_of
from handlers.cohorts import Cohort


async def cohort_of(request: web.Request, participant_id: int) -> Cohort:
    """The cohort of the URL; one that is not this facilitator's is answered as one that
    does not exist."""
    s = services_of(request)
    code = request.match_info["code"]
    found = [c for c in await s.cohorts.facilitated_by(s, participant_id) if c.code == code]
    if not found:
        raise not_found()
    return found[0]
