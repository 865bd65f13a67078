"""Configuration of webhooks, shards and the operations endpoint: each mistake is one line
naming the key, and the bot exits with status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from tests.harness import SAMPLE_ACADEMY

ROOT = Path(__file__).resolve().parent.parent


def problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    return err.value.problems


def test_webhook_keys_are_read() -> None:
    config = parse_config({"telegram": {"mode": "webhook",
                                        "webhook_url": "https://bot.example.org/tg"},
                           "discord": {"shard_ids": [1], "shard_count": 2},
                           "ops": {"enabled": True, "port": 9100}})
    assert config.telegram.mode == "webhook" and config.telegram.webhook_max_connections == 40
    assert config.discord.shard_ids == [1] and config.ops.port == 9100
    assert parse_config({}).telegram.mode == "polling"


@pytest.mark.parametrize(("data", "expected"), [
    ({"telegram": {"mode": "webhook"}}, "telegram.webhook_url: required"),
    ({"telegram": {"mode": "hook"}}, "telegram.mode: input should be 'polling' or 'webhook'"),
    ({"telegram": {"mode": "webhook", "webhook_url": "http://bot.example.org/tg"}},
     "telegram.webhook_url: must be an https:// URL"),
    ({"telegram": {"mode": "webhook", "webhook_url": "https://bot.example.org:9000/tg"}},
     "telegram.webhook_url: Telegram posts only to ports 443, 80, 88, 8443"),
    ({"telegram": {"webhook_path": "no-slash"}}, "telegram.webhook_path: string should match"),
    ({"telegram": {"webhook_max_connections": 0}}, "telegram.webhook_max_connections:"),
    ({"discord": {"shard_ids": [0]}}, "discord.shard_count: required when discord.shard_ids"),
    ({"discord": {"shard_ids": [2], "shard_count": 2}}, "discord.shard_ids: [2] not between"),
    ({"discord": {"shard_ids": [1, 1], "shard_count": 2}}, "discord.shard_ids: a shard is "
                                                           "listed twice"),
    ({"ops": {"port": 70000}}, "ops.port: input should be less than or equal to 65535"),
    ({"ops": {"enable": True}}, "ops.enable: unknown key (did you mean 'enabled'?)"),
])
def test_a_mistake_names_its_key(data: dict[str, object], expected: str) -> None:
    found = problems(data)
    assert len(found) == 1 and expected in found[0], found


def test_webhook_mode_without_the_secret_exits_2_and_shows_no_token(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "bot.sqlite3"}"\n'
        f'[content]\nacademy = "{SAMPLE_ACADEMY}"\n'
        '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example.org/tg"\n'
        'api_base_url = "http://127.0.0.1:9/bot"\n', encoding="utf-8")
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123:very-secret-token",
           "TELEGRAM_WEBHOOK_SECRET": "has spaces, not allowed"}
    env.pop("DISCORD_BOT_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(config)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert "TELEGRAM_WEBHOOK_SECRET: Telegram accepts 1-256 characters" in done.stderr
    assert "very-secret-token" not in done.stderr + done.stdout
    assert "has spaces" not in done.stderr + done.stdout
