"""One SQLite file through aiosqlite: WAL, foreign keys, numbered append-only migrations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.errors import StorageError

log = logging.getLogger("bot.storage")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# NNNN_name.sql runs on both databases (storage/dialect.py adapts it for PostgreSQL);
# NNNN_name.postgres.sql beside it, where one is needed, replaces it on PostgreSQL.
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+(?:\.(postgres))?\.sql$")

Params = Sequence[Any] | dict[str, Any]


def migrations(directory: Path = MIGRATIONS_DIR, dialect: str = "sqlite"
               ) -> list[tuple[int, Path]]:
    found: dict[int, Path] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"{path}: migration files are named NNNN_name.sql "
                               "(or NNNN_name.postgres.sql)")
        number, override = int(match.group(1)), match.group(2)
        if override is None:
            found.setdefault(number, path)
        elif override == dialect:
            found[number] = path
    numbers = sorted(found)
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {numbers}")
    return sorted(found.items())


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = aiosqlite.connect(path, isolation_level=None)
    try:
        return await conn
    except BaseException:
        # aiosqlite stops its worker thread on a failed connect but does not wait for it:
        # left alone, the thread reports to an event loop already closed (a traceback at
        # exit). Wait for it here.
        thread = getattr(conn, "_thread", None)
        if isinstance(thread, threading.Thread) and thread.is_alive():
            await asyncio.to_thread(thread.join, 5.0)
        raise


class Database:
    """A single connection. Statements from concurrent tasks are serialised by a lock, so
    a transaction never swallows another task's statement."""

    dialect = "sqlite"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        """Open and migrate; a file or folder that cannot be used raises StorageError,
        with the connection closed: its worker thread would keep the process alive."""
        folder = self.path.parent
        if str(self.path) != ":memory:" and folder.exists() and not folder.is_dir():
            raise StorageError(self.path, f"{folder} is a file, not a folder")
        try:
            if str(self.path) != ":memory:":
                folder.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: autocommit; transactions are explicit (transaction()).
            self._conn = await _connect(self.path)
            self._conn.row_factory = aiosqlite.Row
            await self._conn.execute("PRAGMA journal_mode=WAL")
            await self._conn.execute("PRAGMA foreign_keys=ON")
            await self._conn.execute("PRAGMA busy_timeout=5000")
            await self._conn.execute("PRAGMA synchronous=NORMAL")
            await self.migrate()
        except BaseException as exc:
            await self.close()
            if isinstance(exc, sqlite3.Error | OSError):
                raise StorageError.of(self.path, exc) from exc
            raise

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    @asynccontextmanager
    async def closed_on_failure(self, *also: Callable[[], Awaitable[object]]
                                ) -> AsyncIterator[None]:
        """For starting up: a failure inside closes the connection (and runs `also`
        first), since aiosqlite's worker thread would keep the process from exiting;
        SQLite's own errors become a StorageError naming the file."""
        try:
            yield
        except BaseException as exc:
            for close in also:
                with contextlib.suppress(Exception):
                    await close()
            await self.close()
            if isinstance(exc, sqlite3.Error):
                raise StorageError.of(self.path, exc) from exc
            raise

    async def schema_version(self) -> int:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
        )
        async with self.conn.execute("SELECT MAX(version) FROM schema_version") as cur:
            row = await cur.fetchone()
        return int(row[0] or 0) if row else 0

    async def migrate(self) -> int:
        async with self._lock:
            current = await self.schema_version()
            for number, path in migrations():
                if number <= current:
                    continue
                script = path.read_text(encoding="utf-8")
                # One script, one transaction: a failed migration leaves nothing behind.
                await self.conn.executescript(
                    f"BEGIN;\n{script}\nINSERT INTO schema_version (version) VALUES ({number});\n"
                    "COMMIT;"
                )
                log.info("applied migration %04d (%s)", number, path.name)
                current = number
            return current

    async def _abandoned(self) -> None:
        """Under the lock nothing else is running, so an open transaction here was
        abandoned: its owner was cancelled while BEGIN still ran in aiosqlite's thread.
        Left open, every later autocommit write would join it and never be committed."""
        if self.conn.in_transaction:
            log.warning("rolling back a transaction abandoned by a cancelled task")
            await self.conn.execute("ROLLBACK")

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        async with self._lock:
            await self._abandoned()
            return await self.conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    # One trip to aiosqlite's thread per query: execute, fetch and close as separate calls
    # were three thread hand-offs each (see bench/relay.py). The queries asked for one row
    # return one row or a handful, so fetching them all costs nothing more.
    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._lock:
            await self._abandoned()
            rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            await self._abandoned()
            return list(await self.conn.execute_fetchall(sql, params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, holding the lock: use the yielded connection inside."""
        async with self._lock:
            await self._abandoned()
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")
