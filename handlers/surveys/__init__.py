"""Surveys: the engine (model, taking, waves, interviews), /survey, reports, interview
slots and assessments. Other features use what this file exports (the engine's
`survey_repository`, interview bookings), never the private modules."""

from bot.commands import CommandRegistry
from handlers.surveys import assessment, commands, slots
from handlers.surveys.engine import repository as survey_repository
from handlers.surveys.slots import booking_erased, booking_of

__all__ = ["booking_erased", "booking_of", "setup", "survey_repository"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
    slots.setup(registry)
    assessment.setup(registry)
