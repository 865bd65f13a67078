"""The dashboard's interviews and announcements: the interview shortlist of the
facilitator's cohorts with each person's booking, the interview times, and the latest
announcements with their delivery, each as /survey shortlist, /slots list and /announce
status show them (same scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from bot.i18n import _, comma_list, format_datetime
from bot.web.pages import facilitator, language_of, render, services_of
from handlers.dashboard.pages import zone_of
from handlers.surveys import how_to_reach, shortlist

ANNOUNCEMENTS = 20
ANNOUNCEMENT_SCAN = 200


@dataclass(frozen=True)
class Candidate:
    name: str
    reach: str
    survey: str
    cohort: str
    reasons: str
    booking: str  # "interview booked: …", "does not want an interview", or ""


@dataclass(frozen=True)
class Time:
    number: int
    when: str
    booked_by: str  # "" when free


@dataclass(frozen=True)
class Sent:
    number: int
    when: str
    text: str
    sent: int
    pending: int
    failed: int
    total: int


async def interviews(request: web.Request) -> web.StreamResponse:
    session, scope = await facilitator(request)
    s = services_of(request)
    zone = await zone_of(s, session.participant_id)
    language = language_of(request).code
    allowed = {c.code for c in await s.cohorts.facilitated_by(s, session.participant_id)}
    repo = s.surveys
    now = s.clock.timestamp()
    candidates = []
    for entry in await shortlist(s, None, allowed):
        reach = await repo.reach(entry.participant_id)
        booking = await repo.booking_of(entry.participant_id, now)
        state = (_("interview booked: {when}").format(when=format_datetime(
            datetime.fromtimestamp(booking.starts_at, UTC), zone)) if booking is not None
            else _("does not want an interview") if entry.declined else "")
        candidates.append(Candidate(
            reach.display_name if reach else f"#{entry.participant_id}",
            how_to_reach(s, reach.platform, reach.user_id) if reach else "?",
            entry.survey.t(entry.survey.title, language), entry.wave.cohort,
            comma_list(entry.reasons(language)), state))
    times = []
    for slot in await repo.slots(now):
        if not await scope.covers_facilitator(slot.created_by):
            continue
        who = ""
        if slot.booked_by is not None:
            reach = await repo.reach(slot.booked_by)
            who = reach.display_name if reach else f"#{slot.booked_by}"
        times.append(Time(slot.id, format_datetime(
            datetime.fromtimestamp(slot.starts_at, UTC), zone), who))
    sent = []
    for a in await s.announcements.latest(ANNOUNCEMENT_SCAN):
        if len(sent) == ANNOUNCEMENTS or not await scope.covers_facilitator(a.created_by):
            continue
        counts = await s.outbox.repo.counts_for_prefix(f"announce:{a.id}:")
        sent.append(Sent(a.id, format_datetime(datetime.fromtimestamp(a.created_at, UTC), zone),
                         a.text.split("||")[0].strip()[:200], counts.sent, counts.pending,
                         counts.failed, a.recipients))
    return render(request, "dashboard/interviews.html", {
        "candidates": candidates, "times": times, "announcements": sent})
