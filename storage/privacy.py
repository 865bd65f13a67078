"""Everything stored about one participant, found from the schema: /mydata and /forgetme.

Nothing here lists the tables by hand. A row belongs to a participant when
- one of its columns refers to `participants(id)` (a foreign key, or a column named
  `participant_id`, `…_participant_id` or `…_by` without one), or
- it concerns one of their private chats (a table with `platform` and `chat_id` columns: in
  the neutral model a private chat's id is the person's user id on that platform), or one
  of their accounts (a table with `platform` and `user_id` columns).
A few tables identify a person another way and are named below: the copies of a relayed
message (same `relay_id` as the origin they wrote), the outbox items carrying those copies,
and the translation cache (keyed by a hash of the text they wrote).

Erasure is by ownership only: it deletes what is theirs, lets the schema's ON DELETE
actions (CASCADE, SET NULL, triggers) run by deleting the participant, and removes what the
bot wrote about them where the schema links it to them:
- a table `<name>_mentions` with a foreign key to `<name>` and a participant column lists
  the rows of `<name>` that name or answer a person (outbox_mentions: a group welcome, a
  reply in a group, a facilitator's list naming them): those rows are deleted;
- a row with a `subject_participant_id` column has its `detail` written by the bot about
  that person (audit_log: "Name (participant N)"): the detail becomes "a participant";
- in a JSON document, a key named like a participant column (`booked_by`, …) holding their
  id becomes null.
Text is never searched for their name: names are free text people choose ("the", "ILO"),
and others' words (messages, practices, reminders, answers, polls) stay as written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite

from storage.db import Database

ANONYMOUS = "a participant"
# A column that points at a participant without a declared foreign key.
PERSON_COLUMN = re.compile(r"^(?:.*_)?participant_id$|^[a-z_]+_by$")
NOT_PERSONAL = frozenset({"schema_version"})
# A row's `ABOUT_TEXT` column is the bot's words about the person in `ABOUT_COLUMN`.
ABOUT_COLUMN, ABOUT_TEXT = "subject_participant_id", "detail"
MENTIONS = "_mentions"
EXPORTS_DIR = "exports"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    notnull: bool
    pk: bool

    @property
    def is_text(self) -> bool:
        declared = self.type.upper()
        return not declared or any(t in declared for t in ("TEXT", "CHAR", "CLOB", "JSON"))


@dataclass(frozen=True, slots=True)
class Mentions:
    """A `<table>_mentions` table: its `column` refers to `table(target)`."""

    table: str
    column: str
    target: str


@dataclass(frozen=True, slots=True)
class TableShape:
    name: str
    columns: tuple[Column, ...]
    # Columns that point at a participant, and what the schema does on delete
    # ("CASCADE", "SET NULL", "NO ACTION", …; "" for a column found by its name).
    person_columns: dict[str, str]
    unique_columns: frozenset[str]
    without_rowid: bool
    mentions: Mentions | None = None

    def has(self, *names: str) -> bool:
        present = {c.name for c in self.columns}
        return all(n in present for n in names)


@dataclass(frozen=True, slots=True)
class Identity:
    """How a participant appears in the database."""

    participant_id: int
    accounts: tuple[tuple[str, str, str], ...]  # (platform, user_id, display_name)

    @property
    def private_chats(self) -> list[tuple[str, str]]:
        return [(platform, user_id) for platform, user_id, _ in self.accounts]


@dataclass
class Erasure:
    rows_changed: int = 0
    tables: set[str] = field(default_factory=set)
    files_deleted: int = 0


def exports_dir(db: Database) -> Path:
    return db.path.parent / EXPORTS_DIR


def _decoded(value: Any) -> Any:
    """A JSON document stored as text is exported as the document, not as a string."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, bytes):
        return value.hex()
    return value


def _unlinked(doc: Any, participant_id: int) -> Any:
    """`doc` with every id of theirs under a participant-like key set to null; nothing
    else changes."""
    if isinstance(doc, list):
        return [_unlinked(v, participant_id) for v in doc]
    if isinstance(doc, dict):
        return {k: (None if PERSON_COLUMN.match(k) and v == participant_id
                    and not isinstance(v, bool) else _unlinked(v, participant_id))
                for k, v in doc.items()}
    return doc


def text_hashes(texts: Iterable[str]) -> set[str]:
    """The translation cache's keys a text may have produced (whole, and line by line)."""
    keys: set[str] = set()
    for text in texts:
        for piece in {text, text.strip(), *text.splitlines(), *(t.strip() for t in
                                                               text.splitlines())}:
            if piece:
                keys.add(hashlib.sha256(piece.encode("utf-8")).hexdigest())
    return keys


def _in(values: list[Any]) -> str:
    return ", ".join("?" * len(values))


