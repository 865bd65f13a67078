"""The persistent message map: which native message in which chat is which relay."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database

_COLUMNS = ("relay_id, platform, chat_id, native_id, role, author_participant_id, text, "
            "language, created_at")


@dataclass(frozen=True, slots=True)
class RelayEntry:
    relay_id: str
    platform: str
    chat_id: str
    native_id: str
    role: str  # "origin" | "copy"
    author_participant_id: int | None
    text: str | None
    language: str | None
    created_at: float


class RelayMap:
    def __init__(self, db: Database):
        self.db = db

    async def record(self, entry: RelayEntry) -> None:
        await self.db.execute(
            f"INSERT OR IGNORE INTO relay_messages ({_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.relay_id, entry.platform, entry.chat_id, entry.native_id, entry.role,
             entry.author_participant_id, entry.text, entry.language, entry.created_at))

    async def relays_of(self, platform: str, chat_id: str, native_id: str) -> list[RelayEntry]:
        """The relay(s) a native message belongs to (several for a merged post)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM relay_messages WHERE platform = ? AND chat_id = ? "
            "AND native_id = ?", (platform, chat_id, native_id))
        return [RelayEntry(**dict(r)) for r in rows]

    async def copies(self, relay_id: str) -> list[RelayEntry]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM relay_messages WHERE relay_id = ? ORDER BY created_at",
            (relay_id,))
        return [RelayEntry(**dict(r)) for r in rows]

    async def origin(self, relay_id: str) -> RelayEntry | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM relay_messages WHERE relay_id = ? AND role = 'origin'",
            (relay_id,))
        return RelayEntry(**dict(row)) if row else None

    async def shares_post(self, platform: str, chat_id: str, native_id: str) -> int:
        """How many relayed copies a native post carries (more than one: a merged post)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM relay_messages WHERE platform = ? AND chat_id = ? "
            "AND native_id = ? AND role = 'copy'", (platform, chat_id, native_id))
        return int(row[0]) if row else 0

    async def update_text(self, relay_id: str, text: str, language: str | None) -> None:
        await self.db.execute(
            "UPDATE relay_messages SET text = ?, language = ? WHERE relay_id = ? "
            "AND role = 'origin'", (text, language, relay_id))
