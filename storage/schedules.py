"""Timed actions: the single source of truth the scheduler reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Database

_COLUMNS = (
    "id, kind, participant_id, platform, chat_id, chat_kind, payload, timezone, recurrence, "
    "next_at, status, created_at, last_fired_at, fired_count, number"
)


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    kind: str
    participant_id: int | None
    platform: str
    chat_id: str
    chat_kind: str
    payload: str
    timezone: str
    recurrence: str | None
    next_at: float | None
    status: str
    created_at: float
    last_fired_at: float | None
    fired_count: int
    number: int | None = None  # its owner's number for it (see `add_numbered`)

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.payload))


@dataclass(frozen=True, slots=True)
class NewSchedule:
    kind: str
    participant_id: int | None
    platform: str
    chat_id: str
    chat_kind: str
    payload: dict[str, Any]
    timezone: str
    next_at: float
    recurrence: str | None = None


# The advisory lock whose holder fires the schedules when several workers share PostgreSQL.
_LEADER_LOCK = 7_140_019


class ScheduleRepository:
    def __init__(self, db: Database):
        self.db = db
        self._leading = False

    async def lead(self) -> bool:
        """Whether this worker fires the schedules. On PostgreSQL one worker does: the one
        holding a session advisory lock, which ends with its connection, so when it dies
        the next worker to try takes over. On SQLite the one worker does."""
        if self.db.dialect != "postgres" or self._leading:
            return True
        row = await self.db.fetchone("SELECT pg_try_advisory_lock(?)", (_LEADER_LOCK,))
        self._leading = bool(row and row[0])
        return self._leading

    async def add(self, new: NewSchedule, now: float) -> int:
        cur = await self.db.execute(
            "INSERT INTO schedules (kind, participant_id, platform, chat_id, chat_kind, payload, "
            "timezone, recurrence, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.kind, new.participant_id, new.platform, new.chat_id, new.chat_kind,
             json.dumps(new.payload, ensure_ascii=False), new.timezone, new.recurrence,
             new.next_at, now),
        )
        return int(cur.lastrowid or 0)

    async def add_numbered(self, new: NewSchedule, now: float, *, per: str) -> tuple[int, int]:
        """Add a schedule numbered after the others of its kind and owner: `per` is
        "participant" (a person's reminders) or "chat" (the posts scheduled in a chat).
        Returns (id, number); numbers are never reused."""
        owner = {"participant": "participant_id = ?", "chat": "platform = ? AND chat_id = ?"}
        values = {"participant": (new.participant_id,), "chat": (new.platform, new.chat_id)}
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                f"SELECT COALESCE(MAX(number), 0) + 1 FROM schedules WHERE kind = ? AND "
                f"{owner[per]}", (new.kind, *values[per]))
            number = int((await cur.fetchone())[0])
            cur = await tx.execute(
                "INSERT INTO schedules (kind, participant_id, platform, chat_id, chat_kind, "
                "payload, timezone, recurrence, next_at, created_at, number) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new.kind, new.participant_id, new.platform, new.chat_id, new.chat_kind,
                 json.dumps(new.payload, ensure_ascii=False), new.timezone, new.recurrence,
                 new.next_at, now, number))
            return int(cur.lastrowid or 0), number

    async def add_many(self, rows: list[NewSchedule], now: float) -> None:
        await self.db.executemany(
            "INSERT INTO schedules (kind, participant_id, platform, chat_id, chat_kind, payload, "
            "timezone, recurrence, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(n.kind, n.participant_id, n.platform, n.chat_id, n.chat_kind,
              json.dumps(n.payload, ensure_ascii=False), n.timezone, n.recurrence, n.next_at, now)
             for n in rows],
        )

    async def get(self, schedule_id: int) -> Schedule | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM schedules WHERE id = ?",
                                     (schedule_id,))
        return Schedule(**dict(row)) if row else None

    async def next_due(self, until: float) -> Schedule | None:
        """The earliest active schedule due by `until` (ties: the older first)."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM schedules WHERE status = 'active' AND next_at <= ? "
            "ORDER BY next_at, id LIMIT 1",
            (until,),
        )
        return Schedule(**dict(row)) if row else None

    async def earliest(self) -> float | None:
        row = await self.db.fetchone(
            "SELECT MIN(next_at) FROM schedules WHERE status = 'active'"
        )
        return float(row[0]) if row and row[0] is not None else None

    async def fired(self, schedule_id: int, occurrence: float, next_at: float | None) -> None:
        """Record one occurrence; with no next one the schedule is done."""
        await self.db.execute(
            "UPDATE schedules SET last_fired_at = ?, fired_count = fired_count + 1, "
            "next_at = ?, status = CASE WHEN ? IS NULL THEN 'done' ELSE status END WHERE id = ?",
            (occurrence, next_at, next_at, schedule_id),
        )

    async def cancel(self, schedule_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE schedules SET status = 'cancelled' WHERE id = ? AND status = 'active'",
            (schedule_id,),
        )
        return cur.rowcount > 0

    async def active(self, *, kind: str, participant_id: int | None = None,
                     platform: str | None = None, chat_id: str | None = None) -> list[Schedule]:
        sql = f"SELECT {_COLUMNS} FROM schedules WHERE status = 'active' AND kind = ?"
        params: list[Any] = [kind]
        if participant_id is not None:
            sql += " AND participant_id = ?"
            params.append(participant_id)
        if platform is not None and chat_id is not None:
            sql += " AND platform = ? AND chat_id = ?"
            params += [platform, chat_id]
        rows = await self.db.fetchall(sql + " ORDER BY next_at, id", params)
        return [Schedule(**dict(r)) for r in rows]
