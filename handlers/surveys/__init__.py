"""Surveys: the engine (model, taking, waves, interviews), /survey, reports, interview
slots and assessments. Other features read surveys through the repository on Services
and use what this file exports (interview bookings), never the private modules."""

from bot.commands import CommandRegistry
from handlers.surveys import assessment, commands, slots
from handlers.surveys.anonymity import minimum, protect
from handlers.surveys.assessment import gaps_of
from handlers.surveys.commands import how_to_reach, pick_cohort
from handlers.surveys.engine import PRE_ASSESSMENT, survey_named, surveys
from handlers.surveys.interviews import shortlist
from handlers.surveys.model import Question, Survey
from handlers.surveys.reports import anonymous_responses, export_rows, shown_from, translated
from handlers.surveys.slots import booking_erased, booking_of
from handlers.surveys.waves import reminder_days, scheduled_moment

# What the post-learning features (handlers/feedback/, handlers/resources/) read: the
# surveys as built, the anonymity rule, the cohort a facilitator means, the wave dates;
# and what the web dashboard reads (what /survey status, results, export and shortlist
# and /gaps read).
__all__ = ["PRE_ASSESSMENT", "Question", "Survey", "anonymous_responses", "booking_erased",
           "booking_of", "export_rows", "gaps_of", "how_to_reach", "minimum", "pick_cohort",
           "protect", "reminder_days", "scheduled_moment", "setup", "shortlist", "shown_from",
           "survey_named", "surveys", "translated"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
    slots.setup(registry)
    assessment.setup(registry)
