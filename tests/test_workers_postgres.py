"""Two workers share one PostgreSQL database and one (fake) Telegram: a broadcast is sent
once to everyone, in order per chat, even when one worker is killed with SIGKILL midway —
its claims expire and the other worker takes them over; only a send in flight at the kill
may arrive twice (issue 18). Needs PostgreSQL: runs in `make test-postgres`."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.outbox import OutboxRepository
from storage.participants import ParticipantRepository
from storage.schedules import ScheduleRepository
from tests import postgres_server
from tests.bot_process import RECIPIENTS, SENDERS, TEXT, delivered, start_bot
from tests.fakes.telegram_limits import FloodLimits
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.harness import database_at, open_console
from tests.harness_telegram import telegram_id

pytestmark = pytest.mark.skipif(not postgres_server.enabled(),
                                reason="needs PostgreSQL: run by make test-postgres")

async def test_two_workers_share_a_broadcast_and_survive_a_sigkill(tmp_path: Path) -> None:
    url = postgres_server.databases().url_for(tmp_path)
    ids = [telegram_id(f"p{i}") for i in range(RECIPIENTS)]
    db = database_at(tmp_path / "bot.sqlite3")
    await db.open()
    people = ParticipantRepository(db)
    for i, uid in enumerate(ids):
        await people.ensure("telegram", str(uid), f"p{i}", datetime.now(UTC))
    await db.close()
    # The broadcast is queued by a facilitator on the console (any worker could have
    # taken the command); the two workers then drain Telegram's share of it.
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        assert await h.send("fac", f"/announce participants {TEXT}", language="en")
        assert await h.bot.services.outbox.repo.unfinished("telegram") == RECIPIENTS

    async with FakeTelegram() as fake:
        fake.limits = FloodLimits(overall_per_second=100)
        for i, uid in enumerate(ids):
            fake.add_user(f"p{i}", user_id=uid)
        config = tmp_path / "config.toml"
        config.write_text(
            f'[storage]\npath = "bot.sqlite3"\nurl = "{url}"\n'
            f'[telegram]\napi_base_url = "{fake.api_base_url}"\n'
            f'file_base_url = "{fake.file_base_url}"\npoll_timeout = 1\n'
            # Each worker is given the whole rate: they share it through the database.
            f'messages_per_second = 90\n'
            f'[outbox]\nsenders_per_platform = {SENDERS}\nclaim_seconds = 3\n',
            encoding="utf-8")
        logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
        a = await start_bot(config, logs[0])
        b = await start_bot(config, logs[1])
        try:
            await fake.wait_for(lambda: sum(delivered(fake, u) > 0 for u in ids) >= 80, 60)
            a.send_signal(signal.SIGKILL)
            await a.wait()
            before = sum(delivered(fake, u) > 0 for u in ids)
            assert before < RECIPIENTS, "the broadcast finished before the kill"
            await fake.wait_for(lambda: all(delivered(fake, u) for u in ids), 90)
            b.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(b.wait(), 15) == 0
        finally:
            for worker in (a, b):
                if worker.returncode is None:
                    worker.kill()
                    await worker.wait()
        counts = [delivered(fake, u) for u in ids]
        twice = sum(c == 2 for c in counts)
        assert min(counts) == 1 and max(counts) <= 2
        assert twice <= SENDERS, f"{twice} recipients got it twice"
        assert fake.limits.refused == 0  # the rate was shared, not doubled
        print(f"\nworker killed after {before}/{RECIPIENTS}; delivered twice: {twice}")
        for log in logs:
            assert TOKEN not in log.read_text()
    # Both workers sent part of it: the queue was shared, not taken by one.
    db = database_at(tmp_path / "bot.sqlite3")
    await db.open()
    try:
        row = await db.fetchone("SELECT COUNT(DISTINCT claimed_by) FROM outbox "
                                "WHERE platform = 'telegram' AND status = 'sent'")
        assert row is not None and row[0] == 2
    finally:
        await db.close()


async def test_a_chat_gets_one_message_at_a_time_in_order_across_workers(tmp_path: Path
                                                                          ) -> None:
    """Two workers' connections claim from one queue: a chat with a message in flight at
    either is passed over, and its next message goes only after the first is sent."""
    a_db, b_db = database_at(tmp_path / "bot.sqlite3"), database_at(tmp_path / "bot.sqlite3")
    await a_db.open()
    await b_db.open()
    try:
        a, b = OutboxRepository(a_db, worker="a"), OutboxRepository(b_db, worker="b")
        first = await a.add("telegram", "x", "{}", 5, None, now=1.0)
        second = await a.add("telegram", "x", "{}", 5, None, now=1.0)
        other = await a.add("telegram", "y", "{}", 5, None, now=1.0)
        taken = (await a.claim("telegram", 10.0)).item
        assert taken is not None and taken.id == first
        taken = (await b.claim("telegram", 10.0)).item
        assert taken is not None and taken.id == other  # not x's second: x is in flight
        assert (await b.claim("telegram", 10.0)).item is None
        await a.mark_sent(first, "1", 10.0)
        taken = (await b.claim("telegram", 10.5)).item
        assert taken is not None and taken.id == second
    finally:
        await a_db.close()
        await b_db.close()


async def test_a_claim_left_by_a_dead_worker_is_taken_over_after_it_expires(tmp_path: Path
                                                                             ) -> None:
    a_db, b_db = database_at(tmp_path / "bot.sqlite3"), database_at(tmp_path / "bot.sqlite3")
    await a_db.open()
    await b_db.open()
    try:
        a = OutboxRepository(a_db, worker="a", lease=30.0)
        b = OutboxRepository(b_db, worker="b", lease=30.0)
        item = await a.add("telegram", "x", "{}", 5, None, now=1.0)
        assert (await a.claim("telegram", 10.0)).item is not None
        await a_db.close()  # the worker dies with its claim
        assert await b.requeue_in_flight() == 0  # a starting worker leaves claims alone
        assert (await b.claim("telegram", 39.0)).item is None  # still claimed
        taken = (await b.claim("telegram", 41.0)).item
        assert taken is not None and taken.id == item and taken.attempts == 2
    finally:
        await b_db.close()


async def test_one_worker_fires_the_schedules_and_another_takes_over_when_it_dies(
        tmp_path: Path) -> None:
    a_db, b_db = database_at(tmp_path / "bot.sqlite3"), database_at(tmp_path / "bot.sqlite3")
    await a_db.open()
    await b_db.open()
    try:
        a, b = ScheduleRepository(a_db), ScheduleRepository(b_db)
        assert await a.lead()
        assert not await b.lead()
        assert await a.lead()  # still the leader
        await a_db.close()  # its connection, and so its lock, ends
        assert await b.lead()
    finally:
        await b_db.close()
