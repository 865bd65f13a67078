"""Administration: /audit and facilitation roles."""

from bot.commands import CommandRegistry
from handlers.admin import audit, roles
from handlers.admin.audit import entries_in_scope

__all__ = ["entries_in_scope", "setup"]  # the web dashboard's audit log: /audit's entries


def setup(registry: CommandRegistry) -> None:
    audit.setup(registry)
    roles.setup(registry)
