"""Practices: the walk-through that collects a practice, review and templates."""

from bot.commands import CommandRegistry
from handlers.practices import commands
from handlers.practices.commands import translated
from handlers.practices.review import decide, in_scope_of
from handlers.practices.template import LABELS, first_line

# For the web pages (handlers/dashboard, handlers/catalogue): the review's own path, the
# reader's-language fields, the template's labels.
__all__ = ["LABELS", "decide", "first_line", "in_scope_of", "setup", "translated"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
