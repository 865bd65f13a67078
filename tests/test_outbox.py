"""The outbox: durable, paced, ordered per chat, retried, never doubled."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.adapters.base import PermanentFailure, RetryLater
from bot.clock import Clock
from bot.delivery_timing import RetryPolicy
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.outbox import BULK, INTERACTIVE, Outbox
from bot.pacing import Limits, Pacer
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.participants import ParticipantRepository


@dataclass
class RecordingPlatform:
    """A platform edge that records what it was asked to send, and can be told to fail."""

    platform: str = "test"
    capabilities: frozenset[str] = frozenset()
    sent: list[tuple[float, str, str]] = field(default_factory=list)  # (time, chat, text)
    failures: dict[str, list[Exception]] = field(default_factory=dict)  # text -> to raise
    latency: float = 0.0

    async def start(self, publish: object) -> None: ...
    async def stop(self) -> None: ...
    async def edit(self, *args: object) -> None: ...
    async def delete(self, *args: object) -> None: ...

    async def send(self, msg: OutboundMessage) -> str:
        if self.latency:
            await asyncio.sleep(self.latency)
        queued = self.failures.get(msg.text)
        if queued:
            raise queued.pop(0)
        self.sent.append((time.monotonic(), msg.chat.chat_id, msg.text))
        return str(len(self.sent))


def message(chat: str, text: str, group: bool = False) -> OutboundMessage:
    return OutboundMessage(ChatRef("test", chat, ChatKind.GROUP if group else ChatKind.PRIVATE),
                           text)


async def drained(outbox: Outbox) -> None:
    assert await outbox.wait_idle("test", limit=20, include_delayed=True)


async def test_each_chat_gets_its_messages_in_order_despite_parallel_senders(db: Database
                                                                            ) -> None:
    outbox = Outbox(OutboxRepository(db), Clock(), senders=8)
    edge = RecordingPlatform(latency=0.002)
    for i in range(20):
        for chat in ("a", "b", "c"):
            await outbox.enqueue(message(chat, f"{chat}{i}"))
    outbox.attach(edge, Limits(1000.0))
    await drained(outbox)
    await outbox.stop()
    for chat in ("a", "b", "c"):
        assert [t for _, c, t in edge.sent if c == chat] == [f"{chat}{i}" for i in range(20)]


async def test_messages_are_spaced_no_closer_than_the_limits(db: Database) -> None:
    outbox = Outbox(OutboxRepository(db), Clock(), senders=4)
    edge = RecordingPlatform()
    for i in range(10):
        await outbox.enqueue(message(f"p{i}", "x"))
    for i in range(3):
        await outbox.enqueue(message("g", f"group {i}", group=True))
    outbox.attach(edge, Limits(overall_per_second=50.0, per_chat_per_second=10.0,
                               per_group_per_minute=300.0))  # group: one per 0.2 s
    await drained(outbox)
    await outbox.stop()
    times = [t for t, _, _ in edge.sent]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.01 - 0.001  # never closer than half the 50/s interval
    assert all(sum(1 for t in times[i:] if t < first + 1.0) <= 50
               for i, first in enumerate(times))
    group = [t for t, c, _ in edge.sent if c == "g"]
    assert all(b - a >= 0.2 - 0.002 for a, b in itertools.pairwise(group))


def test_pacer_books_per_chat_and_per_group_slots() -> None:
    pacer = Pacer(Limits(overall_per_second=10.0, per_chat_per_second=1.0,
                         per_group_per_minute=20.0))
    slots = [pacer.reserve(f"c{i}", False, now=100.0) for i in range(3)]
    assert slots == pytest.approx([100.0, 100.0, 100.0])  # overall: the Gate's job
    assert pacer.reserve("c0", False, now=100.0) == pytest.approx(101.0)  # per chat: 1/s
    assert pacer.reserve("g", True, now=100.0) == pytest.approx(100.0)
    assert pacer.reserve("g", True, now=100.0) == pytest.approx(103.0)  # group: 20/min
    assert pacer.busy_chats(100.5) == {"c0", "c1", "c2", "g"}
    assert pacer.busy_chats(106.0) == set()


async def test_retry_after_is_honoured_and_the_chat_keeps_its_order(db: Database) -> None:
    outbox = Outbox(OutboxRepository(db), Clock(), senders=4)
    edge = RecordingPlatform(failures={"first": [RetryLater("429", retry_after=0.3)]})
    await outbox.enqueue(message("a", "first"))
    await outbox.enqueue(message("a", "second"))
    await outbox.enqueue(message("b", "other chat"))
    started = time.monotonic()
    outbox.attach(edge, Limits(1000.0))
    await drained(outbox)
    await outbox.stop()
    assert [t for _, c, t in edge.sent if c == "a"] == ["first", "second"]
    first_at = next(t for t, _, text in edge.sent if text == "first")
    assert first_at - started >= 0.3 - 0.01
    assert [t for _, _, t in edge.sent].count("first") == 1


async def test_transient_errors_back_off_then_give_up_as_failed(db: Database) -> None:
    repo = OutboxRepository(db)
    outbox = Outbox(repo, Clock(), RetryPolicy(max_attempts=3, base_delay=0.01), senders=1)
    edge = RecordingPlatform(failures={"doomed": [OSError("reset")] * 5,
                                       "flaky": [OSError("reset")]})
    doomed = await outbox.enqueue(message("a", "doomed"))
    await outbox.enqueue(message("b", "flaky"))
    outbox.attach(edge, Limits(1000.0))
    await drained(outbox)
    await outbox.stop()
    assert [t for _, _, t in edge.sent] == ["flaky"]
    item = await repo.get(doomed or 0)
    assert item is not None and item.status == "failed" and item.attempts == 3
    assert "gave up after 3 attempts" in (item.error or "")


async def test_a_blocked_user_is_marked_unreachable(tmp_path: Path) -> None:
    from bot.app import Bot
    from tests.harness import make_config

    bot = await Bot.create(make_config(tmp_path))
    try:
        s = bot.services
        p, _ = await s.participants.ensure("test", "42", "Ana", s.clock.now())
        edge = RecordingPlatform(failures={"hi": [PermanentFailure("Forbidden: bot was blocked",
                                                                   recipient_unreachable=True)]})
        item = await s.outbox.enqueue(message("42", "hi"))
        s.outbox.attach(edge)
        assert await s.outbox.wait_idle("test", limit=10)
        stored = await ParticipantRepository(s.db).get(p.id)
        assert stored is not None and stored.unreachable_reason == "Forbidden: bot was blocked"
        row = await s.outbox.repo.get(item or 0)
        assert row is not None and row.status == "failed"
    finally:
        await bot.close()


async def test_a_reply_overtakes_a_broadcast(db: Database) -> None:
    outbox = Outbox(OutboxRepository(db), Clock(), senders=1)
    edge = RecordingPlatform()
    await outbox.enqueue_many([(message(f"p{i}", f"news {i}"), f"news:{i}") for i in range(50)])
    await outbox.enqueue(message("asker", "reply"), priority=INTERACTIVE)
    outbox.attach(edge, Limits(1000.0))
    await drained(outbox)
    await outbox.stop()
    assert edge.sent[0][2] == "reply"


async def test_dedupe_keys_make_a_repeated_broadcast_a_no_op(db: Database) -> None:
    outbox = Outbox(OutboxRepository(db), Clock())
    batch = [(message(f"p{i}", "news"), f"news:7:{i}") for i in range(5)]
    assert await outbox.enqueue_many(batch, BULK) == 5
    assert await outbox.enqueue_many(batch, BULK) == 0
    assert await outbox.enqueue(message("p0", "news"), dedupe_key="news:7:0") is None


async def test_a_restart_resumes_without_losing_or_doubling(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(path)
    await db.open()
    repo = OutboxRepository(db)
    await repo.add("test", "a", message("a", "one").to_json(), BULK, "k1", 0.0)
    await repo.add("test", "b", message("b", "two").to_json(), BULK, "k2", 0.0)
    await repo.claim_next("test", 1.0)  # "one" was in flight when the process died
    await db.close()

    db = Database(path)
    await db.open()
    repo = OutboxRepository(db)
    assert await repo.requeue_in_flight() == 1
    outbox = Outbox(repo, Clock())
    edge = RecordingPlatform()
    outbox.attach(edge)
    await drained(outbox)
    await outbox.stop()
    await db.close()
    assert sorted(t for _, _, t in edge.sent) == ["one", "two"]


async def test_the_gate_never_lets_a_window_overflow_even_after_a_late_sender() -> None:
    from bot.pacing import Gate

    gate = Gate(50.0)  # 50 starts per second at most, never closer than 10 ms
    starts: list[float] = []

    async def sender(delay: float) -> None:
        await asyncio.sleep(delay)  # some senders wake late
        for _ in range(10):
            starts.append(await gate.pass_through())

    await asyncio.gather(*(sender(0.05 * (i % 3)) for i in range(8)))
    starts.sort()
    assert len(starts) == 80
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.01 - 0.001
    for i, first in enumerate(starts):
        assert sum(1 for t in starts[i:] if t < first + 1.0) <= 50


async def test_after_a_restart_a_chat_is_paced_from_its_last_send(db: Database) -> None:
    repo = OutboxRepository(db)
    clock = Clock()
    sent_just_now = await repo.add("test", "a", message("a", "before the crash").to_json(),
                                   BULK, "k0", clock.timestamp())
    await repo.mark_sent(sent_just_now or 0, "1", clock.timestamp())
    await repo.add("test", "a", message("a", "after the restart").to_json(), BULK, "k1",
                   clock.timestamp())
    outbox = Outbox(repo, clock)
    edge = RecordingPlatform()
    started = time.monotonic()
    outbox.attach(edge, Limits(overall_per_second=100.0, per_chat_per_second=2.0))
    await drained(outbox)
    await outbox.stop()
    # The chat got a message 0 s ago: the next may go only half a second later.
    assert edge.sent[0][0] - started >= 0.5 - 0.05


async def test_a_paced_chat_is_not_left_waiting_behind_a_later_timer(db: Database) -> None:
    """An idle sender keeps a timer for a message due in a minute; a chat's second message,
    held 0.3 s by its pacing, must go out then, not when that minute is up."""
    outbox = Outbox(OutboxRepository(db), Clock(), senders=4)
    edge = RecordingPlatform()
    later = time.time() + 60
    await outbox.enqueue(message("someone", "in a minute"), not_before=later)
    outbox.attach(edge, Limits(overall_per_second=100.0, per_chat_per_second=1 / 0.3))
    await asyncio.sleep(0.1)  # every sender idle, one of them timing the delayed message
    await outbox.enqueue(message("a", "first"))
    await outbox.enqueue(message("a", "second"))
    assert await outbox.wait_idle("test", limit=5)
    await outbox.stop()
    times = {text: at for at, _chat, text in edge.sent}
    assert set(times) == {"first", "second"}
    assert 0.25 <= times["second"] - times["first"] < 1.0


async def test_a_chat_in_flight_is_not_claimed_twice_when_more_arrives(db: Database) -> None:
    """Messages enqueued while their chat is being sent to wait for it, in order, and each
    goes out once."""
    outbox = Outbox(OutboxRepository(db), Clock(), senders=8)
    edge = RecordingPlatform(latency=0.02)
    outbox.attach(edge, Limits(1000.0))
    for i in range(10):
        await outbox.enqueue(message("a", f"a{i}"))
        await asyncio.sleep(0.005)  # each arrives while the one before is in flight
    assert await outbox.wait_idle("test", limit=5)
    await outbox.stop()
    assert [text for _, _, text in edge.sent] == [f"a{i}" for i in range(10)]
