"""A merged post (relayed messages piled up for a paced chat) shares the single message's
delivery path: sent, retried or failed together, and a post that fails for good runs the
failure hooks of every message in it, each with its own message."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.base import PermanentFailure, RetryLater
from bot.clock import Clock
from bot.delivery_timing import RetryPolicy
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.outbox import RELAY, Outbox
from bot.pacing import Limits
from storage.db import Database
from storage.outbox import OutboxItem, OutboxRepository

GROUP = ChatRef("test", "cohort", ChatKind.GROUP)
# One post per 10 s in a group: three relayed messages waiting are a backlog to merge.
PACED = Limits(overall_per_second=100.0, per_chat_per_second=100.0, per_group_per_minute=6.0)


@dataclass
class FailingPlatform:
    """Refuses every post with the error it is given; records what it was asked to post."""

    error: Exception
    platform: str = "test"
    capabilities: frozenset[str] = frozenset()
    posts: list[str] = field(default_factory=list)

    async def start(self, publish: object) -> None: ...
    async def stop(self) -> None: ...

    async def send(self, msg: OutboundMessage) -> str:
        self.posts.append(msg.text)
        raise self.error


async def queue_three_relayed(outbox: Outbox) -> list[int]:
    ids = []
    for n, (who, text) in enumerate([("Ana", "one"), ("Bo", "two"), ("Cy", "three")]):
        item_id = await outbox.enqueue(OutboundMessage(GROUP, text, attribution=who,
                                                       relay_ids=[f"r{n}"], mergeable=True),
                                       priority=RELAY, dedupe_key=f"relay:r{n}:cohort")
        assert item_id is not None
        ids.append(item_id)
    return ids


async def test_a_merged_post_failing_for_good_runs_every_messages_failure_hook(
        db: Database) -> None:
    repo = OutboxRepository(db)
    outbox = Outbox(repo, Clock(), senders=1)
    failed: list[tuple[int, str, list[str], str]] = []

    async def hook(item: OutboxItem, msg: OutboundMessage, exc: PermanentFailure) -> None:
        failed.append((item.id, msg.text, msg.relay_ids, str(exc)))

    outbox.on_failed.append(hook)
    ids = await queue_three_relayed(outbox)
    edge = FailingPlatform(PermanentFailure("Forbidden: bot was kicked"))
    outbox.attach(edge, PACED)
    assert await outbox.wait_idle("test", limit=10, include_delayed=True)
    await outbox.stop()

    assert edge.posts == ["Ana: one\nBo: two\nCy: three"]  # one merged post was tried
    reason = "Forbidden: bot was kicked"
    assert sorted(failed) == [(ids[0], "one", ["r0"], reason), (ids[1], "two", ["r1"], reason),
                              (ids[2], "three", ["r2"], reason)]
    assert await repo.unfinished("test") == 0


async def test_a_merged_post_told_to_wait_puts_every_message_back(db: Database) -> None:
    repo = OutboxRepository(db)
    outbox = Outbox(repo, Clock(), senders=1)
    await queue_three_relayed(outbox)
    edge = FailingPlatform(RetryLater("rate limited", retry_after=60.0))
    outbox.attach(edge, PACED)
    assert await outbox.wait_idle("test", limit=10)  # nothing due now: all wait
    await outbox.stop()
    assert edge.posts == ["Ana: one\nBo: two\nCy: three"]
    assert await repo.unfinished("test") == 3


async def test_a_message_that_exhausts_its_retries_runs_its_failure_hooks(db: Database) -> None:
    """Giving up after the last attempt is a failure for good, like a refusal."""
    repo = OutboxRepository(db)
    quick = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
    outbox = Outbox(repo, Clock(), quick, senders=1)
    failed: list[tuple[int, str]] = []

    async def hook(item: OutboxItem, msg: OutboundMessage, exc: PermanentFailure) -> None:
        failed.append((item.id, str(exc)))

    outbox.on_failed.append(hook)
    item_id = await outbox.enqueue(OutboundMessage(GROUP, "hello"), dedupe_key="once")
    edge = FailingPlatform(RuntimeError("connection reset"))
    outbox.attach(edge, Limits(overall_per_second=100.0, per_chat_per_second=100.0,
                               per_group_per_minute=6000.0))
    assert await outbox.wait_idle("test", limit=10, include_delayed=True)
    await outbox.stop()

    assert len(edge.posts) == 2
    assert failed == [(item_id, "gave up after 2 attempts: RuntimeError: connection reset")]
