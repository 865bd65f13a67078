"""Faults (issue 9, item 3): platforms that answer 500s and 429 storms, a Discord gateway that
closes, an update stream that fails — the bot recovers by itself and nothing queued is lost
or doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model import ChatKind, ChatRef, OutboundMessage
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram, telegram_id


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


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
