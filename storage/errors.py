"""When the database itself cannot be used: a damaged file, a read-only folder, a full disk.

At start-up these end the process with one line naming the file (`StorageError`); while
running, `storage_failure` tells the dispatcher that a write failed for a reason no retry
in the next second will cure, so its apology must not go through the database.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

# SQLite's primary result codes (the low byte of an extended code, e.g. SQLITE_IOERR_WRITE).
_PROBLEMS = {
    sqlite3.SQLITE_FULL: "the disk is full (or the database reached its size limit)",
    sqlite3.SQLITE_IOERR: "disk I/O error (the disk may be full or failing)",
    sqlite3.SQLITE_READONLY: "read-only: the bot cannot write the database file or its folder",
    sqlite3.SQLITE_CANTOPEN: "cannot open the database file (is its folder writable, and is "
                             "the path a file?)",
    sqlite3.SQLITE_CORRUPT: "the database file is damaged (corrupted or truncated); restore "
                            "it from a backup",
    sqlite3.SQLITE_NOTADB: "not an SQLite database, or damaged beyond reading; restore it "
                           "from a backup",
    sqlite3.SQLITE_PERM: "permission denied",
}
# Those that say the storage is unusable, as opposed to a bug in a statement.
_STORAGE_CODES = frozenset(_PROBLEMS)
# The same from a file the bot writes itself (an export, a chart).
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


def _primary_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def storage_failure(exc: BaseException) -> bool:
    """The database cannot store anything right now (full, read-only, I/O error, damaged)."""
    return _primary_code(exc) in _STORAGE_CODES or (
        isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS)


def describe(exc: BaseException) -> str:
    """What went wrong, for a person: no traceback, no SQL."""
    problem = _PROBLEMS.get(_primary_code(exc) or -1)
    if problem is not None:
        return problem
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {exc}"


class StorageError(Exception):
    """The database at `path` cannot be used; `str()` is the one line an operator reads."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    @classmethod
    def of(cls, path: Path, exc: BaseException) -> StorageError:
        return cls(path, describe(exc))
