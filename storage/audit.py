"""The audit log of admin actions: who, what, when, and whether it was allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database

_COLUMNS = ("id, at, actor_participant_id, platform, action, detail, outcome, "
            "subject_participant_id")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor_participant_id: int | None
    platform: str
    action: str
    detail: str
    outcome: str  # "done" | "refused" | "failed"
    subject_participant_id: int | None = None


class AuditLog:
    def __init__(self, db: Database):
        self.db = db

    async def record(
        self,
        actor_participant_id: int | None,
        platform: str,
        action: str,
        outcome: str,
        now: datetime,
        detail: str = "",
        subject: int | None = None,
    ) -> None:
        """`subject`: the person the action concerns, when `detail` is the bot's words
        about them (their name): /forgetme anonymises the detail with them."""
        await self.db.execute(
            "INSERT INTO audit_log (at, actor_participant_id, platform, action, detail, "
            "outcome, subject_participant_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now.isoformat(timespec="seconds"), actor_participant_id, platform, action, detail,
             outcome, subject),
        )

    async def latest(self, limit: int = 20, *, before_id: int | None = None
                     ) -> list[AuditEntry]:
        """The newest entries first; only those older than `before_id` when given."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
            (before_id if before_id is not None else 2**63 - 1, limit),
        )
        return [AuditEntry(**dict(r)) for r in rows]
