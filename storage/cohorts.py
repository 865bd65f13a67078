"""Enrolments in cohorts, and the installation's anchor day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.db import Database


@dataclass(frozen=True)
class Enrolment:
    cohort: str
    participant_id: int
    joined_at: float
    via: str


class EnrolmentRepository:
    def __init__(self, db: Database):
        self.db = db

    async def anchor_day(self, today: date) -> date:
        """The day the database was created: recorded once (as `today` the first time),
        then always the same."""
        await self.db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('anchor_day', ?)",
                              (today.isoformat(),))
        row = await self.db.fetchone("SELECT value FROM meta WHERE key = 'anchor_day'")
        assert row is not None
        return date.fromisoformat(row["value"])

    async def enrol(self, cohort: str, participant_id: int, at: float, via: str) -> bool:
        """True if the participant was not enrolled yet."""
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO enrolments (cohort, participant_id, joined_at, via) "
            "VALUES (?, ?, ?, ?)", (cohort, participant_id, at, via))
        return cur.rowcount == 1

    async def leave(self, cohort: str, participant_id: int) -> bool:
        cur = await self.db.execute(
            "DELETE FROM enrolments WHERE cohort = ? AND participant_id = ?",
            (cohort, participant_id))
        return cur.rowcount == 1

    async def cohorts_of(self, participant_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT cohort FROM enrolments WHERE participant_id = ? ORDER BY joined_at",
            (participant_id,))
        return [r["cohort"] for r in rows]

    async def members(self, cohort: str) -> list[Enrolment]:
        rows = await self.db.fetchall(
            "SELECT cohort, participant_id, joined_at, via FROM enrolments WHERE cohort = ? "
            "ORDER BY joined_at, participant_id", (cohort,))
        return [Enrolment(**dict(r)) for r in rows]

    async def count(self, cohort: str) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM enrolments WHERE cohort = ?",
                                     (cohort,))
        return int(row["n"]) if row else 0
