"""Practices: the walk-through that collects a practice, review and templates."""

from bot.commands import CommandRegistry
from handlers.practices import commands


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
