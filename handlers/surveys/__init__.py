"""Surveys: the engine (model, taking, waves, interviews), /survey, reports, interview
slots and assessments. Other features read surveys through the repository on Services
and use what this file exports (interview bookings), never the private modules."""

from bot.commands import CommandRegistry
from handlers.surveys import assessment, commands, slots
from handlers.surveys.slots import booking_erased, booking_of

__all__ = ["booking_erased", "booking_of", "setup"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
    slots.setup(registry)
    assessment.setup(registry)
