"""Prometheus metrics, on a `CollectorRegistry` the composition root builds (no global
registry: two bots in one process, as in the tests, never share counters).

Collected through the kernel's own hooks: the outbox's `on_sent` / `on_failed` (sends,
failures, relay latency), the scheduler's handlers (lag of each firing) and the relay's
translator (failed targets). Retries and 429s are seen where they happen, on the way
out to the platform: the outbox's senders call the adapter through `MeteredAdapter`.
Gauges that describe the database (outbox depth and age, the scheduler's earliest
overdue schedule) are read at each scrape (`refresh`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.adapters.base import PermanentFailure, PlatformAdapter, RetryLater
from bot.clock import Clock
from bot.model import ChatRef, OutboundMessage
from bot.ports import Translating, TranslationOutcome
from bot.scheduler import Firing, Scheduler, TimedHandler
from storage.ops import OpsQueries
from storage.outbox import OutboxItem

if TYPE_CHECKING:
    from bot.services import Services
    from storage.schedules import Schedule

_LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)
_LAG_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)


class BotMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self._clock = Clock()
        by_platform = ["platform"]
        self.outbox_depth = Gauge(
            "bot_outbox_depth", "Messages waiting to be sent (queued, in flight or waiting "
            "for a retry)", by_platform, registry=registry)
        self.outbox_age = Gauge(
            "bot_outbox_oldest_age_seconds", "Age of the oldest message not yet sent (0 when "
            "none waits)", by_platform, registry=registry)
        self.sent = Counter("bot_messages_sent", "Messages the platform accepted",
                            by_platform, registry=registry)
        self.failed = Counter("bot_messages_failed", "Messages given up for good",
                              by_platform, registry=registry)
        self.retries = Counter("bot_send_retries", "Sends to try again later (429s, 5xx, "
                               "network)", by_platform, registry=registry)
        self.rate_limited = Counter("bot_rate_limited", "Sends the platform refused with "
                                    "429 (too many requests)", by_platform, registry=registry)
        self.relay_latency = Histogram(
            "bot_relay_latency_seconds", "From a relayed copy being queued (translated) to "
            "the platform accepting it", by_platform, buckets=_LATENCY_BUCKETS,
            registry=registry)
        self.scheduler_lag = Histogram(
            "bot_scheduler_lag_seconds", "How late each schedule fired after its time",
            buckets=_LAG_BUCKETS, registry=registry)
        self.scheduler_overdue = Gauge(
            "bot_scheduler_overdue_seconds", "How long the earliest schedule has been due "
            "without firing (0 when none is)", registry=registry)
        self.translation_failures = Counter(
            "bot_translation_failures", "Relayed copies sent untranslated (engine error, "
            "deadline, engine skipped)", ["target"], registry=registry)
        self.ready = Gauge("bot_ready", "1 when the database and every platform are "
                           "connected", registry=registry)
        self.connected = Gauge("bot_platform_connected", "1 when the platform is "
                               "connected", by_platform, registry=registry)

    # --- wiring -----------------------------------------------------------------------
    def install(self, services: Services, scheduler: Scheduler) -> None:
        """Hook into the kernel of a built bot (before its platforms are attached)."""
        self._clock = services.clock
        services.outbox.on_sent.append(self._on_sent)
        services.outbox.on_failed.append(self._on_failed)
        handlers = scheduler.handlers
        for kind, handler in list(handlers.items()):
            handlers[kind] = self._timed(handler, services)
        services.relay.translator = MeteredTranslation(services.relay.translator, self)

    def metered(self, adapter: PlatformAdapter) -> PlatformAdapter:
        return MeteredAdapter(adapter, self)  # type: ignore[return-value]

    async def _on_sent(self, item: OutboxItem, msg: OutboundMessage, native_id: str) -> None:
        self.sent.labels(item.platform).inc()
        if msg.relay_ids:  # a relayed copy (its ids tie it to the original)
            self.relay_latency.labels(item.platform).observe(
                max(0.0, self._clock.timestamp() - item.created_at))

    async def _on_failed(self, item: OutboxItem, msg: OutboundMessage,
                         failure: PermanentFailure) -> None:
        self.failed.labels(item.platform).inc()

    def _timed(self, handler: TimedHandler, services: Services) -> TimedHandler:
        async def timed(svc: Services, schedule: Schedule, firing: Firing) -> None:
            lag = (services.clock.now() - firing.occurrence).total_seconds()
            self.scheduler_lag.observe(max(0.0, lag))
            await handler(svc, schedule, firing)
        return timed

    # --- read at each scrape ------------------------------------------------------------
    async def refresh(self, services: Services, queries: OpsQueries,
                      platforms: Iterable[str]) -> None:
        now = services.clock.timestamp()
        for platform in platforms:
            backlog = await queries.backlog(platform)
            self.outbox_depth.labels(platform).set(backlog.depth)
            age = 0.0 if backlog.oldest_created_at is None else now - backlog.oldest_created_at
            self.outbox_age.labels(platform).set(max(0.0, age))
        earliest = await services.schedules.earliest()
        self.scheduler_overdue.set(0.0 if earliest is None else max(0.0, now - earliest))


class MeteredAdapter:
    """The outbox's view of a platform: the adapter itself, with every transient failure
    counted on its way back (a 429 is a RetryLater that says when to retry)."""

    def __init__(self, adapter: PlatformAdapter, metrics: BotMetrics):
        self._adapter = adapter
        self._metrics = metrics

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)

    def _retry(self, exc: RetryLater) -> None:
        platform = self._adapter.platform
        self._metrics.retries.labels(platform).inc()
        if exc.retry_after is not None:
            self._metrics.rate_limited.labels(platform).inc()

    async def send(self, msg: OutboundMessage) -> str:
        try:
            return await self._adapter.send(msg)
        except RetryLater as exc:
            self._retry(exc)
            raise

    async def edit(self, chat: ChatRef, native_id: str, msg: OutboundMessage) -> None:
        try:
            await self._adapter.edit(chat, native_id, msg)
        except RetryLater as exc:
            self._retry(exc)
            raise

    async def delete(self, chat: ChatRef, native_id: str) -> None:
        try:
            await self._adapter.delete(chat, native_id)
        except RetryLater as exc:
            self._retry(exc)
            raise

    async def stop_poll(self, chat: ChatRef, native_id: str) -> None:
        try:
            await self._adapter.stop_poll(chat, native_id)
        except RetryLater as exc:
            self._retry(exc)
            raise


class MeteredTranslation:
    """The relay's translator, counting the targets sent untranslated."""

    def __init__(self, inner: Translating, metrics: BotMetrics):
        self._inner = inner
        self._metrics = metrics

    async def translate_for(self, text: str, targets: set[str], source_hint: str | None = None,
                            received_at: float | None = None) -> TranslationOutcome:
        result = await self._inner.translate_for(text, targets, source_hint, received_at)
        for target in result.failed:
            self._metrics.translation_failures.labels(target).inc()
        return result

    async def close(self) -> None:
        await self._inner.close()
