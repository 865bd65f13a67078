"""Account linking: short-lived single-use codes, wrong codes counted per account, and
merging two participants into one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import aiosqlite

from storage import pg_schema
from storage.db import Database

# No 0/O or 1/I/L: codes are read on a phone and typed on another device.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class LinkCode:
    code: str
    participant_id: int
    platform: str
    created_at: float
    expires_at: float


class LinkRepository:
    def __init__(self, db: Database):
        self.db = db

    async def issue(self, participant_id: int, platform: str, now: float, ttl: float) -> LinkCode:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        async with self.db.transaction() as tx:
            # One live code per participant: a new one replaces the old.
            await tx.execute("DELETE FROM link_codes WHERE participant_id = ?", (participant_id,))
            await tx.execute(
                "INSERT INTO link_codes (code, participant_id, platform, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (code, participant_id, platform, now, now + ttl),
            )
        return LinkCode(code, participant_id, platform, now, now + ttl)

    async def lookup(self, code: str, now: float) -> LinkCode | None:
        """The live code, left in place (asking for a confirmation does not use it)."""
        row = await self.db.fetchone(
            "SELECT code, participant_id, platform, created_at, expires_at FROM link_codes "
            "WHERE code = ? AND expires_at > ?", (code, now))
        return LinkCode(**dict(row)) if row else None

    async def redeem(self, code: str, now: float, owner: int | None = None
                     ) -> LinkCode | None:
        """Use a live code once (only if `owner`'s, when given): deleted as it is used."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT code, participant_id, platform, created_at, expires_at FROM link_codes "
                "WHERE code = ? AND expires_at > ?", (code, now)
            ) as cur:
                row = await cur.fetchone()
            if row is None or (owner is not None and row["participant_id"] != owner):
                return None
            await tx.execute("DELETE FROM link_codes WHERE code = ?", (code,))
        return LinkCode(**dict(row))

    async def record_failure(self, platform: str, user_id: str, now: float, window: float
                             ) -> None:
        """A wrong code typed from this account; attempts older than `window` go."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM link_attempts WHERE at <= ?", (now - window,))
            await tx.execute("INSERT INTO link_attempts (platform, user_id, at) VALUES (?, ?, ?)",
                             (platform, user_id, now))

    async def prune(self, before: float) -> None:
        """Forget wrong codes typed before `before`, and codes expired by then."""
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM link_attempts WHERE at <= ?", (before,))
            await tx.execute("DELETE FROM link_codes WHERE expires_at <= ?", (before,))

    async def failures(self, platform: str, user_id: str, since: float) -> list[float]:
        """When this account typed a wrong code after `since`, the newest first."""
        rows = await self.db.fetchall(
            "SELECT at FROM link_attempts WHERE platform = ? AND user_id = ? AND at > ? "
            "ORDER BY at DESC", (platform, user_id, since))
        return [float(r[0]) for r in rows]

    async def footprint(self, participant_id: int) -> dict[str, int]:
        """How many rows of each table refer to the participant (found from the schema, as
        `merge` moves them), and `reminders` (their active reminders) and `cohorts`."""
        counts: dict[str, int] = {}
        for table, column in await self._references():
            row = await self.db.fetchone(
                f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ?', (participant_id,))
            if row is not None and row[0]:
                counts[table] = counts.get(table, 0) + int(row[0])
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM schedules WHERE participant_id = ? AND kind = 'reminder' "
            "AND status = 'active'", (participant_id,))
        counts["reminders"] = int(row[0]) if row else 0
        return counts

    async def _references(self) -> list[tuple[str, str]]:
        """(table, column) of every foreign key to `participants`."""
        if self.db.dialect == "postgres":
            return [(table, fk.column) for table in await pg_schema.tables(self.db)
                    for fk in await pg_schema.foreign_keys(self.db, table)
                    if fk.table == "participants"]
        found = []
        tables = await self.db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        for (table,) in tables:
            for fk in await self.db.fetchall(f'PRAGMA foreign_key_list("{table}")'):
                if fk["table"] == "participants":
                    found.append((table, str(fk["from"])))
        return found

    async def merge(self, keep: int, absorb: int) -> list[str]:
        """Make `absorb` part of `keep`: every row that points at `absorb` (found from the
        schema's foreign keys, so tables added later are merged too) moves to `keep`, the
        language and consent are kept where `keep` has none, and `absorb` is deleted.

        Roles never move: `keep` is another person as far as the bot can tell, and a role
        passes to another person only when a facilitator grants it. `absorb`'s roles that
        `keep` lacks are dropped; they are returned."""
        references = await self._references() if self.db.dialect == "postgres" else []
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT role FROM roles WHERE participant_id = ? AND role NOT IN "
                "(SELECT role FROM roles WHERE participant_id = ?) ORDER BY role",
                (absorb, keep)) as cur:
                dropped = [str(r[0]) for r in await cur.fetchall()]
            await tx.execute("DELETE FROM roles WHERE participant_id = ?", (absorb,))
            if self.db.dialect == "postgres":
                for table, column in references:
                    await tx.update_or_ignore(table, column, keep, absorb)  # type: ignore[attr-defined]
            else:
                await self._move_rows(tx, keep, absorb)
            await tx.execute(
                "UPDATE participants SET "
                "language = COALESCE(language, (SELECT language FROM participants WHERE id = :a)),"
                "timezone = COALESCE(timezone, (SELECT timezone FROM participants WHERE id = :a)),"
                "consent_at = CASE WHEN consent IS NULL THEN "
                "  (SELECT consent_at FROM participants WHERE id = :a) ELSE consent_at END, "
                "consent = COALESCE(consent, (SELECT consent FROM participants WHERE id = :a)), "
                "created_at = MIN(created_at, (SELECT created_at FROM participants WHERE id = :a))"
                " WHERE id = :k",
                {"a": absorb, "k": keep},
            )
            await tx.execute("DELETE FROM participants WHERE id = ?", (absorb,))
        return dropped

    @staticmethod
    async def _move_rows(tx: aiosqlite.Connection, keep: int, absorb: int) -> None:
        async with tx.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ) as cur:
            tables = [r[0] for r in await cur.fetchall()]
        for table in tables:
            async with tx.execute(f"PRAGMA foreign_key_list({table})") as cur:
                refs = [r["from"] for r in await cur.fetchall() if r["table"] == "participants"]
            for column in refs:
                # OR IGNORE: a row `keep` already has (the same role twice) stays with
                # `absorb` and goes with it below.
                await tx.execute(
                    f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?",
                    (keep, absorb),
                )