class PersonalData:
    def __init__(self, db: Database):
        self.db = db

    def exports_dir(self) -> Path:
        """Where the personal-data exports are written, beside the database."""
        return exports_dir(self.db)

    async def shapes(self) -> list[TableShape]:
        """Every ordinary table (not virtual tables nor their shadow tables: those are
        kept in step by their triggers)."""
        shapes = []
        for name, without_rowid in await self._ordinary_tables():
            if name.startswith("sqlite_") or name in NOT_PERSONAL:
                continue
            columns = tuple(
                Column(c["name"], c["type"] or "", bool(c["notnull"]), bool(c["pk"]))
                for c in await self.db.fetchall(f'PRAGMA table_info("{name}")'))
            person: dict[str, str] = {}
            mentions: Mentions | None = None
            for fk in await self.db.fetchall(f'PRAGMA foreign_key_list("{name}")'):
                if fk["table"] == "participants":
                    person[fk["from"]] = str(fk["on_delete"]).upper()
                elif name == fk["table"] + MENTIONS and fk["to"]:
                    mentions = Mentions(fk["table"], fk["from"], fk["to"])
            if name != "participants":
                for c in columns:
                    if c.name not in person and PERSON_COLUMN.match(c.name) and (
                            not c.type or "INT" in c.type.upper()):
                        person[c.name] = ""
            unique: set[str] = set()
            for index in await self.db.fetchall(f'PRAGMA index_list("{name}")'):
                if index["unique"]:
                    for ic in await self.db.fetchall(f'PRAGMA index_info("{index["name"]}")'):
                        unique.add(ic["name"])
            shapes.append(TableShape(name, columns, person, frozenset(unique), without_rowid,
                                     mentions if person else None))
        return shapes

    async def _ordinary_tables(self) -> list[tuple[str, bool]]:
        """(name, WITHOUT ROWID) of the main schema's ordinary tables."""
        try:
            rows = await self.db.fetchall("PRAGMA main.table_list")
        except aiosqlite.OperationalError:  # before SQLite 3.37: read the schema instead
            rows = []
        if rows:
            return [(r["name"], bool(r["wr"])) for r in rows if r["type"] == "table"]
        master = await self.db.fetchall(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        virtual = [r["name"] for r in master
                   if (r["sql"] or "").upper().startswith("CREATE VIRTUAL TABLE")]
        return [(r["name"], "WITHOUT ROWID" in (r["sql"] or "").upper()) for r in master
                if r["name"] not in virtual
                and not any(r["name"].startswith(v + "_") for v in virtual)]

    async def identity(self, participant_id: int) -> Identity:
        rows = await self.db.fetchall(
            "SELECT platform, user_id, display_name FROM accounts WHERE participant_id = ? "
            "ORDER BY platform, user_id", (participant_id,))
        return Identity(participant_id, tuple((r[0], r[1], r[2]) for r in rows))

    async def _relay_ids(self, participant_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT relay_id FROM relay_messages WHERE author_participant_id = ?",
            (participant_id,))
        return [r[0] for r in rows]

    async def _cache_keys(self, participant_id: int) -> set[str]:
        """The translation cache's keys of what they wrote, less those of the same words
        written by someone else (that cache row serves them too)."""
        rows = await self.db.fetchall(
            "SELECT author_participant_id IS ?, text FROM relay_messages "
            "WHERE role = 'origin' AND text IS NOT NULL", (participant_id,))
        theirs = text_hashes(r[1] for r in rows if r[0])
        return theirs - text_hashes(r[1] for r in rows if not r[0]) if theirs else theirs

    def _conditions(self, shape: TableShape, who: Identity, relay_ids: list[str],
                    hashes: set[str], *, include_person_columns: bool
                    ) -> list[tuple[str, list[Any]]]:
        """WHERE clauses selecting the rows of `shape` that are theirs."""
        out: list[tuple[str, list[Any]]] = []
        if shape.name == "participants":
            out.append(("id = ?", [who.participant_id]))
        if include_person_columns:
            out += [(f'"{c}" = ?', [who.participant_id]) for c in shape.person_columns]
        if who.accounts and shape.has("platform", "chat_id"):
            pairs = who.private_chats
            out.append((f"(platform, chat_id) IN (VALUES {', '.join(['(?, ?)'] * len(pairs))})",
                        [v for pair in pairs for v in pair]))
        if who.accounts and shape.has("platform", "user_id"):
            pairs = who.private_chats
            out.append((f"(platform, user_id) IN (VALUES {', '.join(['(?, ?)'] * len(pairs))})",
                        [v for pair in pairs for v in pair]))
        if relay_ids and shape.has("relay_id"):
            out.append((f"relay_id IN ({_in(relay_ids)})", list(relay_ids)))
        if relay_ids and shape.name == "outbox":
            out.append(("EXISTS (SELECT 1 FROM json_each(outbox.payload, '$.relay_ids') "
                        f"WHERE value IN ({_in(relay_ids)}))", list(relay_ids)))
        if hashes and shape.name == "translation_cache":
            out.append((f"text_sha256 IN ({_in(sorted(hashes))})", sorted(hashes)))
        return out

    async def export(self, participant_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row that refers to the participant, table by table. Of the messages that
        name them and went to others, the export lists which (`…_mentions`), not their
        text: it names other people too."""
        who = await self.identity(participant_id)
        relay_ids = await self._relay_ids(participant_id)
        hashes = await self._cache_keys(participant_id)
        tables: dict[str, list[dict[str, Any]]] = {}
        for shape in await self.shapes():
            conditions = self._conditions(shape, who, relay_ids, hashes,
                                          include_person_columns=True)
            if not conditions:
                continue
            where = " OR ".join(f"({sql})" for sql, _ in conditions)
            params = [p for _, ps in conditions for p in ps]
            rows = await self.db.fetchall(f'SELECT * FROM "{shape.name}" WHERE {where}', params)
            if rows:
                tables[shape.name] = [{k: _decoded(r[k]) for k in r.keys()} for r in rows]
        return tables

    async def erase(self, participant_id: int) -> Erasure:
        """Delete the participant and everything that is theirs, in one transaction."""
        who = await self.identity(participant_id)
        relay_ids = await self._relay_ids(participant_id)
        hashes = await self._cache_keys(participant_id)
        shapes = await self.shapes()
        result = Erasure()
        async with self.db.transaction() as tx:
            before = tx.total_changes

            async def changed(table: str, sql: str, params: list[Any]) -> None:
                start = tx.total_changes
                await tx.execute(sql, params)
                if tx.total_changes > start:
                    result.tables.add(table)

            # 1. Rows that are theirs without a foreign key (their private chats, the copies
            #    of what they wrote, cached translations of it), and what the bot wrote
            #    about them: rows listed in a `…_mentions` table (a message naming them),
            #    details of rows about them.
            for shape in shapes:
                if shape.name == "participants":
                    continue
                for sql, params in self._conditions(shape, who, relay_ids, hashes,
                                                    include_person_columns=False):
                    await changed(shape.name, f'DELETE FROM "{shape.name}" WHERE {sql}', params)
            for shape in shapes:
                if shape.mentions is not None:
                    m = shape.mentions
                    for column in shape.person_columns:
                        await changed(m.table, f'DELETE FROM "{m.table}" WHERE "{m.target}" IN '
                                      f'(SELECT "{m.column}" FROM "{shape.name}" '
                                      f'WHERE "{column}" = ?)', [participant_id])
                if shape.has(ABOUT_COLUMN, ABOUT_TEXT):
                    await changed(shape.name, f'UPDATE "{shape.name}" SET "{ABOUT_TEXT}" = ? '
                                  f'WHERE "{ABOUT_COLUMN}" = ?', [ANONYMOUS, participant_id])
            # 2. Columns the schema does not clean up itself (no foreign key, or one without
            #    an ON DELETE action): unlinked where they may be empty, deleted otherwise.
            for shape in shapes:
                for column, action in shape.person_columns.items():
                    if action in ("CASCADE", "SET NULL", "SET DEFAULT"):
                        continue
                    nullable = not next(c for c in shape.columns if c.name == column).notnull
                    sql = (f'UPDATE "{shape.name}" SET "{column}" = NULL WHERE "{column}" = ?'
                           if nullable else f'DELETE FROM "{shape.name}" WHERE "{column}" = ?')
                    await changed(shape.name, sql, [participant_id])
            # 3. The participant: the schema's CASCADE, SET NULL and triggers do the rest.
            await changed("participants", "DELETE FROM participants WHERE id = ?",
                          [participant_id])
            # 4. Their id recorded in a JSON document under a participant-like key.
            for shape in shapes:
                await self._unlink_json(tx, shape, participant_id, result)
            result.rows_changed = tx.total_changes - before
        result.files_deleted = self._delete_exports(participant_id)
        return result

    async def _unlink_json(self, tx: aiosqlite.Connection, shape: TableShape,
                           participant_id: int, result: Erasure) -> None:
        columns = [c.name for c in shape.columns
                   if c.is_text and not c.pk and c.name not in shape.unique_columns]
        if not columns:
            return
        key = ", ".join(f'"{c.name}"' for c in shape.columns if c.pk) if shape.without_rowid \
            else "rowid"
        # What `"key": <id>` looks like in json.dumps and in SQLite's json().
        likes = [f'%":{space}{participant_id}{end}%' for space in ("", " ")
                 for end in (",", "}", "]", " ")]
        for column in columns:
            where = " OR ".join(f'"{column}" LIKE ?' for _ in likes)
            async with tx.execute(f'SELECT {key}, "{column}" FROM "{shape.name}" '
                                  f"WHERE {where}", likes) as cur:
                rows = list(await cur.fetchall())
            for row in rows:
                *ids, value = tuple(row)
                if not isinstance(value, str) or value[:1] not in ("{", "["):
                    continue
                try:
                    doc = json.loads(value)
                except ValueError:
                    continue
                new = _unlinked(doc, participant_id)
                if new == doc:
                    continue
                match = " AND ".join(f"{k.strip()} = ?" for k in key.split(","))
                await tx.execute(f'UPDATE "{shape.name}" SET "{column}" = ? WHERE {match}',
                                 [json.dumps(new, ensure_ascii=False), *ids])
                result.tables.add(shape.name)

    def _delete_exports(self, participant_id: int) -> int:
        folder = exports_dir(self.db)
        deleted = 0
        if folder.is_dir():
            for path in folder.glob(f"mydata-{participant_id}-*.json"):
                path.unlink(missing_ok=True)
                deleted += 1
        return deleted
