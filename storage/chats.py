"""Chats the bot is in: private chats and groups, each with its language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database

_COLUMNS = "platform, chat_id, kind, title, language, created_at"


@dataclass(frozen=True, slots=True)
class Chat:
    platform: str
    chat_id: str
    kind: str
    title: str | None
    language: str | None
    created_at: str


class ChatRepository:
    def __init__(self, db: Database):
        self.db = db

    async def ensure(
        self, platform: str, chat_id: str, kind: str, title: str | None, now: datetime
    ) -> Chat:
        known = await self.get(platform, chat_id)  # every event: one read when nothing changed
        if known is not None and known.title == title:
            return known
        await self.db.execute(
            f"INSERT INTO chats ({_COLUMNS}) VALUES (?, ?, ?, ?, NULL, ?) "
            "ON CONFLICT (platform, chat_id) DO UPDATE SET title = excluded.title "
            "WHERE chats.title IS NOT excluded.title",
            (platform, chat_id, kind, title, now.isoformat(timespec="seconds")),
        )
        chat = await self.get(platform, chat_id)
        assert chat is not None
        return chat

    async def get(self, platform: str, chat_id: str) -> Chat | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM chats WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        )
        return Chat(**dict(row)) if row else None

    async def set_language(self, platform: str, chat_id: str, language: str) -> None:
        await self.db.execute(
            "UPDATE chats SET language = ? WHERE platform = ? AND chat_id = ?",
            (language, platform, chat_id),
        )

    async def groups(self) -> list[Chat]:
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM chats WHERE kind = 'group' ORDER BY platform, chat_id")
        return [Chat(**dict(r)) for r in rows]
