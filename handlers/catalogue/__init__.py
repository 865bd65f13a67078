"""The public good-practice catalogue on the web: the approved practices, searchable with
the same accent-insensitive search as /practices, each on its own permanent page in the
reader's language (a machine translation is made on first reading, kept, and marked), and
a JSON feed for other sites. No author is named: only the fields the author wrote for
publication (contact and web page included)."""

from __future__ import annotations

from pathlib import Path

from bot.commands import CommandRegistry
from handlers.catalogue import pages


def setup(registry: CommandRegistry) -> None:
    web = registry.web
    web.add_templates("catalogue", Path(__file__).resolve().parent / "templates")
    web.get("/", pages.front, "front")
    web.get("/practices", pages.catalogue, "catalogue")
    web.get("/practices.json", pages.feed, "catalogue-feed")
    web.get("/practices/{id}", pages.practice, "catalogue-practice")
