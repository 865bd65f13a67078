"""Polls: /poll, closing and results, and the text form of a poll."""

from bot.commands import CommandRegistry
from handlers.polls import commands
from handlers.polls.text import LANGUAGE_PREFIX

__all__ = ["LANGUAGE_PREFIX", "setup"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
