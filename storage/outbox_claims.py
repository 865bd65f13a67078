"""The outbox shared by several workers on one PostgreSQL database (issue 18).

A worker claims one message at a time in a short transaction:
- claims of one platform are serialised by a transaction-scoped advisory lock, so two
  workers never choose two messages of one chat at once (its order holds), and the row
  itself is taken `FOR UPDATE SKIP LOCKED` (a row another transaction holds is passed);
- a chat with a message in flight (claimed by any worker) is passed over, and so is a chat
  sent to less than its platform's `chat_gaps` seconds ago (its pacing, read from the
  database: every worker sees the same sends);
- the platform's overall rate is shared: each claim takes the next free moment from
  `outbox_pacing` (one row per platform) and returns at it;
- the claim holds until `claimed_until`: a worker that dies (SIGKILL, a lost machine)
  leaves its claims to expire, and the next claim of any worker puts them back in the
  queue. A message in flight at the kill may then go twice (the platform may have
  accepted it): the same at-most-one-duplicate window as a restart on SQLite.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.outbox import Claimed, OutboxRepository


async def claim_shared(repo: OutboxRepository, platform: str, now: float,
                       exclude_chats: set[str] | frozenset[str] = frozenset(),
                       merge_prefix: str | None = None) -> Claimed:
    from storage.outbox import _COLUMNS, _STARTS_WITH, Claimed, OutboxItem, like_prefix

    skip = ""
    if exclude_chats:
        skip = f" AND chat_id NOT IN ({', '.join('?' * len(exclude_chats))})"
    mergeable, merge_params = "0", ()
    if merge_prefix is not None:
        mergeable = ("(SELECT COUNT(*) FROM outbox AS m WHERE m.platform = outbox.platform "
                     "AND m.chat_id = outbox.chat_id AND m.status = 'pending' "
                     f"AND m.not_before <= ? AND m.id != outbox.id AND {_STARTS_WITH})")
        merge_params = (now, like_prefix(merge_prefix))
    async with repo.db.transaction() as tx:
        await tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"outbox {platform}",))
        await tx.execute(
            "UPDATE outbox SET status = 'pending', claimed_by = NULL "
            "WHERE platform = ? AND status = 'sending' AND claimed_until < ?",
            (platform, now))
        free = ("NOT EXISTS (SELECT 1 FROM outbox AS f WHERE f.platform = outbox.platform "
                "AND f.chat_id = outbox.chat_id AND (f.status = 'sending' OR "
                "(f.status = 'sent' AND f.sent_at > ?)))")
        async with tx.execute(
            f"SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM outbox AS o WHERE o.platform = ? "
            "AND o.status = 'pending' AND o.not_before <= ? AND o.chat_id != outbox.chat_id"
            f"{skip.replace('chat_id', 'o.chat_id')}) AS more, {mergeable} AS mergeable "
            "FROM outbox WHERE platform = ? AND status = 'pending' "
            f"AND not_before <= ?{skip} AND {free} "
            "ORDER BY priority, id LIMIT 1 FOR UPDATE SKIP LOCKED",
            (platform, now, *exclude_chats, *merge_params, platform, now, *exclude_chats,
             now - repo.chat_gaps.get(platform, 0.0)),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return Claimed(None)
        await tx.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = ?, "
            "claimed_until = ? WHERE id = ?", (repo.worker, now + repo.lease, row["id"]))
        slot = now
        if interval := repo.send_intervals.get(platform, 0.0):
            async with tx.execute(
                "INSERT INTO outbox_pacing (platform, next_at) VALUES (?, ?) "
                "ON CONFLICT (platform) DO UPDATE SET "
                "next_at = MAX(outbox_pacing.next_at + ?, excluded.next_at) RETURNING next_at",
                (platform, now, interval)) as cur:
                slot = float((await cur.fetchone())[0])  # type: ignore[index]
    if slot > now:  # the platform's next free moment, across workers
        await asyncio.sleep(slot - now)
    fields = dict(row)
    more, mergeable_count = bool(fields.pop("more")), int(fields.pop("mergeable"))
    item = OutboxItem(**{**fields, "status": "sending", "attempts": row["attempts"] + 1})
    return Claimed(item, more, mergeable_count)
