"""When senders act: retries (and reconnects) back off, idle outbox senders are woken one
at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from storage.busy import database_locked

log = logging.getLogger("bot.storage")
T = TypeVar("T")


@dataclass
class RetryPolicy:
    """The bot's one backoff: the wait after the n-th failed attempt doubles from
    `base_delay` up to `max_delay`; after `max_attempts` the caller gives up. Every retry
    and reconnect, and the circuit breaker's cooldowns, take their waits from one."""

    max_attempts: int = 10
    base_delay: float = 1.0
    max_delay: float = 300.0

    def delay(self, attempts: int, asked: float | None = None) -> float:
        """The wait after `attempts` failed attempts; what the other side `asked` for
        (a 429's retry_after), when it asked, within `max_delay`."""
        if asked:
            return min(self.max_delay, asked)
        return min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


# A locked database (a backup, an `sqlite3` shell) is waited out: each attempt already
# waited SQLite's busy timeout (5 s), these pauses add about a minute before the caller
# hears of it. Recording "sent" outlasts any lock (then every minute for an hour): giving
# up would send the message again after a restart.
LOCKED = RetryPolicy(max_attempts=7, base_delay=1.0, max_delay=30.0)
LOCKED_BOOKKEEPING = RetryPolicy(max_attempts=67, base_delay=1.0, max_delay=60.0)


async def retrying(call: Callable[[], Awaitable[T]], policy: RetryPolicy, *,
                   retry_if: Callable[[Exception], bool],
                   before_retry: Callable[[Exception, float], Awaitable[None]],
                   for_ever: bool = False) -> T:
    """`call()`, again after the policy's pause each time it fails in a way `retry_if`
    accepts (`before_retry(error, pause)` says so first), up to the policy's attempts, or
    `for_ever`; any other failure, or the last one, propagates."""
    attempts = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            attempts += 1
            if not retry_if(exc) or (not for_ever and policy.gives_up(attempts)):
                raise
            pause = policy.delay(attempts, getattr(exc, "retry_after", None))
            await before_retry(exc, pause)
            await asyncio.sleep(pause)


async def when_unlocked(call: Callable[[], Awaitable[T]], what: str,
                        policy: RetryPolicy = LOCKED) -> T:
    """`call()`, again after a pause each time the database is locked by another process;
    the last failure propagates."""

    async def say(exc: Exception, pause: float) -> None:
        log.warning("database locked by another process (%s); trying again in %.0fs",
                    what, pause)

    return await retrying(call, policy, retry_if=database_locked, before_retry=say)


@dataclass
class IdleSenders:
    """Idle senders, woken one at a time (a wake-up for all of them was a stampede of
    claims, measured in bench/relay.py). `signal` counts wake-ups, so a sender that looked
    at the queue before one does not go to sleep after it. An idle sender whose next moment
    (a delayed message, a paced chat) comes before every timer already set keeps time;
    the others wait without a timer."""

    signal: int = 0
    _timers: list[float] = field(default_factory=list)  # when the timekeepers wake
    _futures: deque[asyncio.Future[None]] = field(default_factory=deque)

    def notify_one(self) -> None:
        self.signal += 1
        while self._futures:
            future = self._futures.popleft()
            if not future.done():
                future.set_result(None)
                return

    async def wait(self, seen: int, delay: float | None) -> bool:
        """Returns whether this sender kept time while it waited."""
        if self.signal != seen:
            return False
        loop = asyncio.get_running_loop()
        at = None if delay is None else loop.time() + delay
        keeps_time = at is not None and all(at < t for t in self._timers)
        if keeps_time:
            self._timers.append(at)  # type: ignore[arg-type]
        future: asyncio.Future[None] = loop.create_future()
        self._futures.append(future)
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
            # comes with a wake-up, and stop() would then wait for this sender forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(at if keeps_time else None):
                    await future
        finally:
            if keeps_time:
                self._timers.remove(at)  # type: ignore[arg-type]
            if not future.done():
                future.cancel()
        return keeps_time
