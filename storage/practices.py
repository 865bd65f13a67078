"""The good-practice base: practices (the seed's template), drafts in progress, their
translations, and full-text search (SQLite FTS5, accents ignored)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database

# The template's fields, in the order they are asked and shown.
FIELDS: tuple[str, ...] = (
    "title", "horizontality", "objectives", "stakeholders", "methodology", "validation",
    "innovation", "sustainability", "replicability", "contact", "url",
)
OPTIONAL_FIELDS = frozenset({"contact", "url"})
STATUSES = ("draft", "submitted", "returned", "approved")

_COLUMNS = ("id, status, author_id, language, " + ", ".join(FIELDS) +
            ", review_comment, reviewer_id, seed_key, created_at, updated_at, submitted_at, "
            "reviewed_at")
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Practice:
    id: int
    status: str
    author_id: int | None
    language: str
    title: str
    horizontality: str
    objectives: str
    stakeholders: str
    methodology: str
    validation: str
    innovation: str
    sustainability: str
    replicability: str
    contact: str
    url: str
    review_comment: str | None
    reviewer_id: int | None
    seed_key: str | None
    created_at: str
    updated_at: str
    submitted_at: str | None
    reviewed_at: str | None

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}

    def missing(self) -> list[str]:
        """Required fields still empty."""
        return [f for f in FIELDS if f not in OPTIONAL_FIELDS and not getattr(self, f).strip()]

    def next_empty(self, after: str | None = None) -> str | None:
        """The first field after `after` (or from the start) that has no text yet."""
        start = FIELDS.index(after) + 1 if after in FIELDS else 0
        return next((f for f in FIELDS[start:] if not getattr(self, f).strip()), None)


@dataclass(frozen=True, slots=True)
class Draft:
    participant_id: int
    practice_id: int
    step: str | None  # the field being asked; None: the summary
    editing: bool
    active: bool
    updated_at: str


@dataclass(frozen=True, slots=True)
class Translation:
    practice_id: int
    language: str
    fields: dict[str, str] = field(default_factory=dict)
    source_sha256: str = ""
    origin: str = "engine"  # "content" | "engine"


def fields_hash(fields: dict[str, str]) -> str:
    """What a translation was made from: the original fields, in template order."""
    payload = json.dumps([fields.get(f, "") for f in FIELDS], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fts_query(words: str) -> str | None:
    """The reader's words as an FTS5 query: every word must appear (as a word prefix),
    with FTS5's syntax neutralised by quoting. None when nothing searchable is left."""
    terms = []
    for word in words.split():
        if not _WORD.search(word):
            continue
        terms.append('"' + word.replace('"', '""') + '"*')
    return " ".join(terms) if terms else None


def ts_query(words: str) -> str:
    """The same words as a PostgreSQL tsquery: every word, as a prefix, each quoted (the
    text search parser splits a quoted word at punctuation as it split the documents)."""
    terms = ["'" + word.replace("\\", "").replace("'", "''") + "':*"
             for word in words.split() if _WORD.search(word)]
    return " & ".join(terms)


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


