"""Announcements sent by facilitators; delivery counts come from the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    created_by: int | None
    audience: str
    text: str
    created_at: float
    recipients: int


class AnnouncementRepository:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, created_by: int, audience: str, text: str, now: float) -> int:
        cur = await self.db.execute(
            "INSERT INTO announcements (created_by, audience, text, created_at) "
            "VALUES (?, ?, ?, ?)", (created_by, audience, text, now))
        return int(cur.lastrowid or 0)

    async def set_recipients(self, announcement_id: int, count: int) -> None:
        await self.db.execute("UPDATE announcements SET recipients = ? WHERE id = ?",
                              (count, announcement_id))

    async def latest(self, limit: int) -> list[Announcement]:
        rows = await self.db.fetchall(
            "SELECT id, created_by, audience, text, created_at, recipients FROM announcements "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [Announcement(**dict(r)) for r in rows]
