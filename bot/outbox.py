"""Durable delivery: enqueue writes to SQLite, one worker per platform drains it.

A message is a row before it is a request, so a crash or a restart delays it and never
loses it; dedupe keys make re-enqueueing the same logical message a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.adapters.base import PermanentFailure, PlatformAdapter, RetryLater
from bot.clock import Clock
from bot.model import OutboundMessage
from storage.outbox import OutboxItem, OutboxRepository

log = logging.getLogger("bot.outbox")

# Lower is sooner: a reply to a command overtakes a broadcast.
INTERACTIVE = 0
SCHEDULED = 5
BULK = 10

SentHook = Callable[[OutboxItem, OutboundMessage, str], Awaitable[None]]
FailedHook = Callable[[OutboxItem, OutboundMessage, PermanentFailure], Awaitable[None]]


@dataclass
class RetryPolicy:
    max_attempts: int = 10
    base_delay: float = 1.0
    max_delay: float = 300.0

    def delay(self, attempts: int) -> float:
        return min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))


@dataclass
class Outbox:
    repo: OutboxRepository
    clock: Clock
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    on_sent: list[SentHook] = field(default_factory=list)
    on_failed: list[FailedHook] = field(default_factory=list)
    _adapters: dict[str, PlatformAdapter] = field(default_factory=dict, init=False)
    _wake: dict[str, asyncio.Event] = field(default_factory=dict, init=False)
    _workers: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)

    async def enqueue(
        self,
        msg: OutboundMessage,
        *,
        priority: int = INTERACTIVE,
        dedupe_key: str | None = None,
        not_before: float = 0.0,
    ) -> int | None:
        item_id = await self.repo.add(
            msg.chat.platform,
            msg.chat.chat_id,
            msg.to_json(),
            priority,
            dedupe_key or msg.dedupe_key,
            self.clock.timestamp(),
            not_before,
        )
        wake = self._wake.get(msg.chat.platform)
        if wake is not None:
            wake.set()
        return item_id

    def attach(self, adapter: PlatformAdapter) -> None:
        """Start draining one platform's messages through its adapter."""
        platform = adapter.platform
        self._adapters[platform] = adapter
        self._wake[platform] = asyncio.Event()
        self._workers[platform] = asyncio.create_task(
            self._drain(platform), name=f"outbox-{platform}"
        )

    async def detach(self, platform: str) -> None:
        task = self._workers.pop(platform, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._adapters.pop(platform, None)
        self._wake.pop(platform, None)

    async def stop(self) -> None:
        for platform in list(self._workers):
            await self.detach(platform)

    async def wait_idle(self, platform: str | None = None, limit: float = 60.0) -> bool:
        """Wait until every message due now has been sent or has failed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while await self.repo.unfinished(platform, due_by=self.clock.timestamp()):
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def _drain(self, platform: str) -> None:
        wake = self._wake[platform]
        while True:
            wake.clear()
            try:
                item = await self.repo.claim_next(platform, self.clock.timestamp())
            except Exception:
                log.exception("outbox %s: cannot read the queue; retrying", platform)
                await asyncio.sleep(1.0)
                continue
            if item is None:
                due = await self.repo.next_due_at(platform)
                timeout = None if due is None else max(0.0, due - self.clock.timestamp())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout)
                continue
            await self._deliver(platform, item)

    async def _deliver(self, platform: str, item: OutboxItem) -> None:
        msg = OutboundMessage.from_json(item.payload)
        adapter = self._adapters[platform]
        try:
            native_id = await adapter.send(msg)
        except asyncio.CancelledError:
            # Stopping: the request may or may not have gone out; send it again next time.
            await asyncio.shield(self.repo.mark_retry(item.id, 0.0, "interrupted by shutdown"))
            raise
        except RetryLater as exc:
            await self._retry(item, str(exc), exc.retry_after)
        except PermanentFailure as exc:
            log.warning("outbox %s: message %d failed for good: %s", platform, item.id, exc)
            await self.repo.mark_failed(item.id, str(exc))
            for hook in self.on_failed:
                await hook(item, msg, exc)
        except Exception as exc:
            log.exception("outbox %s: unexpected error sending message %d", platform, item.id)
            await self._retry(item, f"{type(exc).__name__}: {exc}", None)
        else:
            await self.repo.mark_sent(item.id, native_id, self.clock.timestamp())
            for hook in self.on_sent:
                try:
                    await hook(item, msg, native_id)
                except Exception:
                    log.exception("outbox %s: after-send hook failed", platform)

    async def _retry(self, item: OutboxItem, reason: str, retry_after: float | None) -> None:
        if item.attempts >= self.retry.max_attempts:
            log.warning("outbox %s: message %d gave up after %d attempts: %s",
                        item.platform, item.id, item.attempts, reason)
            await self.repo.mark_failed(item.id, f"gave up after {item.attempts} attempts: "
                                                 f"{reason}")
            return
        delay = retry_after if retry_after is not None else self.retry.delay(item.attempts)
        log.info("outbox %s: message %d retried in %.1fs (%s)",
                 item.platform, item.id, delay, reason)
        await self.repo.mark_retry(item.id, self.clock.timestamp() + delay, reason)
