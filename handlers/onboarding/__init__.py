"""Onboarding: /start, language, consent, /help and linking accounts (/whoami is privacy's)."""

from bot.commands import CommandRegistry
from handlers.onboarding import help as help_command
from handlers.onboarding import linking, start


def setup(registry: CommandRegistry) -> None:
    start.setup(registry)
    help_command.setup(registry)
    linking.setup(registry)
