"""The outbox shared by several workers on one PostgreSQL database (issue 18).

A worker claims one message at a time, in one statement (no lock held between statements,
so workers claim in parallel):
- only the head of a chat's queue can be claimed: its most urgent message due now or
  waiting for a retry, or the one in flight. A chat with a message in flight at another
  worker, or held for a retry, has nothing to claim, and
  two workers that race for a chat race for the same row, which `FOR UPDATE SKIP LOCKED`
  gives to one; each chat gets its messages one at a time, in order, whichever worker
  sends them;
- a chat sent to less than its platform's `chat_gaps` seconds ago is passed over (its
  pacing, read from the database: every worker sees the same sends), and the platform's
  overall rate is shared too: each claim takes the next free moment from `outbox_pacing`
  (one row per platform) and returns at it;
- the claim holds until `claimed_until`: a worker that dies (SIGKILL, a lost machine)
  leaves its claims to expire, and another worker puts them back in the queue (looking
  at most once a second). A message in flight at the kill may then go twice (the platform
  may have accepted it): the same at-most-one-duplicate window as a restart on SQLite.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from storage.db import Database


class SharedQueue(Protocol):
    """What a claim needs of the outbox repository (storage/outbox.py)."""

    db: Database
    worker: str
    lease: float
    chat_gaps: dict[str, float]
    send_intervals: dict[str, float]
    expired_checked_at: float


def claim_filters(now: float, exclude_chats: set[str] | frozenset[str],
                  count_mergeable: bool) -> tuple[str, str, tuple[float, ...]]:
    """What both claims share: the clause leaving out chats this worker is sending to, and
    the expression counting the due mergeable messages behind a claimed one (its params)."""
    skip = f" AND chat_id NOT IN ({', '.join('?' * len(exclude_chats))})" if exclude_chats \
        else ""
    if not count_mergeable:
        return skip, "0", ()
    return skip, ("(SELECT COUNT(*) FROM outbox AS m WHERE m.platform = outbox.platform "
                  "AND m.chat_id = outbox.chat_id AND m.status = 'pending' "
                  "AND m.not_before <= ? AND m.id != outbox.id AND m.mergeable = 1)"), (now,)


async def claim_shared(repo: SharedQueue, columns: str, platform: str, now: float,
                       exclude_chats: set[str] | frozenset[str] = frozenset(),
                       count_mergeable: bool = False) -> dict[str, Any] | None:
    """The claimed row (as `columns`, then `more` and `mergeable_count`), or None."""
    skip, mergeable, merge_params = claim_filters(now, exclude_chats, count_mergeable)
    if not repo.expired_checked_at <= now < repo.expired_checked_at + 1.0:
        await repo.db.execute(
            "UPDATE outbox SET status = 'pending', claimed_by = NULL "
            "WHERE platform = ? AND status = 'sending' AND claimed_until < ?", (platform, now))
        repo.expired_checked_at = now
    # The chat's head: its message in flight at another worker (this worker knows its own:
    # `exclude_chats`), else its most urgent message due now or waiting for a retry.
    head = ("outbox.id = (SELECT h.id FROM outbox AS h WHERE h.platform = outbox.platform "
            "AND h.chat_id = outbox.chat_id AND ((h.status = 'sending' AND h.claimed_by != ?) "
            "OR (h.status = 'pending' AND (h.not_before <= ? OR h.attempts > 0))) "
            "ORDER BY h.priority, h.id LIMIT 1)")
    paced = ("NOT EXISTS (SELECT 1 FROM outbox AS r WHERE r.platform = outbox.platform "
             "AND r.chat_id = outbox.chat_id AND r.status = 'sent' AND r.sent_at > ?)")
    returned = ", ".join(f"outbox.{c.strip()}" for c in columns.split(","))
    row = await repo.db.fetchone(
        "WITH picked AS (SELECT id FROM outbox WHERE platform = ? AND status = 'pending' "
        f"AND not_before <= ?{skip} AND {head} AND {paced} "
        "ORDER BY priority, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = ?, "
        f"claimed_until = ? FROM picked WHERE outbox.id = picked.id RETURNING {returned}, "
        "EXISTS (SELECT 1 FROM outbox AS o WHERE o.platform = ? AND o.status = 'pending' "
        "AND o.not_before <= ? AND o.chat_id != outbox.chat_id"
        f"{skip.replace('chat_id', 'o.chat_id')}) AS more, {mergeable} AS mergeable_count",
        (platform, now, *exclude_chats, repo.worker, now,
         now - repo.chat_gaps.get(platform, 0.0),
         repo.worker, now + repo.lease, platform, now, *exclude_chats, *merge_params))
    if row is None:
        return None
    if interval := repo.send_intervals.get(platform, 0.0):
        # The database's clock, not the workers' (theirs may differ, and `now` was read
        # before this sender waited for its turn to claim).
        wait = await repo.db.fetchone(
            "INSERT INTO outbox_pacing (platform, next_at) "
            "VALUES (?, EXTRACT(EPOCH FROM clock_timestamp())) ON CONFLICT (platform) "
            "DO UPDATE SET next_at = GREATEST(outbox_pacing.next_at + ?, excluded.next_at) "
            "RETURNING next_at - EXTRACT(EPOCH FROM clock_timestamp())", (platform, interval))
        if wait is not None and float(wait[0]) > 0:  # the platform's next free moment
            await asyncio.sleep(float(wait[0]))
    return dict(row)
