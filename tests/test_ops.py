"""The operations endpoint: health and Prometheus metrics, scraped over HTTP from the
real bot on the fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.telegram import TelegramAdapter
from bot.app import Bot
from bot.config import ConfigError
from bot.config_deploy import OpsSection
from bot.delivery_timing import RetryPolicy
from bot.ops.metrics import BotMetrics
from bot.ops.server import OpsServer
from bot.platforms import command_menu
from storage.schedules import NewSchedule
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.harness import make_config
from tests.harness_telegram import UNPACED, TelegramHarness
from tests.test_relay_platforms import FRENCH, relay_world


@asynccontextmanager
async def bot_with_ops(tmp_path: Path, fake: FakeTelegram, *, connect: bool = True
                       ) -> AsyncIterator[tuple[TelegramHarness, OpsServer]]:
    """The bot with its ops endpoint on a free port, wired as `bot.app.run` wires it:
    metrics hooked in before the platform is attached."""
    config = make_config(tmp_path, telegram={
        "api_base_url": fake.api_base_url, "file_base_url": fake.file_base_url,
        "poll_timeout": 1, **UNPACED}, ops={"enabled": True, "port": 0})
    bot = await Bot.create(config)
    ops = OpsServer.for_bot(OpsSection(enabled=True, port=0), bot)
    await ops.start()
    adapter = TelegramAdapter(config.telegram, TOKEN, command_menu(bot.services))
    try:
        if connect:
            await bot.add_platform(adapter)
        else:
            bot.supervise(adapter, RetryPolicy(base_delay=0.2, max_delay=0.2))
        yield TelegramHarness(bot, adapter, fake), ops
    finally:
        await ops.stop()
        await bot.close()


async def get(ops: OpsServer, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{ops.port}{path}") as response:
            return response.status, await response.text()


async def scrape(ops: OpsServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = await get(ops, "/metrics")
    assert status == 200
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


TELEGRAM = (("platform", "telegram"),)


async def test_metrics_count_a_send_and_a_429(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake, bot_with_ops(tmp_path, fake) as (tg, ops):
        fake.fail_next("sendMessage", status=429, retry_after=1)
        ana = tg.user("Ana")
        fake.push_text(ana, "/help")
        await fake.wait_for(lambda: fake.bot_messages(ana), timeout=10)
        assert await tg.bot.services.outbox.wait_idle("telegram", limit=10,
                                                      include_delayed=True)
        metrics = await scrape(ops)
        assert metrics[("bot_rate_limited_total", TELEGRAM)] == 1
        assert metrics[("bot_send_retries_total", TELEGRAM)] == 1
        assert metrics[("bot_messages_sent_total", TELEGRAM)] == len(fake.bot_messages(ana))
        assert metrics[("bot_outbox_depth", TELEGRAM)] == 0
        assert metrics[("bot_outbox_oldest_age_seconds", TELEGRAM)] == 0
        assert metrics[("bot_ready", ())] == 1


async def test_metrics_show_the_outbox_waiting(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake, bot_with_ops(tmp_path, fake) as (tg, ops):
        fake.fail_next("sendMessage", status=429, retry_after=60)
        ana = tg.user("Ana")
        fake.push_text(ana, "/help")
        await fake.wait_for(lambda: fake.calls_to("sendMessage"))
        await fake.wait_for(lambda: tg.adapter.handled_update_id >= fake.last_update_id)
        metrics = await scrape(ops)
        assert metrics[("bot_outbox_depth", TELEGRAM)] >= 1
        assert metrics[("bot_outbox_oldest_age_seconds", TELEGRAM)] >= 0
        assert metrics[("bot_rate_limited_total", TELEGRAM)] == 1
        assert ("bot_messages_sent_total", TELEGRAM) not in metrics or \
            metrics[("bot_messages_sent_total", TELEGRAM)] == 0


async def test_ready_only_once_the_platform_is_connected(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake:
        fake.fail_next("getMe", status=500, times=2)  # Telegram is down at first
        async with bot_with_ops(tmp_path, fake, connect=False) as (tg, ops):
            status, body = await get(ops, "/health/live")
            assert status == 200
            status, body = await get(ops, "/health/ready")
            assert status == 503
            assert '"database": true' in body and '"telegram": false' in body
            await fake.wait_for(lambda: "telegram" in tg.bot.connected, timeout=10)
            status, body = await get(ops, "/health/ready")
            assert status == 200 and '"ready": true' in body
            metrics = await scrape(ops)
            assert metrics[("bot_platform_connected", TELEGRAM)] == 1
        assert len(fake.calls_to("getMe")) >= 3


async def test_not_ready_when_the_database_is_gone(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake, bot_with_ops(tmp_path, fake) as (tg, ops):
        assert (await get(ops, "/health/ready"))[0] == 200
        await tg.bot.services.db.close()
        status, body = await get(ops, "/health/ready")
        assert status == 503 and '"database": false' in body


async def test_scheduler_lag_and_overdue(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake, bot_with_ops(tmp_path, fake) as (tg, ops):
        await tg.send("Ana", "/start")
        services = tg.bot.services
        account = await services.participants.account("telegram", str(tg.user("Ana")["id"]))
        assert account is not None
        now = services.clock.timestamp()
        await services.schedules.add(NewSchedule(
            kind="reminder", participant_id=account.participant_id, platform="telegram",
            chat_id=str(tg.user("Ana")["id"]), chat_kind="private", payload={"text": "tea"},
            timezone="UTC", next_at=now - 120), now)
        metrics = await scrape(ops)
        assert metrics[("bot_scheduler_overdue_seconds", ())] >= 120
        assert metrics[("bot_scheduler_lag_seconds_count", ())] == 0
        assert await tg.bot.scheduler.run_due(services.clock.now()) == 1
        metrics = await scrape(ops)
        assert metrics[("bot_scheduler_lag_seconds_count", ())] == 1
        assert metrics[("bot_scheduler_lag_seconds_sum", ())] >= 120
        assert metrics[("bot_scheduler_overdue_seconds", ())] == 0


async def test_translation_failures_and_relay_latency(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        metrics = BotMetrics(CollectorRegistry())
        metrics.install(w.bot.services, w.bot.scheduler)
        w.lt.mode = "500"
        marie = w.tg.add_user("Marie", language_code="fr")
        w.tg.push_text(marie, FRENCH, chat=w.group)
        await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        await w.settle()
        registry = metrics.registry
        assert registry.get_sample_value("bot_translation_failures_total",
                                         {"target": "en"}) == 1
        assert registry.get_sample_value("bot_relay_latency_seconds_count",
                                         {"platform": "discord"}) == 1


async def test_a_taken_ops_port_is_one_configuration_line(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as fake, bot_with_ops(tmp_path, fake) as (tg, ops):
        second = OpsServer.for_bot(OpsSection(enabled=True, port=ops.port), tg.bot)
        with pytest.raises(ConfigError) as err:
            await second.start()
        assert err.value.problems[0].startswith(f"ops.port: cannot listen on 127.0.0.1:"
                                                f"{ops.port}: ")
