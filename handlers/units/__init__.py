"""Course units: content, releases, knowledge checks and progress."""

from bot.commands import CommandRegistry
from handlers.units import commands, progress


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
    progress.setup(registry)
