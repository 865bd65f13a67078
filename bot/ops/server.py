"""The operations endpoint: a small aiohttp app on its own port (`[ops] host`, `port`),
apart from the webhook's and from any web interface, meant for the orchestrator and
Prometheus only (not to be exposed publicly).

- `GET /health/live`: 200 while the process and its event loop answer.
- `GET /health/ready`: 200 when the database answers and every configured platform is
  connected, else 503; the JSON body says which part is not.
- `GET /metrics`: Prometheus text format, from the bot's own registry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from bot.config import ConfigError
from bot.config_deploy import OpsSection
from bot.ops.metrics import BotMetrics
from storage.ops import OpsQueries

if TYPE_CHECKING:
    from bot.adapters.base import PlatformAdapter
    from bot.scheduler import Scheduler
    from bot.services import Services


class RunningBot(Protocol):
    """What the endpoint reads of bot.app's Bot (which imports this module)."""

    services: Services
    scheduler: Scheduler
    adapters: list[PlatformAdapter]
    connected: set[str]
    metrics: BotMetrics | None

log = logging.getLogger("bot.ops")


@dataclass
class OpsServer:
    settings: OpsSection
    bot: RunningBot
    metrics: BotMetrics
    queries: OpsQueries
    port: int = 0  # where it listens, once started
    _runner: web.AppRunner | None = field(default=None, init=False)

    @classmethod
    def for_bot(cls, settings: OpsSection, bot: RunningBot) -> OpsServer:
        """Metrics on a registry of this bot's own, hooked into it before its platforms
        are attached (so their sends are counted)."""
        metrics = BotMetrics(CollectorRegistry())
        metrics.install(bot.services, bot.scheduler)
        bot.metrics = metrics
        return cls(settings, bot, metrics, OpsQueries(bot.services.db))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health/live", self._live)
        app.router.add_get("/health/ready", self._ready)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        except OSError as exc:  # the port taken, the host not ours: one line, exit 2
            await self.stop()
            raise ConfigError([f"ops.port: cannot listen on {self.settings.host}:"
                               f"{self.settings.port}: {exc.strerror or exc}"]) from None
        self.port = self._runner.addresses[0][1]
        log.info("ops: health and metrics on port %d", self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def readiness(self) -> dict[str, Any]:
        database = await self.queries.database_answers()
        platforms = {a.platform: a.platform in self.bot.connected for a in self.bot.adapters}
        ready = database and all(platforms.values())
        self.metrics.ready.set(1 if ready else 0)
        for platform, connected in platforms.items():
            self.metrics.connected.labels(platform).set(1 if connected else 0)
        return {"ready": ready, "database": database, "platforms": platforms}

    async def _live(self, request: web.Request) -> web.Response:
        return web.json_response({"live": True})

    async def _ready(self, request: web.Request) -> web.Response:
        state = await self.readiness()
        return web.json_response(state, status=200 if state["ready"] else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            await self.readiness()
            await self.metrics.refresh(self.bot.services, self.queries,
                                       [a.platform for a in self.bot.adapters])
        except Exception as exc:  # a locked or broken database: still serve the counters
            log.warning("ops: cannot read the database for metrics: %s", type(exc).__name__)
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
