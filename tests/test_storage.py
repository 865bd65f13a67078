"""Storage: real SQLite files, migrations from empty, repositories."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.db import Database, migrations
from storage.outbox import OutboxRepository
from storage.participants import ParticipantRepository

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


async def test_migrations_run_from_empty_and_record_their_version(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    db = Database(path)
    await db.open()
    assert await db.schema_version() == len(migrations())
    await db.close()
    with sqlite3.connect(path) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"participants", "accounts", "chats", "roles", "audit_log", "outbox",
                "schema_version"} <= tables
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite3"
    for _ in range(2):
        db = Database(path)
        await db.open()
        await db.close()
    with sqlite3.connect(path) as raw:
        versions = [r[0] for r in raw.execute("SELECT version FROM schema_version")]
    assert versions == list(range(1, len(migrations()) + 1))


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute(
            "INSERT INTO accounts (platform, user_id, participant_id, display_name, linked_at) "
            "VALUES ('telegram', '1', 999, 'x', 'now')"
        )


async def test_a_participant_is_created_once_per_account(db: Database) -> None:
    repo = ParticipantRepository(db)
    first, account = await repo.ensure("telegram", "42", "Ana", NOW)
    again, _ = await repo.ensure("telegram", "42", "Ana María", NOW)
    other, _ = await repo.ensure("discord", "42", "Ana", NOW)  # same id, other platform
    assert first.id == again.id != other.id
    assert account.participant_id == first.id
    [renamed] = await repo.accounts_of(first.id)
    assert renamed.display_name == "Ana María"


async def test_language_and_consent_are_stored(db: Database) -> None:
    repo = ParticipantRepository(db)
    p, _ = await repo.ensure("console", "ana", "ana", NOW)
    await repo.set_language(p.id, "pt")
    await repo.set_consent(p.id, True, NOW)
    stored = await repo.get(p.id)
    assert stored is not None
    assert (stored.language, stored.consent, stored.consent_at) == ("pt", "given",
                                                                     "2026-11-28T09:00:00+00:00")


async def test_outbox_dedupe_key_makes_a_second_enqueue_a_no_op(db: Database) -> None:
    repo = OutboxRepository(db)
    first = await repo.add("telegram", "1", "{}", 10, "announce:7:1", 0.0)
    second = await repo.add("telegram", "1", "{}", 10, "announce:7:1", 0.0)
    assert first is not None and second is None
    assert await repo.unfinished("telegram") == 1


async def test_outbox_serves_interactive_before_bulk_and_respects_not_before(db: Database
                                                                              ) -> None:
    repo = OutboxRepository(db)
    bulk = await repo.add("telegram", "1", "{}", 10, None, 0.0)
    later = await repo.add("telegram", "2", "{}", 0, None, 0.0, not_before=100.0)
    reply = await repo.add("telegram", "3", "{}", 0, None, 0.0)
    claimed = [await repo.claim_next("telegram", now=50.0) for _ in range(3)]
    assert [c.id if c else None for c in claimed] == [reply, bulk, None]
    nxt = await repo.claim_next("telegram", now=100.0)
    assert nxt is not None and nxt.id == later


@pytest.mark.sqlite_only("one worker: on PostgreSQL claims expire instead, as other "
                        "workers may be sending (tests/test_workers_postgres.py)")
async def test_in_flight_messages_are_requeued_after_a_crash(db: Database) -> None:
    repo = OutboxRepository(db)
    item_id = await repo.add("discord", "1", "{}", 0, None, 0.0)
    claimed = await repo.claim_next("discord", now=1.0)
    assert claimed is not None and claimed.status == "sending"
    assert await repo.requeue_in_flight() == 1
    again = await repo.claim_next("discord", now=1.0)
    assert again is not None and again.id == item_id and again.attempts == 2


async def test_a_transaction_abandoned_by_a_cancelled_task_is_rolled_back(db: Database
                                                                         ) -> None:
    import asyncio

    async def cancelled_midway() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO participants (created_at) VALUES ('lost')")
            await asyncio.sleep(10)

    task = asyncio.create_task(cancelled_midway())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    # Simulate the worst case too: BEGIN ran, its caller vanished without a rollback.
    await db.conn.execute("BEGIN IMMEDIATE")
    await db.execute("INSERT INTO participants (created_at) VALUES ('kept')")
    assert not db.conn.in_transaction
    rows = await db.fetchall("SELECT created_at FROM participants")
    assert [r[0] for r in rows] == ["kept"]


async def test_a_known_participant_costs_one_read_and_is_still_kept_fresh(db: Database
                                                                        ) -> None:
    from datetime import timedelta

    repo = ParticipantRepository(db)
    first, _ = await repo.ensure("telegram", "7", "Ana", NOW)
    before = db.conn.total_changes
    again, account = await repo.ensure("telegram", "7", "Ana", NOW + timedelta(minutes=1))
    assert db.conn.total_changes == before  # nothing written
    assert (again, account.display_name) == (first, "Ana")
    await repo.ensure("telegram", "7", "Ana", NOW + timedelta(minutes=10))  # seen again
    row = await db.fetchone("SELECT last_seen_at FROM accounts WHERE user_id = '7'")
    assert row is not None and row[0] == "2026-11-28T09:10:00+00:00"
    _, acc = await repo.ensure("telegram", "7", "Ana M.", NOW + timedelta(minutes=11))
    assert acc.display_name == "Ana M."
