"""Logs that never carry what people wrote.

An exception's message can quote its input: `int('¹')`, a file name built from a typed
time zone, an FTS5 syntax error near a searched word. So a logged exception shows its type
and where it was raised (file, line, function), never its message, except for the few
messages known to be fixed texts about the machine (SQLite's "database or disk is full",
an OSError's errno) or the platforms' answers about a request (python-telegram-bot,
discord.py), which are what an operator needs and quote nothing typed.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from types import TracebackType

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | \
    tuple[None, None, None]
# SQLite's own texts, with no placeholder in them.
_SQLITE_FIXED = frozenset({
    "database is locked", "database or disk is full", "disk I/O error",
    "attempt to write a readonly database", "unable to open database file",
    "database disk image is malformed", "file is not a database",
})
_PLATFORM_MODULES = ("telegram", "discord")


def describe(exc: BaseException) -> str:
    """The exception's type, and its message only when it cannot quote anyone."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else \
        f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{name} [errno {exc.errno}: {exc.strerror}]"  # no file name: it may be typed
    if isinstance(exc, sqlite3.Error) and str(exc) in _SQLITE_FIXED:
        return f"{name}: {exc}"
    if kind.__module__.split(".")[0] in _PLATFORM_MODULES:
        return f"{name}: {str(exc)[:300]}"
    return name


def redacted_traceback(exc: BaseException) -> str:
    """A traceback as Python prints it, the chained exceptions too, with each exception
    reduced to `describe(exc)`: the frames show code, never values."""
    parts: list[str] = []  # built from the last exception back to the first
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.format_list(traceback.extract_tb(current.__traceback__))
        parts.insert(0, "Traceback (most recent call last):\n" + "".join(frames)
                     + describe(current) + "\n")
        if current.__cause__ is not None:
            link = "The above exception was the direct cause of the following exception:"
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            link = "During handling of the above exception, another exception occurred:"
            current = current.__context__
        else:
            break
        parts.insert(0, f"\n{link}\n\n")
    return "".join(parts).rstrip("\n")


class SafeFormatter(logging.Formatter):
    """The bot's log format, with every logged exception redacted (see the module)."""

    def formatException(self, ei: ExcInfo) -> str:
        return redacted_traceback(ei[1]) if ei[1] is not None else ""


def log_level(value: str) -> str | None:
    """The level named by `value` (any case), or None when it names none."""
    level = value.strip().upper()
    return level if level in LEVELS else None
