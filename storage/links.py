"""Account linking: short-lived single-use codes, and merging two participants into one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

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

    async def redeem(self, code: str, now: float) -> LinkCode | None:
        """Use a code once: it is deleted whether or not it was still valid."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT code, participant_id, platform, created_at, expires_at FROM link_codes "
                "WHERE code = ?", (code,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            await tx.execute("DELETE FROM link_codes WHERE code = ?", (code,))
        link = LinkCode(**dict(row))
        return link if link.expires_at > now else None

    async def merge(self, keep: int, absorb: int) -> None:
        """Make `absorb` part of `keep`: every row that points at `absorb` (found from the
        schema's foreign keys, so tables added later are merged too) moves to `keep`, the
        language and consent are kept where `keep` has none, and `absorb` is deleted."""
        async with self.db.transaction() as tx:
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
