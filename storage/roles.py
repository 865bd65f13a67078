"""Roles granted in chat (facilitator); the config's list of facilitators is not stored."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.participants import Account


class RoleRepository:
    def __init__(self, db: Database):
        self.db = db

    async def has(self, participant_id: int, role: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM roles WHERE participant_id = ? AND role = ?", (participant_id, role)
        )
        return row is not None

    async def grant(
        self, participant_id: int, role: str, granted_by: int | None, now: datetime
    ) -> bool:
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO roles (participant_id, role, granted_by, granted_at) "
            "VALUES (?, ?, ?, ?)",
            (participant_id, role, granted_by, now.isoformat(timespec="seconds")),
        )
        return cur.rowcount > 0

    async def revoke(self, participant_id: int, role: str) -> bool:
        cur = await self.db.execute(
            "DELETE FROM roles WHERE participant_id = ? AND role = ?", (participant_id, role)
        )
        return cur.rowcount > 0

    async def of(self, participant_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT role FROM roles WHERE participant_id = ? ORDER BY role", (participant_id,)
        )
        return [r["role"] for r in rows]

    async def holders(self, role: str) -> list[int]:
        """The participants granted `role` in chat."""
        rows = await self.db.fetchall(
            "SELECT participant_id FROM roles WHERE role = ? ORDER BY granted_at, participant_id",
            (role,))
        return [int(r[0]) for r in rows]

    async def directory(self) -> list[Account]:
        """Every known account, to find a person by name or platform id."""
        rows = await self.db.fetchall(
            "SELECT platform, user_id, participant_id, display_name, linked_at FROM accounts "
            "ORDER BY participant_id, linked_at, rowid")
        return [Account(**dict(r)) for r in rows]
