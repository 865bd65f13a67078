"""Which database: the SQLite file (the default) or a PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database


def open_database(path: Path, url: str | None = None) -> Database:
    """SQLite at `path`, or PostgreSQL at `url` with `path`'s folder for the bot's files.
    Not opened yet: the caller opens it (and migrates)."""
    if url:
        from storage.postgres import PostgresDatabase  # asyncpg only where it is used

        return PostgresDatabase(url, path.parent)
    return Database(path)
