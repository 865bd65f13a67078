"""Merging as a mechanism of the outbox: mergeable messages (`OutboundMessage.mergeable`,
relayed copies) that piled up for a paced chat go out as one post, keeping authors and
order, instead of falling further behind."""

from __future__ import annotations

import logging

from bot.model import MessageAction, OutboundMessage
from storage.outbox import OutboxItem, OutboxRepository

log = logging.getLogger("bot.outbox")

# A merged post holds at most this much; a backlog shorter than MERGE_AFTER_SECONDS at
# the chat's pace goes out one by one.
MERGE_MAX_MESSAGES = 50
MERGE_MAX_CHARS = 3500
MERGE_AFTER_SECONDS = 5.0


def _attributed(msg: OutboundMessage) -> str:
    return f"{msg.attribution}: {msg.text}" if msg.attribution else msg.text


async def merge_backlog(repo: OutboxRepository, now: float, interval: float,
                        item: OutboxItem, msg: OutboundMessage, waiting: int
                        ) -> tuple[list[OutboxItem], OutboundMessage]:
    """Relayed messages that piled up for a paced chat (`waiting` more are due, as the
    claim counted) go out as one post; `interval`: the chat's pace (0: none)."""
    if not msg.mergeable or msg.action is not MessageAction.SEND or msg.attachments:
        return [item], msg
    # Merge only a real backlog: what would take longer than MERGE_AFTER_SECONDS to
    # post one by one at this chat's pace (never without a per-chat limit).
    if interval == 0 or (waiting + 1) * interval <= MERGE_AFTER_SECONDS:
        return [item], msg
    more = await repo.claim_mergeable(item.platform, item.chat_id, item.id, now,
                                      MERGE_MAX_MESSAGES)
    if not more:
        return [item], msg
    items, parts, relay_ids = [item], [_attributed(msg)], list(msg.relay_ids)
    overflow: list[OutboxItem] = []
    for extra in more:
        extra_msg = OutboundMessage.from_json(extra.payload)
        line = _attributed(extra_msg)
        if overflow or sum(len(p) + 1 for p in parts) + len(line) > MERGE_MAX_CHARS:
            overflow.append(extra)
            continue
        items.append(extra)
        parts.append(line)
        relay_ids += extra_msg.relay_ids
    for extra in overflow:  # back in the queue, in their place, for the next post
        await repo.mark_retry(extra.id, 0.0, "not merged: post full")
    merged = OutboundMessage(chat=msg.chat, text="\n".join(parts), relay_ids=relay_ids)
    log.info("outbox %s: merged %d relayed messages into one post", item.platform,
             len(items))
    return items, merged
