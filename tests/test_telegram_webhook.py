"""Telegram webhooks: the real adapter (python-telegram-bot) in webhook mode against the
fake Telegram, which posts updates to the bot as the Bot API server does."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.telegram import TelegramAdapter
from bot.chat_lanes import ChatLanes
from bot.config import TelegramSection
from bot.model import Event
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.fakes.telegram_webhooks import SECRET_HEADER
from tests.harness_telegram import WEBHOOK_SECRET, open_telegram, webhook_settings


def bot_url(adapter: TelegramAdapter) -> str:
    assert adapter.webhook is not None
    return f"http://127.0.0.1:{adapter.webhook.port}/telegram/webhook"


async def test_messages_arrive_by_webhook_and_nothing_polls(tmp_path: Path) -> None:
    async with open_telegram(tmp_path, webhook=True) as tg:
        replies = await tg.send("Ana", "/start")
        assert replies, "the bot answered /start posted through the webhook"
        assert tg.fake.calls_to("getUpdates") == []
        assert all(d.status == 200 for d in tg.fake.webhooks.deliveries)
        info = tg.fake.webhooks.info()
        assert info["url"].startswith("http://127.0.0.1:")
        assert info["pending_update_count"] == 0


async def test_webhook_is_set_at_start_with_secret_and_removed_at_stop(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake:
        async with open_telegram(tmp_path, webhook=True, fake=fake) as tg:
            (call,) = fake.calls_to("setWebhook")
            assert call.params["secret_token"] == WEBHOOK_SECRET
            assert call.params["allowed_updates"] == ["message", "edited_message",
                                                      "callback_query", "poll", "poll_answer"]
            assert call.params["max_connections"] == 40
            assert fake.webhooks.hook is not None
            url = bot_url(tg.adapter)
        assert fake.webhooks.hook is None
        assert fake.webhooks.history == [f"set {url}", "deleted"]


@pytest.mark.parametrize(("header", "status"), [(None, 401), ("wrong-secret", 403),
                                                (WEBHOOK_SECRET[:-1], 403)])
async def test_a_request_without_the_secret_is_refused_and_not_handled(
        tmp_path: Path, header: str | None, status: int) -> None:
    async with open_telegram(tmp_path, webhook=True) as tg:
        alice = tg.user("Alice")
        forged = {"update_id": 999_999, "message": {
            "message_id": 1, "date": 1, "chat": {"id": alice["id"], "type": "private"},
            "from": alice, "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        headers = {} if header is None else {SECRET_HEADER: header}
        async with aiohttp.ClientSession() as session:
            async with session.post(bot_url(tg.adapter), json=forged,
                                    headers=headers) as response:
                assert response.status == status
        await asyncio.wait_for(tg.bot.lanes.wait_idle(), 5)
        assert tg.adapter.handled_update_id == 0
        assert tg.fake.bot_messages(alice) == []
        # The same request with the secret is handled: the refusal was the secret's.
        async with aiohttp.ClientSession() as session:
            async with session.post(bot_url(tg.adapter), json=forged,
                                    headers={SECRET_HEADER: WEBHOOK_SECRET}) as response:
                assert response.status == 200
        await tg.fake.wait_for(lambda: tg.fake.bot_messages(alice))


async def test_a_restart_loses_nothing(tmp_path: Path) -> None:
    """Updates that arrive while the bot is stopped wait at Telegram and come with the
    next setWebhook; each is handled once."""
    async with FakeTelegram(TOKEN) as fake:
        async with open_telegram(tmp_path, webhook=True, fake=fake) as tg:
            await tg.send("Ana", "/start")
            ana = tg.user("Ana")
            before = len(fake.bot_messages(ana))
        for _ in range(3):
            fake.push_text(ana, "/help")
        assert fake.webhooks.info()["pending_update_count"] == 3
        async with open_telegram(tmp_path, webhook=True, fake=fake) as tg:
            await tg.settle(fake.last_update_id)
            await fake.wait_for(lambda: fake.webhooks.info()["pending_update_count"] == 0)
            helps = fake.bot_messages(ana)[before:]
            assert len(helps) >= 3
            handled = [d.update_id for d in fake.webhooks.deliveries if d.status == 200]
            assert len(handled) == len(set(handled))


async def test_an_update_posted_again_is_not_handled_twice(tmp_path: Path) -> None:
    """Telegram posts an update again when our answer is lost: answered, not re-handled."""
    async with open_telegram(tmp_path, webhook=True) as tg:
        await tg.send("Ana", "/help")
        ana = tg.user("Ana")
        count = len(tg.fake.bot_messages(ana))
        update = {"update_id": tg.fake.delivered_update_id,
                  "message": tg.fake.messages[ana["id"]][0]}
        async with aiohttp.ClientSession() as session:
            async with session.post(bot_url(tg.adapter), json=update,
                                    headers={SECRET_HEADER: WEBHOOK_SECRET}) as response:
                assert response.status == 200
        await asyncio.wait_for(tg.bot.lanes.wait_idle(), 5)
        assert tg.bot.services.outbox is not None
        assert await tg.bot.services.outbox.wait_idle("telegram", limit=5)
        assert len(tg.fake.bot_messages(ana)) == count


@asynccontextmanager
async def round_robin(ports: list[int]) -> AsyncIterator[int]:
    """A load balancer in front of workers: each request to the next one, in turn."""
    turn = itertools.cycle(ports)
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        url = f"http://127.0.0.1:{next(turn)}{request.path}"
        async with session.post(url, data=await request.read(),
                                headers=dict(request.headers)) as response:
            return web.Response(status=response.status)

    app = web.Application()
    app.router.add_post("/{path:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()
        await session.close()


async def test_one_chat_stays_in_order_across_two_workers() -> None:
    """Two workers behind a balancer; the first message of a chat is slow to handle. The
    second one reaches the other worker only once the first is handled, because a worker
    answers Telegram only then (and Telegram sends a chat's next update only after that
    answer), so the chat's messages are handled in the order they were written."""
    handled: list[tuple[str, str]] = []

    def worker(name: str) -> ChatLanes:
        async def handle(event: Event) -> None:
            if event.text == "first":
                await asyncio.sleep(0.5)
            handled.append((name, event.text))
        return ChatLanes(handle)

    async with FakeTelegram(TOKEN) as fake:
        settings = [webhook_settings(), webhook_settings()]
        lanes = [worker("A"), worker("B")]
        async with round_robin([s["webhook_listen_port"] for s in settings]) as port:
            adapters = [TelegramAdapter(TelegramSection(
                api_base_url=fake.api_base_url, file_base_url=fake.file_base_url,
                **{**s, "webhook_url": f"http://127.0.0.1:{port}/telegram/webhook",
                   "webhook_remove_on_stop": False}), TOKEN, webhook_secret=WEBHOOK_SECRET)
                for s in settings]
            for adapter, lane in zip(adapters, lanes, strict=True):
                await adapter.start(lane.publisher(adapter.acknowledges_handled))
            try:
                ana, bea = fake.add_user("Ana"), fake.add_user("Bea")
                for text in ("first", "second", "third"):
                    fake.push_text(ana, text)
                fake.push_text(bea, "other chat")
                await fake.wait_for(lambda: len(handled) == 4, timeout=10)
            finally:
                for adapter in adapters:
                    await adapter.stop()
    texts = [text for _worker, text in handled if text != "other chat"]
    assert texts == ["first", "second", "third"]
    assert {w for w, _t in handled} == {"A", "B"}, "both workers took updates"


