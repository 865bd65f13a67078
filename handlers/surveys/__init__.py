"""Surveys: the engine (model, taking, waves, interviews), /survey, reports, interview
slots and assessments. Other features read surveys through the repository on Services
and use what this file exports (interview bookings), never the private modules."""

from bot.commands import CommandRegistry
from handlers.surveys import assessment, commands, slots
from handlers.surveys.anonymity import minimum, protect
from handlers.surveys.commands import pick_cohort
from handlers.surveys.engine import PRE_ASSESSMENT, survey_named
from handlers.surveys.model import Question, Survey
from handlers.surveys.reports import translated
from handlers.surveys.slots import booking_erased, booking_of
from handlers.surveys.waves import reminder_days, scheduled_moment

# What the post-learning features (handlers/feedback/, handlers/resources/) read: the
# surveys as built, the anonymity rule, the cohort a facilitator means, the wave dates.
__all__ = ["PRE_ASSESSMENT", "Question", "Survey", "booking_erased", "booking_of",
           "minimum", "pick_cohort", "protect", "reminder_days", "scheduled_moment",
           "setup", "survey_named", "translated"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
    slots.setup(registry)
    assessment.setup(registry)