class PracticeRepository:
    def __init__(self, db: Database):
        self.db = db

    # --- practices ---------------------------------------------------------------------
    async def get(self, practice_id: int) -> Practice | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM practices WHERE id = ?",
                                     (practice_id,))
        return Practice(**dict(row)) if row else None

    async def by_seed(self, seed_key: str) -> Practice | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM practices WHERE seed_key = ?",
                                     (seed_key,))
        return Practice(**dict(row)) if row else None

    async def with_status(self, status: str) -> list[Practice]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM practices WHERE status = ? ORDER BY id", (status,))
        return [Practice(**dict(r)) for r in rows]

    async def classify(self, practice_id: int, country: str, theme: str) -> None:
        """Where and what a practice is about, for the catalogue's filters."""
        await self.db.execute("UPDATE practices SET country = ?, theme = ? WHERE id = ?",
                              (country, theme, practice_id))

    async def classification(self, practice_ids: list[int]) -> dict[int, tuple[str, str]]:
        """(country, theme) of these practices."""
        if not practice_ids:
            return {}
        marks = ", ".join("?" for _ in practice_ids)
        rows = await self.db.fetchall(
            f"SELECT id, country, theme FROM practices WHERE id IN ({marks})", practice_ids)
        return {r["id"]: (r["country"], r["theme"]) for r in rows}

    async def facets(self) -> tuple[list[str], list[str]]:
        """The countries and the themes of the approved practices."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT country, theme FROM practices WHERE status = 'approved'")
        return (sorted({r["country"] for r in rows} - {""}),
                sorted({r["theme"] for r in rows} - {""}))

    async def approved_count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM practices WHERE status = 'approved'")
        return int(row[0]) if row else 0

    async def translations_of(self, practice_ids: list[int], language: str
                              ) -> dict[int, Translation]:
        """The stored `language` translations of these practices, by practice."""
        if not practice_ids:
            return {}
        marks = ", ".join("?" for _ in practice_ids)
        rows = await self.db.fetchall(
            f"SELECT practice_id, {', '.join(FIELDS)}, source_sha256, origin "
            f"FROM practice_translations WHERE language = ? AND practice_id IN ({marks})",
            (language, *practice_ids))
        return {r["practice_id"]: Translation(r["practice_id"], language,
                                              {f: r[f] for f in FIELDS}, r["source_sha256"],
                                              r["origin"]) for r in rows}

    async def unfinished_of(self, author_id: int) -> Practice | None:
        """An author's practice that is still theirs to work on (a draft or a returned one)."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM practices WHERE author_id = ? "
            "AND status IN ('draft', 'returned') ORDER BY status = 'draft' DESC, id LIMIT 1",
            (author_id,))
        return Practice(**dict(row)) if row else None

    async def returned_of(self, author_id: int) -> list[Practice]:
        """An author's practices returned by a facilitator, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM practices WHERE author_id = ? AND status = 'returned' "
            "ORDER BY id", (author_id,))
        return [Practice(**dict(r)) for r in rows]

    async def count_of(self, author_id: int, status: str) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM practices WHERE author_id = ? AND status = ?",
            (author_id, status))
        return int(row[0]) if row else 0

    async def create(self, author_id: int | None, language: str, now: datetime, *,
                     fields: dict[str, str] | None = None, status: str = "draft",
                     seed_key: str | None = None) -> int:
        values = {f: (fields or {}).get(f, "") for f in FIELDS}
        stamp = _stamp(now)
        cur = await self.db.execute(
            f"INSERT INTO practices (status, author_id, language, {', '.join(FIELDS)}, "
            "seed_key, created_at, updated_at, submitted_at, reviewed_at) VALUES "
            f"(?, ?, ?, {', '.join('?' for _ in FIELDS)}, ?, ?, ?, ?, ?)",
            (status, author_id, language, *values.values(), seed_key, stamp, stamp,
             stamp if status != "draft" else None, stamp if status == "approved" else None),
        )
        assert cur.lastrowid is not None
        return int(cur.lastrowid)

    async def set_field(self, practice_id: int, name: str, value: str, now: datetime) -> None:
        if name not in FIELDS:
            raise ValueError(f"unknown practice field {name!r}")
        await self.db.execute(
            f"UPDATE practices SET {name} = ?, updated_at = ? WHERE id = ?",
            (value, _stamp(now), practice_id))

    async def replace_fields(self, practice_id: int, language: str, fields: dict[str, str],
                             now: datetime) -> None:
        sets = ", ".join(f"{f} = ?" for f in FIELDS)
        await self.db.execute(
            f"UPDATE practices SET language = ?, {sets}, updated_at = ? WHERE id = ?",
            (language, *(fields.get(f, "") for f in FIELDS), _stamp(now), practice_id))

    async def submit(self, practice_id: int, now: datetime) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE practices SET status = 'submitted', submitted_at = ?, updated_at = ? "
                "WHERE id = ?", (_stamp(now), _stamp(now), practice_id))
            await tx.execute("DELETE FROM practice_drafts WHERE practice_id = ?", (practice_id,))

    async def review(self, practice_id: int, status: str, reviewer_id: int | None,
                     comment: str | None, now: datetime) -> None:
        """Approve or return a submitted practice."""
        if status not in ("approved", "returned"):
            raise ValueError(status)
        await self.db.execute(
            "UPDATE practices SET status = ?, reviewer_id = ?, review_comment = ?, "
            "reviewed_at = ?, updated_at = ? WHERE id = ?",
            (status, reviewer_id, comment, _stamp(now), _stamp(now), practice_id))

    async def delete(self, practice_id: int) -> None:
        await self.db.execute("DELETE FROM practices WHERE id = ?", (practice_id,))

    async def search(self, words: str, limit: int = 20, offset: int = 0, *,
                     country: str = "", theme: str = "") -> list[Practice]:
        """Approved practices matching every word, in the original or any translation, best
        match first. Empty words: every approved practice, oldest first. A country or a
        theme keeps only the practices classified so."""
        query = fts_query(words)
        kept = ("AND (? = '' OR p.country = ?) AND (? = '' OR p.theme = ?) ",
                (country, country, theme, theme))
        if query is None:
            rows = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM practices p WHERE status = 'approved' {kept[0]}"
                "ORDER BY id LIMIT ? OFFSET ?", (*kept[1], limit, offset))
        elif self.db.dialect == "postgres":
            rows = await self.db.fetchall(
                f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))} "
                "FROM practices p JOIN ("
                "  SELECT practice_id, MAX(ts_rank(document, q)) AS best "
                "  FROM practices_fts, to_tsquery('simple', unaccent(?)) AS q "
                "  WHERE document @@ q GROUP BY practice_id"
                ") m ON m.practice_id = p.id "
                f"WHERE p.status = 'approved' {kept[0]}ORDER BY m.best DESC, p.id "
                "LIMIT ? OFFSET ?", (ts_query(words), *kept[1], limit, offset))
        else:
            rows = await self.db.fetchall(
                f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))} "
                "FROM practices p JOIN ("
                "  SELECT practice_id, MIN(rank) AS best FROM practices_fts "
                "  WHERE practices_fts MATCH ? GROUP BY practice_id"
                ") m ON m.practice_id = p.id "
                f"WHERE p.status = 'approved' {kept[0]}ORDER BY m.best, p.id LIMIT ? OFFSET ?",
                (query, *kept[1], limit, offset))
        return [Practice(**dict(r)) for r in rows]

    # --- drafts ------------------------------------------------------------------------
    async def draft_of(self, participant_id: int) -> Draft | None:
        row = await self.db.fetchone(
            "SELECT participant_id, practice_id, step, editing, active, updated_at "
            "FROM practice_drafts WHERE participant_id = ?", (participant_id,))
        if row is None:
            return None
        return Draft(row["participant_id"], row["practice_id"], row["step"],
                     bool(row["editing"]), bool(row["active"]), row["updated_at"])

    async def set_draft(self, participant_id: int, practice_id: int, step: str | None,
                        now: datetime, *, editing: bool = False, active: bool = True) -> None:
        await self.db.execute(
            "INSERT INTO practice_drafts (participant_id, practice_id, step, editing, active, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (participant_id) DO UPDATE SET "
            "practice_id = excluded.practice_id, step = excluded.step, "
            "editing = excluded.editing, active = excluded.active, "
            "updated_at = excluded.updated_at",
            (participant_id, practice_id, step, int(editing), int(active), _stamp(now)))

    async def pause_draft(self, participant_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE practice_drafts SET active = 0, updated_at = ? WHERE participant_id = ?",
            (_stamp(now), participant_id))

    # --- translations ------------------------------------------------------------------
    async def translation(self, practice_id: int, language: str) -> Translation | None:
        row = await self.db.fetchone(
            f"SELECT {', '.join(FIELDS)}, source_sha256, origin FROM practice_translations "
            "WHERE practice_id = ? AND language = ?", (practice_id, language))
        if row is None:
            return None
        return Translation(practice_id, language, {f: row[f] for f in FIELDS},
                           row["source_sha256"], row["origin"])

    async def put_translation(self, translation: Translation, now: datetime) -> None:
        values = [translation.fields.get(f, "") for f in FIELDS]
        async with self.db.transaction() as tx:
            # Delete, then insert: the FTS triggers follow both (REPLACE would skip one).
            await tx.execute(
                "DELETE FROM practice_translations WHERE practice_id = ? AND language = ?",
                (translation.practice_id, translation.language))
            await tx.execute(
                f"INSERT INTO practice_translations (practice_id, language, {', '.join(FIELDS)}, "
                "source_sha256, origin, created_at) VALUES "
                f"(?, ?, {', '.join('?' for _ in FIELDS)}, ?, ?, ?)",
                (translation.practice_id, translation.language, *values,
                 translation.source_sha256, translation.origin, _stamp(now)))

    async def drop_translations(self, practice_id: int, keep: set[str] | None = None) -> None:
        rows = await self.db.fetchall(
            "SELECT language FROM practice_translations WHERE practice_id = ?", (practice_id,))
        for row in rows:
            if keep is None or row["language"] not in keep:
                await self.db.execute(
                    "DELETE FROM practice_translations WHERE practice_id = ? AND language = ?",
                    (practice_id, row["language"]))

    # --- authors -----------------------------------------------------------------------
    async def author_account(self, participant_id: int) -> tuple[str, str] | None:
        """(platform, user id) of the account the author used last: where to tell them."""
        row = await self.db.fetchone(
            "SELECT platform, user_id FROM accounts WHERE participant_id = ? "
            "ORDER BY last_seen_at DESC NULLS LAST, linked_at DESC LIMIT 1", (participant_id,))
        return (row["platform"], row["user_id"]) if row else None
