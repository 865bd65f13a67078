"""PostgreSQL through asyncpg, behind the same interface as the SQLite `Database`.

The repositories call `execute`, `fetchone`, `fetchall`, `executemany` and `transaction`
with SQLite's spelling; storage/dialect.py rewrites each statement once. What a cursor
tells (`rowcount`, `lastrowid`) comes from PostgreSQL's command status, or from a
`RETURNING` of the table's identity column added to an INSERT that has none.

One connection per process, statements serialised by a lock as with SQLite: a worker's
tasks share it, and several workers share the database (each has its own connection).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from storage import dialect
from storage.db import Database, Params, migrations
from storage.errors import StorageError

log = logging.getLogger("bot.storage")
PASSWORD_VARIABLE = "BOT_DATABASE_PASSWORD"
# Every worker migrates at start; the first one does it, the others wait and find it done.
_MIGRATION_LOCK = 7_140_018


def redacted(url: str) -> str:
    """The URL without a password, for logs and error lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def plain_connection(url: str) -> asyncpg.Connection:
    """A connection with asyncpg's own codecs (binary COPY needs them)."""
    return await asyncpg.connect(url, password=os.environ.get(PASSWORD_VARIABLE) or None)


def _number(text: str) -> int | float:
    """NUMERIC (what SUM of integers gives) as SQLite gives it: an int, or a float."""
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _text(value: object) -> str:
    """SQLite stores what it is given in a TEXT column; so does this, as text. PostgreSQL's
    text cannot hold NUL: a NUL (only hostile input has one) becomes U+FFFD."""
    if isinstance(value, bool):
        return str(int(value))
    text = value if isinstance(value, str) else str(value)
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


class PgCursor:
    """What a repository reads after a statement: rows, `rowcount`, `lastrowid`."""

    def __init__(self, rows: Sequence[asyncpg.Record], rowcount: int,
                 lastrowid: int | None = None):
        self._rows = list(rows)
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []

    async def __aenter__(self) -> PgCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class _Pending:
    """`await tx.execute(…)` and `async with tx.execute(…) as cur`, as aiosqlite allows."""

    def __init__(self, run: Awaitable[PgCursor]):
        self._run = run
        self._cursor: PgCursor | None = None

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._run.__await__()

    async def __aenter__(self) -> PgCursor:
        self._cursor = await self._run
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class IntegrityViolation(sqlite3.IntegrityError):
    """A constraint refused the statement. The repositories' contract is SQLite's
    exception classes (a duplicate name is an IntegrityError on both databases)."""


def _count(status: str) -> int:
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class PgConnection:
    """The connection as a transaction's body sees it (the aiosqlite calls the
    repositories use), counting changed rows like SQLite's `total_changes`."""

    def __init__(self, conn: asyncpg.Connection, identity: dict[str, str]):
        self.raw = conn
        self.identity = identity
        self.keys: dict[str, tuple[str, ...]] = {}  # each table's primary key
        self.total_changes = 0

    @property
    def in_transaction(self) -> bool:
        return self.raw.is_in_transaction()

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(self._run(sql, params))

    async def _run(self, sql: str, params: Params) -> PgCursor:
        try:
            return await self._statement(sql, params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityViolation(str(exc)) from exc

    async def _statement(self, sql: str, params: Params) -> PgCursor:
        st = dialect.statement(sql)
        cursor = await self._executed(st, st.arguments(params))
        if st.insert_columns is not None:
            table, columns = st.insert_columns
            key = self.identity.get(table)
            if key is not None and key in columns:  # SQLite's next id is the largest + 1
                await self.raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{key}'), "
                    f'(SELECT MAX("{key}") FROM "{table}"))')
        return cursor

    async def _executed(self, st: dialect.Statement, args: list[object]) -> PgCursor:
        if st.replace is not None:
            status = await self.raw.execute(st.upsert(self.keys[st.replace[0]]), *args)
            self.total_changes += max(_count(status), 0)
            return PgCursor([], _count(status))
        key = self.identity.get(st.inserts_into or "")
        if key is not None:
            rows = await self.raw.fetch(f'{st.sql} RETURNING "{key}"', *args)
            self.total_changes += len(rows)
            return PgCursor([], len(rows), int(rows[-1][0]) if rows else None)
        if st.returns_rows:
            rows = await self.raw.fetch(st.sql, *args)
            changed = len(rows) if not st.sql.lstrip()[:6].upper() == "SELECT" else -1
            self.total_changes += max(changed, 0)
            return PgCursor(rows, changed)
        status = await self.raw.execute(st.sql, *args)
        count = _count(status)
        if not status.startswith("SELECT"):
            self.total_changes += max(count, 0)
        return PgCursor([], count)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        for params in rows:
            await self._run(sql, params)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[asyncpg.Record]:
        return await (await self._run(sql, params)).fetchall()

    async def update_or_ignore(self, table: str, column: str, new: object, old: object
                               ) -> None:
        """SQLite's UPDATE OR IGNORE: each row moved unless that breaks a unique key
        (such a row stays as it was), inside the caller's transaction."""
        rows = await self.raw.fetch(f'SELECT ctid FROM "{table}" WHERE "{column}" = $1', old)
        for (ctid,) in rows:
            await self.raw.execute("SAVEPOINT update_or_ignore")
            try:
                status = await self.raw.execute(
                    f'UPDATE "{table}" SET "{column}" = $1 WHERE ctid = $2', new, ctid)
            except asyncpg.UniqueViolationError:
                await self.raw.execute("ROLLBACK TO SAVEPOINT update_or_ignore")
            else:
                self.total_changes += max(_count(status), 0)
            await self.raw.execute("RELEASE SAVEPOINT update_or_ignore")

    async def executescript(self, script: str) -> None:
        """A script in the migrations' portable SQL."""
        await self.raw.execute(dialect.migration(script))


