"""compose.yaml (PostgreSQL, two workers, Caddy) cannot be started here (no container
engine): its YAML is read and checked against the bot's configuration reference, so a
renamed key, port or environment variable breaks this test instead of a deployment."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import load_config, parse_config
from bot.credentials import SECRET_ENV, WEBHOOK_SECRET_ENV

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ("worker-1", "worker-2")
# Read by the PostgreSQL storage backend (issue 18 item 1), checked below once it exists.
DATABASE_PASSWORD_ENV = "BOT_DATABASE_PASSWORD"


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def worker_config(service: dict[str, Any]) -> dict[str, Any]:
    path = service["environment"]["BOT_CONFIG"]
    assert path.startswith("/config/")
    return tomllib.loads((ROOT / "deploy" / path.removeprefix("/config/")).read_text("utf-8"))


def names_the_bot_reads() -> set[str]:
    """Environment variables named in the bot's own code (a renamed one drops out)."""
    sources = "\n".join(p.read_text(encoding="utf-8") for folder in ("bot", "storage")
                        for p in (ROOT / folder).rglob("*.py"))
    found = set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', sources))
    return found & ({*SECRET_ENV.values(), WEBHOOK_SECRET_ENV, "BOT_CONFIG", "BOT_LOG_LEVEL"}
                    | {DATABASE_PASSWORD_ENV})


def test_the_services_are_postgres_two_workers_and_a_proxy() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", *WORKERS, "proxy"}
    for name in WORKERS:
        worker = services[name]
        assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/health/ready" in " ".join(worker["healthcheck"]["test"])
        assert "ports" not in worker, "workers are reached through the proxy only"
    assert set(services["proxy"]["depends_on"]) == set(WORKERS)


def test_worker_environment_names_are_the_ones_the_bot_reads() -> None:
    services = compose()["services"]
    known = names_the_bot_reads()
    for name in WORKERS:
        env = services[name]["environment"]
        unknown = set(env) - known - {DATABASE_PASSWORD_ENV}
        assert not unknown, f"{name}: the bot reads no {sorted(unknown)}"
        assert {SECRET_ENV["telegram"], WEBHOOK_SECRET_ENV} <= set(env)
        for key, value in env.items():  # secrets are interpolated from .env, never written
            if key != "BOT_CONFIG":
                assert str(value).startswith("${"), f"{name}: {key} must come from .env"
        assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == \
            env[DATABASE_PASSWORD_ENV]


def test_worker_configs_match_the_proxy_and_the_healthchecks() -> None:
    services = compose()["services"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    shards: list[int] = []
    for name in WORKERS:
        data = worker_config(services[name])
        for section in ("bot", "telegram", "discord", "ops"):  # what this branch validates
            parse_config({section: data[section]}, source=f"deploy/{name}.toml")
        telegram, ops = data["telegram"], data["ops"]
        assert telegram["mode"] == "webhook" and telegram["webhook_remove_on_stop"] is False
        assert f"handle {telegram['webhook_path']}" in caddyfile
        assert f"{name}:{telegram['webhook_listen_port']}" in caddyfile
        assert ops["enabled"] and f"health_port {ops['port']}" in caddyfile
        assert f"127.0.0.1:{ops['port']}/health/ready" in " ".join(
            services[name]["healthcheck"]["test"])
        assert data["discord"]["shard_count"] == len(WORKERS)
        shards += data["discord"]["shard_ids"]
    assert sorted(shards) == list(range(len(WORKERS))), "each shard runs on one worker"
    assert "health_uri /health/ready" in caddyfile


@pytest.mark.skipif(importlib.util.find_spec("storage.postgres") is None,
                    reason="the PostgreSQL backend (issue 18 item 1) is not on this branch")
def test_worker_configs_are_valid_with_the_postgres_backend() -> None:
    from storage.postgres import PASSWORD_VARIABLE  # type: ignore[import-not-found]

    assert PASSWORD_VARIABLE == DATABASE_PASSWORD_ENV
    for name in WORKERS:
        path = compose()["services"][name]["environment"]["BOT_CONFIG"]
        config = load_config(ROOT / "deploy" / path.removeprefix("/config/"))
        assert config.storage.url.startswith("postgresql://")  # type: ignore[attr-defined]
