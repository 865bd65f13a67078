"""Faults (issue 9, item 3): platforms that answer 500s and 429 storms, a Discord gateway that
closes, an update stream that fails — the bot recovers by itself and nothing queued is lost
or doubled."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.model import ChatKind, ChatRef, OutboundMessage
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram, telegram_id


async def test_telegram_500s_and_429_storm_lose_and_double_nothing(tmp_path: Path) -> None:
    async with open_telegram(tmp_path) as h:
        people = ["ana", "bo", "chen"]
        for name in people:
            h.user(name)
        # Errors interleaved with successes: 500s, then a storm of 429s for every chat.
        h.fake.fail_next("sendMessage", status=500, times=2, after=3)
        h.fake.fail_next("sendMessage", status=429, retry_after=1, times=6, after=8)
        outbox = h.bot.services.outbox
        for i in range(12):
            for name in people:
                await outbox.enqueue(OutboundMessage(
                    ChatRef("telegram", str(telegram_id(name)), ChatKind.PRIVATE),
                    f"{name}-{i:02d}"))
        assert await outbox.wait_idle("telegram", limit=90, include_delayed=True)
        failed = [c for c in h.fake.calls_to("sendMessage") if c.status != 200]
        for name in people:
            texts = [m["text"] for m in h.fake.bot_messages(telegram_id(name))]
            assert texts == [f"{name}-{i:02d}" for i in range(12)], texts
        assert len(failed) == 8  # every injected failure happened, and was retried
        assert await outbox.repo.unfinished("telegram") == 0


async def test_telegram_get_updates_failing_does_not_stop_the_bot(tmp_path: Path) -> None:
    async with open_telegram(tmp_path) as h:
        h.fake.fail_next("getUpdates", status=500, times=3)
        replies = await h.send("ana", "/help", language="en")
        assert replies and replies[0].text.startswith("What I can do for you:")


async def test_discord_gateway_closing_is_survived_and_messages_wait(tmp_path: Path) -> None:
    async with open_discord(tmp_path) as h:
        [first] = await h.send("ana", "/help", language="en")
        assert first.text.startswith("What I can do for you:")
        for _ in range(2):
            await h.fake.drop_connections()
            outbox = h.bot.services.outbox
            await outbox.enqueue(OutboundMessage(
                ChatRef("discord", str(h.fake.general), ChatKind.GROUP), "while reconnecting"))
            await h.fake.wait_for(lambda: h.fake.connected, timeout=30,
                                  what="the bot reconnected")
        await h.fake.wait_for(lambda: len(h.fake.sent_to(h.fake.general)) >= 2, timeout=30,
                              what="the messages queued while disconnected")
        assert [m.content for m in h.fake.sent_to(h.fake.general)] == ["while reconnecting"] * 2
        replies = await h.send("ana", "/help")
        assert replies and replies[0].text.startswith("What I can do for you:")


async def test_discord_500s_are_retried_and_arrive_once(tmp_path: Path) -> None:
    async with open_discord(tmp_path) as h:
        await h.send("ana", "/help", language="en")
        h.fake.fail_next(500, path="/messages", method="POST", times=3)
        outbox = h.bot.services.outbox
        for i in range(5):
            await outbox.enqueue(OutboundMessage(
                ChatRef("discord", str(h.fake.general), ChatKind.GROUP), f"post {i}"))
        assert await outbox.wait_idle("discord", limit=60, include_delayed=True)
        assert [m.content for m in h.fake.sent_to(h.fake.general)] == [
            f"post {i}" for i in range(5)]


LOCKER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA busy_timeout=10000")
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
"""


@pytest.mark.sqlite_only("holds SQLite's write lock from another process")
async def test_a_database_locked_by_another_process_delays_but_loses_nothing(
        tmp_path: Path) -> None:
    """Another process holds the write lock longer than SQLite's busy timeout (5 s): the
    bot waits it out. A command typed meanwhile is answered once, messages being sent
    meanwhile are all delivered once, and none is left half-recorded for a restart to
    send again."""
    async with open_telegram(tmp_path, paced=True) as h:
        ana = str(telegram_id("ana"))
        h.user("ana")
        outbox = h.bot.services.outbox
        for i in range(8):  # one a second: they are being sent when the lock comes
            await outbox.enqueue(OutboundMessage(ChatRef("telegram", ana, ChatKind.PRIVATE),
                                                 f"queued {i}"))
        await h.fake.wait_for(lambda: len(h.fake.bot_messages(int(ana))) >= 2, 10)
        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LOCKER, str(h.bot.services.config.database_path), "7",
            stdout=asyncio.subprocess.PIPE)
        assert locker.stdout is not None
        assert (await locker.stdout.readline()).strip() == b"locked"
        replies = await h.send("bo", "/help", language="en")
        assert await locker.wait() == 0
        assert [r.text.split(":")[0] for r in replies] == ["What I can do for you"]
        assert await outbox.wait_idle("telegram", limit=60, include_delayed=True)
        texts = [m["text"] for m in h.fake.bot_messages(int(ana))]
        assert texts == [f"queued {i}" for i in range(8)]
        assert await outbox.repo.unfinished("telegram") == 0


async def test_telegram_connections_cut_mid_long_poll_and_stalled_sends(tmp_path: Path
                                                                       ) -> None:
    """The network drops three long polls in a row, then a send stalls until the library
    gives up (its read timeout is 5 s): the bot keeps polling, and the stalled message is
    sent again and arrives once."""
    async with open_telegram(tmp_path) as h:
        h.fake.cut_next("getUpdates", times=3, after=0.3)
        h.fake.cut_next("sendMessage", times=1, after=7.0)
        ana = h.user("ana", language="en")
        h.fake.push_command(ana, "help")
        [reply] = await h.fake.wait_for(lambda: h.fake.bot_messages(ana["id"]) or None, 60)
        assert reply["text"].startswith("What I can do for you:")
        await h.bot.services.outbox.wait_idle("telegram", limit=30, include_delayed=True)
        cut_polls = [c for c in h.fake.calls_to("getUpdates") if c.status == 0]
        stalled = [c for c in h.fake.calls_to("sendMessage") if c.status == 0]
        assert len(cut_polls) == 3 and len(stalled) == 1
        assert len(h.fake.bot_messages(telegram_id("ana"))) == 1