class PostgresDatabase(Database):
    """The bot's database on a PostgreSQL server. `folder` holds the files the bot
    writes beside its database (exports, relayed files), as the SQLite file's folder does;
    `path` names it so that those find it the same way."""

    dialect = "postgres"

    def __init__(self, url: str, folder: Path | str):
        super().__init__(Path(folder) / "postgresql")
        self.url = url
        self._pg: PgConnection | None = None

    @property
    def conn(self) -> PgConnection:  # type: ignore[override]
        if self._pg is None:
            raise RuntimeError("database is not open")
        return self._pg

    async def _connect(self) -> asyncpg.Connection:
        conn = await plain_connection(self.url)
        await conn.set_type_codec("numeric", schema="pg_catalog", encoder=str,
                                  decoder=_number, format="text")
        for name in ("text", "varchar"):
            await conn.set_type_codec(name, schema="pg_catalog", encoder=_text,
                                      decoder=str, format="text")
        return conn

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            raw = await self._connect()
            self._pg = PgConnection(raw, {})
            await self.migrate()
            self._pg.identity = await self._identity_columns()
            self._pg.keys = await self._primary_keys()
        except BaseException as exc:
            await self.close()
            if isinstance(exc, OSError | asyncpg.PostgresError | asyncpg.InterfaceError):
                raise StorageError(redacted(self.url), f"{type(exc).__name__}: {exc}") from exc  # type: ignore[arg-type]
            raise

    async def close(self) -> None:
        if self._pg is not None:
            pg, self._pg = self._pg, None
            await pg.raw.close()

    @asynccontextmanager
    async def closed_on_failure(self, *also: Callable[[], Awaitable[object]]
                                ) -> AsyncIterator[None]:
        try:
            yield
        except BaseException:
            for close in also:
                try:
                    await close()
                except Exception:
                    pass
            await self.close()
            raise

    async def _identity_columns(self) -> dict[str, str]:
        rows = await self.conn.raw.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'")
        return {r["table_name"]: r["column_name"] for r in rows}

    async def _primary_keys(self) -> dict[str, tuple[str, ...]]:
        rows = await self.conn.raw.fetch(
            "SELECT c.relname, array_agg(a.attname ORDER BY a.attnum) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "WHERE i.indisprimary AND c.relnamespace = CAST(current_schema() AS regnamespace) "
            "GROUP BY c.relname")
        return {r[0]: tuple(r[1]) for r in rows}

    async def schema_version(self) -> int:
        raw = self.conn.raw
        await raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        return int(await raw.fetchval("SELECT MAX(version) FROM schema_version") or 0)

    async def migrate(self) -> int:
        async with self._lock:
            raw = self.conn.raw
            await raw.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                current = await self.schema_version()
                for number, path in migrations(dialect="postgres"):
                    if number <= current:
                        continue
                    script = path.read_text(encoding="utf-8")
                    if ".postgres." not in path.name:
                        script = dialect.migration(script)
                    async with raw.transaction():
                        await raw.execute(script)
                        await raw.execute("INSERT INTO schema_version (version) VALUES ($1)",
                                          number)
                    log.info("applied migration %04d (%s)", number, path.name)
                    current = number
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
            return current

    async def _abandoned(self) -> None:
        if self.conn.in_transaction:
            log.warning("rolling back a transaction abandoned by a cancelled task")
            await self.conn.raw.execute("ROLLBACK")

    async def execute(self, sql: str, params: Params = ()) -> PgCursor:  # type: ignore[override]
        async with self._lock:
            await self._abandoned()
            return await self.conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> asyncpg.Record | None:  # type: ignore[override]
        rows = await self.fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[asyncpg.Record]:  # type: ignore[override]
        async with self._lock:
            await self._abandoned()
            return await self.conn.execute_fetchall(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:  # type: ignore[override]
        async with self._lock:
            await self._abandoned()
            raw = self.conn.raw
            try:
                await raw.execute("BEGIN")
                yield self.conn
            except BaseException:
                if raw.is_in_transaction():
                    await asyncio.shield(raw.execute("ROLLBACK"))
                raise
            else:
                await raw.execute("COMMIT")
