"""PostgreSQL's catalog in the shape of SQLite's PRAGMAs, for the code that derives what it
does from the schema (/mydata and /forgetme in storage/privacy.py, /link's merge in
storage/links.py): the same questions, the same answers, on either database."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database

# pg_constraint.confdeltype, as SQLite's PRAGMA foreign_key_list spells the action.
_ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL",
              "d": "SET DEFAULT"}


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    name: str
    type: str
    notnull: bool
    pk: bool


@dataclass(frozen=True, slots=True)
class ForeignKey:
    column: str  # PRAGMA's "from"
    table: str
    target: str  # PRAGMA's "to"
    on_delete: str


async def tables(db: Database) -> list[str]:
    rows = await db.fetchall(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "ORDER BY tablename")
    return [str(r[0]) for r in rows]


async def columns(db: Database, table: str) -> list[ColumnInfo]:
    rows = await db.fetchall(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "COALESCE(a.attnum = ANY (i.indkey), false) "
        "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
        "WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum", (f'"{table}"',))
    return [ColumnInfo(str(r[0]), str(r[1]).upper(), bool(r[2]), bool(r[3])) for r in rows]


async def foreign_keys(db: Database, table: str) -> list[ForeignKey]:
    rows = await db.fetchall(
        "SELECT a.attname, ref.relname, ra.attname, CAST(c.confdeltype AS TEXT) "
        "FROM pg_constraint c JOIN pg_class ref ON ref.oid = c.confrelid "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.conrelid = CAST(? AS regclass)", (f'"{table}"',))
    return [ForeignKey(str(r[0]), str(r[1]), str(r[2]), _ON_DELETE.get(str(r[3]), "NO ACTION"))
            for r in rows]


async def unique_columns(db: Database, table: str) -> set[str]:
    """Columns that are part of a unique index (the primary key's included)."""
    rows = await db.fetchall(
        "SELECT DISTINCT a.attname FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
        "WHERE i.indrelid = CAST(? AS regclass) AND i.indisunique", (f'"{table}"',))
    return {str(r[0]) for r in rows}
