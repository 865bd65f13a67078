"""What the operations endpoint reads: is the database answering, how far behind is the
outbox. Read-only, cheap (the outbox's status index), run at each scrape or probe."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Backlog:
    """One platform's messages not yet sent (waiting, being sent or waiting for a retry)."""

    platform: str
    depth: int
    oldest_created_at: float | None  # None: nothing waiting


class OpsQueries:
    def __init__(self, db: Database):
        self.db = db

    async def database_answers(self) -> bool:
        try:
            row = await self.db.fetchone("SELECT 1")
        except Exception:
            return False
        return row is not None and row[0] == 1

    async def backlog(self, platform: str) -> Backlog:
        # One indexed range per status (outbox_due: platform, status, ...): sent rows,
        # the bulk of the table, are never scanned.
        depth, oldest = 0, None
        for status in ("pending", "sending"):
            row = await self.db.fetchone(
                "SELECT COUNT(*), MIN(created_at) FROM outbox "
                "WHERE platform = ? AND status = ?", (platform, status))
            if row is not None and row[0]:
                depth += int(row[0])
                oldest = float(row[1]) if oldest is None else min(oldest, float(row[1]))
        return Backlog(platform, depth, oldest)
