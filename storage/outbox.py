"""The durable outbox table: every message the bot sends is a row here before it is sent."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from storage.db import Database
from storage.outbox_claims import claim_filters, claim_shared

_COLUMNS = (
    "id, platform, chat_id, payload, priority, dedupe_key, status, attempts, not_before, "
    "created_at, sent_at, native_id, error"
)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    platform: str
    chat_id: str
    payload: str
    priority: int
    dedupe_key: str | None
    status: str
    attempts: int
    not_before: float
    created_at: float
    sent_at: float | None
    native_id: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """What a sender took from the queue (OutboxRepository.claim)."""

    item: OutboxItem | None
    more: bool = False
    mergeable: int = 0


# A dedupe key starting with a prefix given as written (see like_prefix).
_STARTS_WITH = "dedupe_key LIKE ? ESCAPE '\\'"


def like_prefix(prefix: str) -> str:
    """The LIKE pattern of _STARTS_WITH: `prefix` with its wildcards escaped, then %."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    sent: int
    failed: int


class OutboxRepository:
    def __init__(self, db: Database, worker: str | None = None, lease: float = 60.0,
                 chat_gaps: dict[str, float] | None = None,
                 send_intervals: dict[str, float] | None = None):
        self.db = db
        # Several workers share a PostgreSQL database: who claims (for the logs) and for
        # how long, and the pacing they share (per chat, per platform).
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = lease
        self.chat_gaps = chat_gaps or {}
        self.send_intervals = send_intervals or {}  # 1 / the platform's overall rate
        self.expired_checked_at = float("-inf")  # claims left by dead workers, last looked

    async def add(
        self,
        platform: str,
        chat_id: str,
        payload: str,
        priority: int,
        dedupe_key: str | None,
        now: float,
        not_before: float = 0.0,
        about: Iterable[int] = (),
        mergeable: bool = False,
    ) -> int | None:
        """Insert a message; None when its dedupe key was already used (nothing twice).
        `about`: the participants it names or answers (outbox_mentions, for /forgetme);
        `mergeable`: it may go out merged with others for the same chat (claim_mergeable)."""
        people = sorted(set(about))
        insert = ("INSERT INTO outbox (platform, chat_id, payload, priority, dedupe_key, "
                  "created_at, not_before, mergeable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        values = (platform, chat_id, payload, priority, dedupe_key, now, not_before,
                  int(mergeable))
        try:
            if not people:
                cur = await self.db.execute(insert, values)
                return int(cur.lastrowid or 0)
            async with self.db.transaction() as tx:
                cur = await tx.execute(insert, values)
                item_id = int(cur.lastrowid or 0)
                # Only people still known: a reply may follow its reader's erasure.
                await tx.executemany(
                    "INSERT OR IGNORE INTO outbox_mentions (outbox_id, participant_id) "
                    "SELECT ?, id FROM participants WHERE id = ?",
                    [(item_id, pid) for pid in people])
        except sqlite3.IntegrityError:
            return None
        return item_id

    async def add_many(self, rows: list[tuple[str, str, str, int, str | None, bool]],
                       now: float) -> int:
        """Insert (platform, chat_id, payload, priority, dedupe_key, mergeable) rows in one
        transaction, skipping dedupe keys already used; returns how many were added."""
        async with self.db.transaction() as tx:
            before = tx.total_changes
            await tx.executemany(
                "INSERT OR IGNORE INTO outbox (platform, chat_id, payload, priority, dedupe_key, "
                "mergeable, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*row[:5], int(row[5]), now) for row in rows],
            )
            return tx.total_changes - before

    async def claim_next(self, platform: str, now: float,
                         exclude_chats: set[str] | frozenset[str] = frozenset()
                         ) -> OutboxItem | None:
        """Take the most urgent due message, for a chat not in `exclude_chats` (busy or
        pacing), and mark it in flight."""
        return (await self.claim(platform, now, exclude_chats)).item

    async def claim(self, platform: str, now: float,
                    exclude_chats: set[str] | frozenset[str] = frozenset(),
                    count_mergeable: bool = False) -> Claimed:
        """claim_next; also whether another message is due now for a chat neither excluded
        nor the claimed one's (then another sender has something to take), and, with
        `count_mergeable`, how many more mergeable messages are due for the claimed one's
        chat (a backlog of relayed messages is merged)."""
        if self.db.dialect == "postgres":
            shared = await claim_shared(self, _COLUMNS, platform, now, exclude_chats,
                                        count_mergeable)
            if shared is None:
                return Claimed(None)
            more, count = bool(shared.pop("more")), int(shared.pop("mergeable_count"))
            return Claimed(OutboxItem(**shared), more, count)
        skip, mergeable, merge_params = claim_filters(now, exclude_chats, count_mergeable)
        # No transaction: this connection runs one statement at a time and a platform's
        # senders claim under one lock, so the row cannot change between the two; an empty
        # queue costs one SELECT (no write lock: it still answers while another process
        # holds it), which also says whether more is due for other chats.
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM outbox AS o WHERE o.platform = ? "
            "AND o.status = 'pending' AND o.not_before <= ? AND o.chat_id != outbox.chat_id"
            f"{skip.replace('chat_id', 'o.chat_id')}) AS more, {mergeable} AS mergeable_count "
            "FROM outbox WHERE platform = ? AND status = 'pending' "
            f"AND not_before <= ?{skip} ORDER BY priority, id LIMIT 1",
            (platform, now, *exclude_chats, *merge_params, platform, now, *exclude_chats),
        )
        if row is None:
            return Claimed(None)
        cur = await self.db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1 "
            "WHERE id = ? AND status = 'pending'", (row["id"],))
        if cur.rowcount != 1:
            return Claimed(None)
        fields = dict(row)
        more, mergeable_count = bool(fields.pop("more")), int(fields.pop("mergeable_count"))
        item = OutboxItem(**{**fields, "status": "sending", "attempts": row["attempts"] + 1})
        return Claimed(item, more, mergeable_count)

    async def claim_mergeable(self, platform: str, chat_id: str, after_id: int,
                              now: float, limit: int) -> list[OutboxItem]:
        """More due mergeable messages for the same chat that carry no attachment, oldest
        first, marked in flight (they go out merged)."""
        no_attachment = ("jsonb_array_length(payload::jsonb -> 'attachments') = 0"
                         if self.db.dialect == "postgres" else
                         "json_array_length(json_extract(payload, '$.attachments')) = 0")
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE platform = ? AND chat_id = ? "
                "AND status = 'pending' AND not_before <= ? AND id > ? AND mergeable = 1 "
                f"AND {no_attachment} "
                "AND json_extract(payload, '$.action') = 'send' ORDER BY id LIMIT ?",
                (platform, chat_id, now, after_id, limit),
            ) as cur:
                rows = await cur.fetchall()
            if rows:
                marks = ", ".join("?" * len(rows))
                await tx.execute(
                    f"UPDATE outbox SET status = 'sending', attempts = attempts + 1, "
                    f"claimed_by = ?, claimed_until = ? WHERE id IN ({marks})",
                    [self.worker, now + self.lease, *(r["id"] for r in rows)])
        return [OutboxItem(**{**dict(r), "status": "sending", "attempts": r["attempts"] + 1})
                for r in rows]

    async def waiting(self, platform: str, after: float | None = None,
                      chats: set[str] | frozenset[str] = frozenset()
                      ) -> tuple[float | None, set[str]]:
        """An idle sender's timer, in one query: when the next pending message falls due
        (with `after`, the next one due later than that: what is due already waits for a
        busy chat, and a timer of zero for it would spin), and which of `chats` (the busy
        ones) have a message pending."""
        due_sql = "SELECT MIN(not_before) FROM outbox WHERE platform = ? AND status = 'pending'"
        params: list[str | float] = [platform]
        if after is not None:
            due_sql += " AND not_before > ?"
            params.append(after)
        pending_sql = "'[]'"
        if chats:
            listed = ("COALESCE(CAST(json_agg(DISTINCT chat_id) AS TEXT), '[]')"
                      if self.db.dialect == "postgres" else "json_group_array(DISTINCT chat_id)")
            pending_sql = (f"(SELECT {listed} FROM outbox "
                           "WHERE platform = ? AND status = 'pending' AND chat_id IN "
                           f"({', '.join('?' * len(chats))}))")
            params += [platform, *chats]
        row = await self.db.fetchone(f"SELECT ({due_sql}), {pending_sql}", params)
        assert row is not None  # a SELECT without FROM has its one row
        due = float(row[0]) if row[0] is not None else None
        return due, {str(c) for c in json.loads(row[1])}

    async def mark_sent(self, item_id: int, native_id: str, now: float) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'sent', native_id = ?, sent_at = ?, error = NULL "
            "WHERE id = ?",
            (native_id, now, item_id),
        )

    async def mark_retry(self, item_id: int, not_before: float, error: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, error = ? WHERE id = ?",
            (not_before, error, item_id),
        )

    async def mark_failed(self, item_id: int, error: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'failed', error = ? WHERE id = ?", (error, item_id)
        )

    async def requeue_in_flight(self, not_before: float = 0.0) -> int:
        """At start-up: a send that was in flight when the process died is tried again
        (the platform may have accepted it: this is the at-most-one-duplicate window), not
        before `not_before`, so that a copy accepted an instant ago does not break the
        chat's limit now."""
        if self.db.dialect == "postgres":
            return 0  # other workers' sends are in flight: claims left by a dead one expire
        cur = await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = MAX(not_before, ?) "
            "WHERE status = 'sending'", (not_before,)
        )
        return cur.rowcount

    async def recently_sent(self, platform: str, since: float) -> list[tuple[str, bool, float]]:
        """(chat id, is a group, sent at) of what went out since `since`: a restarted
        bot's pacing starts from what the platform has already seen."""
        rows = await self.db.fetchall(
            "SELECT chat_id, MAX(CASE WHEN json_extract(payload, '$.chat.kind') = 'group' "
            "THEN 1 ELSE 0 END), MAX(sent_at) "
            "FROM outbox WHERE platform = ? AND status = 'sent' AND sent_at >= ? "
            "GROUP BY chat_id", (platform, since))
        return [(r[0], bool(r[1]), float(r[2])) for r in rows]

    async def unfinished(self, platform: str | None = None, due_by: float | None = None) -> int:
        """Messages not yet sent or failed; with `due_by`, only those due by then."""
        sql = "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        params: list[str | float] = []
        if platform is not None:
            sql += " AND platform = ?"
            params.append(platform)
        if due_by is not None:
            sql += " AND not_before <= ?"
            params.append(due_by)
        row = await self.db.fetchone(sql, params)
        return int(row[0]) if row else 0

    async def get(self, item_id: int) -> OutboxItem | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (item_id,))
        return OutboxItem(**dict(row)) if row else None

    async def last_in_chat(self, platform: str, chat_id: str) -> OutboxItem | None:
        """The newest message queued for a chat, whatever its state."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM outbox WHERE platform = ? AND chat_id = ? "
            "ORDER BY id DESC LIMIT 1", (platform, chat_id))
        return OutboxItem(**dict(row)) if row else None

    async def remove(self, item_id: int) -> None:
        await self.db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    async def counts_for_prefix(self, dedupe_prefix: str) -> OutboxCounts:
        row = await self.db.fetchone(
            "SELECT SUM(CASE WHEN status IN ('pending','sending') THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) FROM outbox WHERE {_STARTS_WITH}",
            (like_prefix(dedupe_prefix),),
        )
        assert row is not None
        return OutboxCounts(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))
