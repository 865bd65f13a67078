"""Button tokens (see bot/buttons.py): what a button's short token stands for, who may
press it, and the outbox history that vouches for buttons sent before tokens existed."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True, slots=True)
class ButtonToken:
    token: str
    data: str
    platform: str
    chat_id: str
    chat_kind: str  # "private" | "group"
    participant_id: int | None  # a private chat's participant, when they are known
    created_at: float


class ButtonTokenRepository:
    def __init__(self, db: Database):
        self.db = db

    async def participant_of(self, platform: str, user_id: str) -> int | None:
        """The participant whose account is (platform, user_id): a private chat's reader."""
        row = await self.db.fetchone(
            "SELECT participant_id FROM accounts WHERE platform = ? AND user_id = ?",
            (platform, user_id))
        return int(row[0]) if row else None

    async def add_many(self, tokens: list[ButtonToken]) -> None:
        if tokens:
            await self.db.executemany(
                "INSERT INTO button_tokens (token, data, platform, chat_id, chat_kind, "
                "participant_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(t.token, t.data, t.platform, t.chat_id, t.chat_kind, t.participant_id,
                  t.created_at) for t in tokens])

    async def get(self, token: str) -> ButtonToken | None:
        row = await self.db.fetchone(
            "SELECT token, data, platform, chat_id, chat_kind, participant_id, created_at "
            "FROM button_tokens WHERE token = ?", (token,))
        if row is None:
            return None
        return ButtonToken(str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]),
                           None if row[5] is None else int(row[5]), float(row[6]))

    async def prune(self, before: float) -> int:
        cur = await self.db.execute("DELETE FROM button_tokens WHERE created_at < ?",
                                    (before,))
        return cur.rowcount or 0

    async def sent_raw(self, platform: str, chat_id: str, data: str, since: float) -> bool:
        """Whether a message the bot sent to this chat before tokens existed, and since
        `since`, carried a button with exactly this data, written out."""
        row = await self.db.fetchone(
            "SELECT CAST(u.value AS INTEGER), CAST(a.value AS REAL) FROM meta AS u, meta AS a "
            "WHERE u.key = 'raw_buttons_until' AND a.key = 'raw_buttons_at'")
        if row is None or int(row[0]) == 0 or float(row[1]) < since:
            return False  # none, or all of them too old: nothing to scan
        if self.db.dialect == "postgres":
            rows = ("jsonb_array_elements(CASE WHEN jsonb_typeof(o.payload::jsonb -> 'buttons') "
                    "= 'array' THEN o.payload::jsonb -> 'buttons' ELSE '[]' END) AS r(value), "
                    "jsonb_array_elements(CASE WHEN jsonb_typeof(r.value) = 'array' "
                    "THEN r.value ELSE '[]' END) AS b(value)")
            button_data = "b.value ->> 'data'"
        else:
            rows = "json_each(o.payload, '$.buttons') AS r, json_each(r.value) AS b"
            button_data = "json_extract(b.value, '$.data')"
        found = await self.db.fetchone(
            f"SELECT 1 FROM outbox AS o, {rows} WHERE o.id <= ? AND o.platform = ? "
            f"AND o.chat_id = ? AND o.created_at >= ? AND {button_data} = ? LIMIT 1",
            (int(row[0]), platform, chat_id, since, data))
        return found is not None

    async def forget(self, participant_id: int, data_prefix: str) -> int:
        cur = await self.db.execute(
            "DELETE FROM button_tokens WHERE participant_id = ? AND substr(data, 1, ?) = ?",
            (participant_id, len(data_prefix), data_prefix))
        return cur.rowcount or 0
