"""Course units: content, releases, knowledge checks and progress."""

from bot.commands import CommandRegistry
from handlers.units import commands, progress
from handlers.units.content import localized, release_at
from handlers.units.progress import progress_rows

# For the web dashboard: a unit in the reader's language, when it opens for a cohort, and
# the per participant table of /progress csv.
__all__ = ["localized", "progress_rows", "release_at", "setup"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
    progress.setup(registry)
