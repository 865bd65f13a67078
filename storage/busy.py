"""Another process holding the database's write lock (a backup, an `sqlite3` shell) longer
than SQLite's busy timeout makes a statement fail with "database is locked". Those failures
are waited out (the kernel's `when_unlocked`), never turned into a lost message or a lost
event."""

from __future__ import annotations

import sqlite3


def database_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc))
