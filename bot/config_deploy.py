"""Configuration keys for serving beyond chat and beyond one machine: the web side, Telegram
webhooks, Discord shards and the operations endpoint (health and metrics).

They live here, mixed into the sections of `bot.config`, so that module stays small; the
keys are still `[telegram] mode`, `[discord] shard_ids`, `[ops] port`, validated like
every other key (one `file: key: problem` line each, exit status 2).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.credentials import WEBHOOK_SECRET_ENV

# Telegram's rule for setWebhook's secret_token: 1-256 characters of these.
WEBHOOK_SECRET_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# The ports Telegram delivers webhooks to (behind the reverse proxy, the bot listens on any).
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


class _Keys(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TelegramWebhookKeys(_Keys):
    # "polling": one process asks Telegram for updates (getUpdates). "webhook": Telegram
    # posts each update to `webhook_url`, which a reverse proxy spreads over the workers.
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""  # public HTTPS URL Telegram posts to, e.g. https://bot.example.org/tg
    webhook_listen_host: str = "127.0.0.1"  # where this worker listens (behind the proxy)
    webhook_listen_port: int = Field(default=8081, ge=0, le=65535)  # 0: any free port
    webhook_path: str = Field(default="/telegram/webhook", pattern=r"^/[\w./-]{0,200}$")
    # Updates Telegram sends at once (its default is 40); a chat's messages never overlap.
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Remove the webhook when this worker stops. Behind a balancer, false: one worker
    # restarting must not cut the others off (Telegram keeps updates while none answer).
    webhook_remove_on_stop: bool = True


class DiscordShardKeys(_Keys):
    # Which gateway shards this worker runs (discord.py's own sharding): both unset, one
    # connection for every guild; shard_count alone, every shard in this process.
    shard_ids: list[int] | None = None
    shard_count: int | None = Field(default=None, ge=1, le=4096)


class OpsSection(_Keys):
    """Health (/health/live, /health/ready) and Prometheus metrics (/metrics)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)  # 0: any free port (tests)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def deployment_problems(config: Any, source: str) -> list[str]:
    """What the keys above get wrong together (each key alone is checked by its type);
    `config` is bot.config's Config (not imported: that module imports this one)."""
    problems: list[str] = []
    telegram = config.telegram
    if telegram.mode == "webhook":
        url = urlsplit(telegram.webhook_url)
        where = f"{source}: telegram.webhook_url"
        if not telegram.webhook_url:
            problems.append(f"{where}: required when telegram.mode is 'webhook' (the public "
                            f"HTTPS address Telegram posts to, e.g. "
                            f"'https://bot.example.org/telegram/webhook')")
        elif url.scheme == "http" and _loopback(url.hostname or ""):
            pass  # a local Bot API server (and the tests) may post over plain HTTP
        elif url.scheme != "https" or not url.hostname:
            problems.append(f"{where}: must be an https:// URL (Telegram posts only over "
                            f"HTTPS)")
        elif (url.port or 443) not in TELEGRAM_WEBHOOK_PORTS:
            problems.append(f"{where}: Telegram posts only to ports "
                            f"{', '.join(map(str, TELEGRAM_WEBHOOK_PORTS))}")
    discord = config.discord
    if discord.shard_ids is not None:
        if discord.shard_count is None:
            problems.append(f"{source}: discord.shard_count: required when discord.shard_ids "
                            f"is set")
        elif not discord.shard_ids:
            problems.append(f"{source}: discord.shard_ids: empty; leave it out to run every "
                            f"shard")
        else:
            bad = [i for i in discord.shard_ids if not 0 <= i < discord.shard_count]
            if bad:
                problems.append(f"{source}: discord.shard_ids: {bad} not between 0 and "
                                f"shard_count - 1 ({discord.shard_count - 1})")
            if len(set(discord.shard_ids)) != len(discord.shard_ids):
                problems.append(f"{source}: discord.shard_ids: a shard is listed twice")
    return problems


def webhook_secret_problem(secret: str | None) -> str | None:
    """Why the webhook secret from the environment cannot be used (never showing it)."""
    if not secret:
        return (f"{WEBHOOK_SECRET_ENV}: required when telegram.mode is 'webhook' (1-256 "
                f"characters A-Z, a-z, 0-9, _ and -; e.g. from `openssl rand -hex 32`)")
    if len(secret) > 256 or not set(secret) <= WEBHOOK_SECRET_CHARS:
        return (f"{WEBHOOK_SECRET_ENV}: Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ "
                f"and - only")
    return None


_PUBLIC_URL = re.compile(r"https?://[^\s/?#@]+(/[^\s?#]*)?")


def _check_public_url(url: str) -> str:
    if url and not _PUBLIC_URL.fullmatch(url):
        raise ValueError(f"{url!r} is not an http:// or https:// address without query or "
                         f"fragment, e.g. 'https://bot.example.org'")
    return url.rstrip("/")


class WebSection(_Keys):
    """The web side (bot/web/): the facilitators' dashboard and the public catalogue."""

    enabled: bool = False
    host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    # The address people open, as links in chat show it; empty: http://host:port.
    public_url: Annotated[str, AfterValidator(_check_public_url)] = ""
    session_idle_minutes: int = Field(default=30, ge=1, le=1440)
