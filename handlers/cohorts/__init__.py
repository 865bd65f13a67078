"""Cohorts: the configured cohorts and their calendar (roster), enrolment commands.
Other features use `Cohort` and `Cohorts` from here, never the private modules."""

from bot.commands import CommandRegistry
from handlers.cohorts import commands
from handlers.cohorts.roster import Cohort, Cohorts, EnrolHandler

__all__ = ["Cohort", "Cohorts", "EnrolHandler", "setup"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
