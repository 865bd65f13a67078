"""Another process holding the database's write lock (a backup, an `sqlite3` shell) longer
than SQLite's busy timeout makes a statement fail with "database is locked". Those failures
are waited out, never turned into a lost message or a lost event."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger("bot.storage")
T = TypeVar("T")

# Pauses between attempts; each attempt itself already waited the busy timeout (5 s), so
# these give another process about 1.5 minutes before the caller hears of it.
DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


def database_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc))


async def when_unlocked(call: Callable[[], Awaitable[T]], what: str,
                        delays: tuple[float, ...] = DELAYS) -> T:
    """`call()`, again after a pause each time the database is locked; the last failure
    propagates."""
    for delay in delays:
        try:
            return await call()
        except sqlite3.OperationalError as exc:
            if not database_locked(exc):
                raise
            log.warning("database locked by another process (%s); trying again in %.0fs",
                        what, delay)
            await asyncio.sleep(delay)
    return await call()