async def test_an_update_not_handled_when_the_bot_stops_stays_at_telegram() -> None:
    """Stopping while an update is being handled answers 503: Telegram keeps the update
    and posts it again later (to this worker or another one)."""
    started = asyncio.Event()

    async def handle(event: Event) -> None:
        started.set()
        await asyncio.Event().wait()  # a handler still busy when the bot stops

    lanes = ChatLanes(handle)
    async with FakeTelegram(TOKEN) as fake:
        settings = TelegramSection(api_base_url=fake.api_base_url,
                                   file_base_url=fake.file_base_url, **webhook_settings())
        adapter = TelegramAdapter(settings, TOKEN, webhook_secret=WEBHOOK_SECRET)
        await adapter.start(lanes.publisher(adapter.acknowledges_handled))
        try:
            fake.push_text(fake.add_user("Ana"), "hello")
            await asyncio.wait_for(started.wait(), 5)
            await lanes.close(limit=0.1)
            await fake.wait_for(lambda: fake.webhooks.deliveries)
        finally:
            await adapter.stop()
        assert [d.status for d in fake.webhooks.deliveries][:1] == [503]
        assert len(fake.updates) == 1, "the update waits at Telegram"


async def test_one_worker_handles_each_chat_in_update_order() -> None:
    """One worker, Telegram posting up to 40 updates at once (eight chats in flight, a
    slow first message in each): every chat's messages are handled in the order they
    were written."""
    handled: list[tuple[int, str]] = []

    async def handle(event: Event) -> None:
        await asyncio.sleep(0.01 if event.text.endswith("0") else 0)
        handled.append((int(event.chat.chat_id), event.text))

    lanes = ChatLanes(handle)
    async with FakeTelegram(TOKEN) as fake:
        adapter = TelegramAdapter(TelegramSection(
            api_base_url=fake.api_base_url, file_base_url=fake.file_base_url,
            **webhook_settings()), TOKEN, webhook_secret=WEBHOOK_SECRET)
        await adapter.start(lanes.publisher(adapter.acknowledges_handled))
        try:
            people = [fake.add_user(f"P{i}") for i in range(8)]
            for n in range(10):
                for person in people:
                    fake.push_text(person, f"m{n}")
            await fake.wait_for(lambda: len(handled) == 80, timeout=20)
        finally:
            await adapter.stop()
    for person in people:
        assert [t for chat, t in handled if chat == person["id"]] == [f"m{n}" for n in range(10)]
