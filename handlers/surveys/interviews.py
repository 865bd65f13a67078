"""The interview shortlist and its slots: the respondents whose answers call for an
interview, and the free interview times offered to them as buttons (/slots and the
booking are handlers/surveys/slots.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.i18n import _, format_datetime, rtl_marked, use_language
from bot.model import Button, OutboundMessage
from bot.outbox import INTERACTIVE
from handlers.surveys.engine import repository, surveys
from handlers.surveys.model import Survey, answer_text
from handlers.surveys.waves import private_chat
from storage.surveys import Answers, Slot, Wave

if TYPE_CHECKING:
    from bot.services import Services

# --- the interview shortlist and its slots ---------------------------------------------
SLOT_CALLBACK = "slot"
INTERVIEW_REMINDER_KIND = "interview_reminder"
MAX_OFFERED = 8


@dataclass(frozen=True)
class Shortlisted:
    participant_id: int
    survey: Survey
    wave: Wave
    answers: Answers
    declined: bool  # answered "no" to the `interview` question

    def reasons(self, language: str) -> list[str]:
        return [f"{q.id} = {answer_text(self.survey, q, self.answers.get(q.id), language)}"
                for q in self.survey.questions
                if q.triggers_shortlist(self.answers.get(q.id))]


async def shortlist(services: Services, names: list[str] | None = None,
                    cohorts: set[str] | None = None) -> list[Shortlisted]:
    """Respondents of named surveys whose answers put them on the interview shortlist."""
    repo = repository(services)
    found: list[Shortlisted] = []
    for name, survey in surveys(services).items():
        if survey.anonymous or (names is not None and name not in names) or not any(
                q.shortlist or q.shortlist_options for q in survey.questions):
            continue
        waves = {w.id: w for w in await repo.waves(survey=name)
                 if cohorts is None or w.cohort in cohorts}
        for response in await repo.responses(list(waves), anonymous=False):
            if response.participant_id is not None and survey.shortlisted(response.answers):
                found.append(Shortlisted(response.participant_id, survey,
                                         waves[response.wave_id], response.answers,
                                         survey.declined_interview(response.answers)))
    return found


async def may_book(services: Services, participant_id: int) -> bool:
    """Whether slots are for this participant: shortlisted, and not marked as not wanting
    an interview (a slot button names its slot, and a client may send any number)."""
    return any(entry.participant_id == participant_id and not entry.declined
               for entry in await shortlist(services))


async def participant_zone(services: Services, participant_id: int) -> ZoneInfo:
    participant = await services.participants.get(participant_id)
    if participant is not None and participant.timezone:
        return ZoneInfo(participant.timezone)
    return services.default_zone()


def slot_buttons(slots: list[Slot], zone: ZoneInfo) -> list[list[Button]]:
    return [[Button(format_datetime(datetime.fromtimestamp(s.starts_at, UTC), zone),
                    f"{SLOT_CALLBACK}:{s.id}")] for s in slots[:MAX_OFFERED]]


async def offer_slots(services: Services, participant_id: int, *, first: bool = False) -> bool:
    """Offer the free interview slots to a shortlisted respondent (not to one who already
    has an interview); True when some were offered."""
    repo = repository(services)
    now = services.clock.timestamp()
    if participant_id in await repo.ever_booked():
        return False
    reach = await repo.reach(participant_id)
    if reach is None:
        return False
    free = await repo.slots(now, free_only=True)
    zone = await participant_zone(services, participant_id)
    with use_language(services.language_for(reach.language)) as pack:
        if free:
            text = _("Thank you for telling us about your initiative. Would you have time for "
                     "a short interview by video call about it? Pick a time that suits you "
                     "({zone}):").format(zone=zone.key)
            buttons = slot_buttons(free, zone)
        elif first:
            text = _("Thank you for telling us about your initiative. A facilitator may "
                     "invite you to a short interview by video call: the times to choose from "
                     "will come here.")
            buttons = []
        else:
            return False
        msg = OutboundMessage(private_chat(reach.platform, reach.user_id), rtl_marked(text, pack),
                              buttons=buttons)
    await services.outbox.enqueue(msg, priority=INTERACTIVE)
    return bool(free)
