"""Typed intent instead of key parsing (issue 14 item 4): a message's tag says what it is
and for whom, hooks subscribe to a kind, "mergeable" is a property of the message, and
all of it survives a restart; messages queued before the upgrade keep their meaning."""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock
from bot.model import ChatKind, ChatRef, OutboundMessage, Tag
from bot.outbox import RELAY, Outbox
from bot.pacing import Limits
from storage.db import Database
from storage.outbox import OutboxItem, OutboxRepository
from tests.harness import migrated_before
from tests.test_outbox import RecordingPlatform

GROUP = ChatRef("test", "-100", ChatKind.GROUP)


async def test_only_messages_marked_mergeable_are_counted_for_merging(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    outbox = Outbox(OutboxRepository(db), Clock())
    # The old "relay:" prefix means nothing any more; another key marked mergeable merges.
    for i in range(3):
        await outbox.enqueue(OutboundMessage(GROUP, f"old {i}"), priority=RELAY,
                             dedupe_key=f"relay:r{i}:test:-100")
    for i in range(2):
        await outbox.enqueue(OutboundMessage(GROUP, f"new {i}", mergeable=True),
                             priority=RELAY, dedupe_key=f"copy-{i}")
    claimed = await outbox.repo.claim("test", Clock().timestamp() + 1, count_mergeable=True)
    assert claimed.item is not None and claimed.mergeable == 2
    more = await outbox.repo.claim_mergeable("test", "-100", claimed.item.id,
                                             Clock().timestamp() + 1, 10)
    assert [OutboundMessage.from_json(m.payload).text for m in more] == ["new 0", "new 1"]
    await db.close()


async def test_a_mergeable_backlog_is_merged_whatever_its_keys(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    outbox = Outbox(OutboxRepository(db), Clock(), senders=2)
    edge = RecordingPlatform()
    outbox.attach(edge, Limits(overall_per_second=100.0, per_group_per_minute=60.0))
    for i in range(8):
        await outbox.enqueue(OutboundMessage(GROUP, f"message {i}", attribution="Ana",
                                             mergeable=True), priority=RELAY,
                             dedupe_key=f"any-key-{i}")
    assert await outbox.wait_idle("test", limit=20, include_delayed=True)
    await outbox.stop()
    await db.close()
    assert len(edge.sent) < 8


async def test_hooks_get_the_kind_they_subscribed_to_even_after_a_restart(
        tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    queued = Outbox(OutboxRepository(db), Clock())
    chat = ChatRef("test", "7")
    await queued.enqueue(OutboundMessage(chat, "question", tag=Tag("question", 7, (2, 1, 0))),
                         dedupe_key="opaque-1")
    await queued.enqueue(OutboundMessage(chat, "plain"), dedupe_key="question:7:2:1:0")
    await db.close()
    # The bot restarts before sending them.
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    outbox = Outbox(OutboxRepository(db), Clock())
    got: dict[str, list[tuple[str, Tag | None]]] = {"question": [], "other": []}

    def hook(kind: str):  # type: ignore[no-untyped-def]
        async def record(item: OutboxItem, msg: OutboundMessage, native_id: str) -> None:
            got[kind].append((msg.text, msg.tag))
        return record

    outbox.subscribe("question", on_sent=hook("question"))
    outbox.subscribe("other", on_sent=hook("other"))
    outbox.attach(RecordingPlatform())
    assert await outbox.wait_idle("test", limit=10)
    await outbox.stop()
    await db.close()
    assert got == {"question": [("question", Tag("question", 7, (2, 1, 0)))], "other": []}


async def test_messages_queued_before_the_upgrade_get_their_tags(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    payload = OutboundMessage(ChatRef("console", "ana"), "q").to_json()
    with migrated_before(path, "intents_conversations") as conn:
        rows = [("relay:r1:console:-1", "pending"), ("quiz:7:2:1:0:3", "sent"),
                ("poll:12:console:-100", "pending"), ("poll:13:console:-100", "sent")]
        for key, status in rows:
            conn.execute("INSERT INTO outbox (platform, chat_id, payload, priority, "
                         "dedupe_key, status, created_at) VALUES ('console', 'ana', ?, 0, ?, "
                         "?, 0)", (payload, key, status))
        conn.commit()
    db = Database(path)
    await db.open()
    found = {r["dedupe_key"]: (r["mergeable"], OutboundMessage.from_json(r["payload"]).tag)
             for r in await db.fetchall("SELECT dedupe_key, mergeable, payload FROM outbox")}
    await db.close()
    assert found == {
        "relay:r1:console:-1": (1, None),
        "quiz:7:2:1:0:3": (0, Tag("unit-check-question", 7, (2, 1, 0))),
        "poll:12:console:-100": (0, Tag("poll-copy", None, (12,))),
        "poll:13:console:-100": (0, None),  # sent already: nothing will read it
    }
