"""Administration: /audit and facilitation roles."""

from bot.commands import CommandRegistry
from handlers.admin import audit, roles


def setup(registry: CommandRegistry) -> None:
    audit.setup(registry)
    roles.setup(registry)
