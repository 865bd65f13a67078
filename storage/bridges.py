"""Bridges: sets of chats, one language each, whose messages are relayed to one another."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class BridgeChannel:
    bridge_id: int
    bridge_name: str
    platform: str
    chat_id: str
    chat_kind: str
    language: str
    title: str | None


_CHANNEL = (
    "SELECT c.bridge_id, b.name AS bridge_name, c.platform, c.chat_id, c.chat_kind, c.language, "
    "c.title FROM bridge_channels c JOIN bridges b ON b.id = c.bridge_id"
)


class BridgeRepository:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, name: str, created_by: int | None, now: float,
                     from_config: bool = False) -> int | None:
        """A new bridge's id; None when the name is taken."""
        try:
            cur = await self.db.execute(
                "INSERT INTO bridges (name, created_by, created_at, from_config) "
                "VALUES (?, ?, ?, ?)", (name, created_by, now, int(from_config)))
        except sqlite3.IntegrityError:
            return None
        return int(cur.lastrowid or 0)

    async def id_of(self, name: str) -> int | None:
        row = await self.db.fetchone("SELECT id FROM bridges WHERE name = ?", (name,))
        return int(row[0]) if row else None

    async def created_by(self, bridge_id: int) -> int | None:
        """Who created the bridge in chat; None for one from the configuration."""
        row = await self.db.fetchone("SELECT created_by FROM bridges WHERE id = ?",
                                     (bridge_id,))
        return int(row[0]) if row and row[0] is not None else None

    async def names(self) -> list[tuple[str, int]]:
        rows = await self.db.fetchall(
            "SELECT b.name, COUNT(c.chat_id) FROM bridges b LEFT JOIN bridge_channels c "
            "ON c.bridge_id = b.id GROUP BY b.id ORDER BY b.name")
        return [(r[0], int(r[1])) for r in rows]

    async def join(self, bridge_id: int, platform: str, chat_id: str, chat_kind: str,
                   language: str, title: str | None) -> None:
        """Put a chat in a bridge (moving it out of any other)."""
        await self.db.execute(
            "INSERT INTO bridge_channels "
            "(bridge_id, platform, chat_id, chat_kind, language, title) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET "
            "bridge_id = excluded.bridge_id, language = excluded.language, "
            "chat_kind = excluded.chat_kind, "
            "title = COALESCE(excluded.title, bridge_channels.title)",
            (bridge_id, platform, chat_id, chat_kind, language, title))

    async def leave(self, platform: str, chat_id: str) -> bool:
        cur = await self.db.execute(
            "DELETE FROM bridge_channels WHERE platform = ? AND chat_id = ?", (platform, chat_id))
        return cur.rowcount > 0

    async def channel(self, platform: str, chat_id: str) -> BridgeChannel | None:
        row = await self.db.fetchone(f"{_CHANNEL} WHERE c.platform = ? AND c.chat_id = ?",
                                     (platform, chat_id))
        return BridgeChannel(**dict(row)) if row else None

    async def linked(self, platform: str, chat_id: str) -> list[BridgeChannel]:
        """Every channel of the bridge this chat is in, itself included (none when it is in
        no bridge): one query on every relayed message."""
        rows = await self.db.fetchall(
            f"{_CHANNEL} WHERE c.bridge_id = (SELECT bridge_id FROM bridge_channels "
            "WHERE platform = ? AND chat_id = ?) ORDER BY c.platform, c.chat_id",
            (platform, chat_id))
        return [BridgeChannel(**dict(r)) for r in rows]

    async def channels(self, bridge_id: int) -> list[BridgeChannel]:
        rows = await self.db.fetchall(
            f"{_CHANNEL} WHERE c.bridge_id = ? ORDER BY c.platform, c.chat_id", (bridge_id,))
        return [BridgeChannel(**dict(r)) for r in rows]
