"""`python -m bot migrate --from sqlite:PATH --to postgresql://…`: an installation moves
from its SQLite file to PostgreSQL without losing a row.

Both databases are first brought to the latest schema (the same numbered migrations), so
their tables and columns are the same. The PostgreSQL database must hold nothing yet but
what the migrations themselves write (`meta`); every table is then copied in the order of
its foreign keys (parents first) with COPY, the identity counters are moved past the
copied ids, and the row counts are compared table by table, in one transaction: a copy
that fails or does not add up leaves the PostgreSQL database as it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from storage import pg_schema
from storage.db import Database
from storage.postgres import PostgresDatabase, plain_connection

log = logging.getLogger("bot.storage")
# Kept by the database itself: the schema's version, and search rows its triggers fill.
_DERIVED = frozenset({"schema_version", "practices_fts"})
_SEEDED_BY_MIGRATIONS = frozenset({"meta"})


class TransferError(Exception):
    """The copy was refused or did not add up; nothing was written."""


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


def parents_first(tables: Iterable[str], parents: dict[str, set[str]]) -> list[str]:
    """Tables ordered so that each comes after those its foreign keys point at."""
    ordered: list[str] = []
    pending = sorted(tables)
    while pending:
        ready = [t for t in pending if not (parents.get(t, set()) - {t}) - set(ordered)]
        if not ready:
            raise TransferError(f"foreign keys form a cycle among {', '.join(pending)}")
        ordered += ready
        pending = [t for t in pending if t not in ready]
    return ordered


def _convert(value: object, pg_type: str) -> object:
    """A value as SQLite stored it, as the PostgreSQL column takes it (SQLite stores what
    it is given: a number in a TEXT column, say)."""
    if value is None:
        return None
    if pg_type in ("BIGINT", "INTEGER", "SMALLINT"):
        return int(value)  # type: ignore[call-overload]
    if pg_type in ("DOUBLE PRECISION", "REAL", "NUMERIC"):
        return float(value)  # type: ignore[arg-type]
    if pg_type == "BYTEA":
        return bytes(value) if not isinstance(value, str) else value.encode()  # type: ignore[call-overload]
    return value if isinstance(value, str) else str(value)


async def copy_sqlite_to_postgres(source_path: Path, url: str, folder: Path) -> list[Copied]:
    """Copy every row of the SQLite file at `source_path` into the (empty) PostgreSQL
    database at `url`; returns what was copied, table by table."""
    if not await asyncio.to_thread(source_path.is_file):
        raise TransferError(f"{source_path}: no such SQLite file")
    source = Database(source_path)
    target = PostgresDatabase(url, folder)
    await source.open()
    try:
        await target.open()  # migrated to the latest schema, as the source is
        try:
            tables = [t for t in await pg_schema.tables(target) if t not in _DERIVED]
            parents = {t: {fk.table for fk in await pg_schema.foreign_keys(target, t)}
                       for t in tables}
            types = {t: {c.name: c.type for c in await pg_schema.columns(target, t)}
                     for t in tables}
            identity = dict(target.conn.identity)
        finally:
            await target.close()
        raw = await plain_connection(url)
        try:
            return await _copy(source, raw, tables, parents, types, identity)
        finally:
            await raw.close()
    finally:
        await source.close()


async def _copy(source: Database, raw: asyncpg.Connection, tables: list[str],
                parents: dict[str, set[str]], types: dict[str, dict[str, str]],
                identity: dict[str, str]) -> list[Copied]:
    for table in tables:
        if table in _SEEDED_BY_MIGRATIONS:
            continue
        if await raw.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise TransferError(f"the PostgreSQL database is not empty (table {table} has "
                                "rows): migrate into a new database")
    copied: list[Copied] = []
    async with raw.transaction():
        for table in _SEEDED_BY_MIGRATIONS:  # the source's own values replace them
            await raw.execute(f'DELETE FROM "{table}"')
        for table in parents_first(tables, parents):
            rows = await source.fetchall(f'SELECT * FROM "{table}"')
            if not rows:
                copied.append(Copied(table, 0))
                continue
            columns = [c for c in rows[0].keys() if c in types[table]]
            missing = set(rows[0].keys()) - set(columns)
            if missing:
                raise TransferError(f"{table}: columns {sorted(missing)} have no place in "
                                    "PostgreSQL (are both at the same schema version?)")
            records = [tuple(_convert(r[c], types[table][c]) for c in columns) for r in rows]
            await raw.copy_records_to_table(table, records=records, columns=columns)
            copied.append(Copied(table, len(records)))
        for table, column in identity.items():
            await raw.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)')
        for item in copied:
            count = await raw.fetchval(f'SELECT COUNT(*) FROM "{item.table}"')
            if count != item.rows:
                raise TransferError(f"{item.table}: {item.rows} rows read, {count} written")
    log.info("copied %d rows in %d tables", sum(c.rows for c in copied), len(copied))
    return copied
