"""Whose answer the bot is waiting for: one conversation (a feature's kind) per participant
(see bot/conversations.py)."""

from __future__ import annotations

from storage.db import Database


class ConversationRepository:
    def __init__(self, db: Database):
        self.db = db

    async def owner(self, participant_id: int, now: float) -> str | None:
        """The kind of conversation waiting for this participant's answer, if one is and
        it has not expired."""
        row = await self.db.fetchone(
            "SELECT kind FROM conversations WHERE participant_id = ? "
            "AND (expires_at IS NULL OR expires_at > ?)", (participant_id, now))
        return str(row["kind"]) if row else None

    async def begin(self, participant_id: int, kind: str, now: float,
                    expires_at: float | None) -> str | None:
        """`kind` now waits for the participant's answer, in place of any other; returns
        the kind it replaced (None: none, or the same)."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                    "SELECT kind FROM conversations WHERE participant_id = ? "
                    "AND (expires_at IS NULL OR expires_at > ?)", (participant_id, now)) as cur:
                row = await cur.fetchone()
            # The same conversation going on is left as it is (nothing written), unless it
            # expires: then from now.
            await tx.execute(
                "INSERT INTO conversations (participant_id, kind, started_at, expires_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (participant_id) DO UPDATE SET "
                "kind = excluded.kind, started_at = excluded.started_at, "
                "expires_at = excluded.expires_at WHERE conversations.kind != excluded.kind "
                "OR excluded.expires_at IS NOT NULL OR conversations.expires_at IS NOT NULL",
                (participant_id, kind, now, expires_at))
        replaced = str(row["kind"]) if row else None
        return replaced if replaced != kind else None

    async def end(self, participant_id: int, kind: str) -> None:
        """`kind` no longer waits (another kind that has replaced it stays)."""
        await self.db.execute(
            "DELETE FROM conversations WHERE participant_id = ? AND kind = ?",
            (participant_id, kind))
