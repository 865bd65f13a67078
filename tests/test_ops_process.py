"""`python -m bot` as a worker runs it: Telegram by webhook and the ops endpoint, at
DEBUG. Health, metrics and the webhook work through the composition root, the webhook is
removed at SIGTERM, and neither the token nor the webhook secret (nor a forged one)
reaches the log."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.fakes.telegram_webhooks import SECRET_HEADER
from tests.harness import SAMPLE_ACADEMY
from tests.harness_telegram import WEBHOOK_SECRET, free_port, webhook_settings

FORGED = "forged-secret-7365"


async def http_get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return response.status, await response.text()


async def test_a_webhook_worker_with_health_and_metrics(tmp_path: Path) -> None:
    async with FakeTelegram(TOKEN) as tg:
        hook = webhook_settings()
        ops_port = free_port()
        config = tmp_path / "config.toml"
        config.write_text(
            f'[storage]\npath = "bot.sqlite3"\n[content]\nacademy = "{SAMPLE_ACADEMY}"\n'
            f'[telegram]\napi_base_url = "{tg.api_base_url}"\n'
            f'file_base_url = "{tg.file_base_url}"\nmode = "webhook"\n'
            f'webhook_url = "{hook["webhook_url"]}"\n'
            f'webhook_listen_port = {hook["webhook_listen_port"]}\n'
            f'[ops]\nenabled = true\nport = {ops_port}\n', encoding="utf-8")
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_LOG_LEVEL": "DEBUG",
               "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}
        env.pop("DISCORD_BOT_TOKEN", None)
        log = tmp_path / "bot.log"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), cwd=Path(__file__).parent.parent,
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log.open("wb"))
        ops = f"http://127.0.0.1:{ops_port}"
        try:
            await tg.wait_for(lambda: tg.webhooks.hook is not None, 60)
            ana = tg.add_user("Ana")
            tg.push_command(ana, "help")
            await tg.wait_for(lambda: tg.bot_messages(ana), 30)
            async with aiohttp.ClientSession() as session:
                async with session.post(hook["webhook_url"], json={"update_id": 5},
                                        headers={SECRET_HEADER: FORGED}) as response:
                    assert response.status == 403
            status, body = await http_get(f"{ops}/health/ready")
            assert status == 200 and '"telegram": true' in body
            sent = 0.0

            async def scraped() -> bool:
                nonlocal sent
                status, text = await http_get(f"{ops}/metrics")
                assert status == 200
                line = next((x for x in text.splitlines() if x.startswith(
                    'bot_messages_sent_total{platform="telegram"}')), "x 0")
                sent = float(line.split()[-1])
                return sent >= 1

            for _ in range(100):
                if await scraped():
                    break
                await asyncio.sleep(0.05)
            assert sent >= 1
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 15)
        text = log.read_text(encoding="utf-8")
        assert code == 0, text
        assert "DEBUG" in text, "the bot did not log at DEBUG: the test proves nothing"
        assert "secret token refused" in text
        for secret in (TOKEN, WEBHOOK_SECRET, FORGED):
            assert secret not in text
        assert tg.webhooks.history[-1] == "deleted", "the webhook is removed at stop"
