"""When senders act: retries (and reconnects) back off, idle outbox senders are woken one
at a time."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field

# Recording "sent" outlasts any lock (a minute, then every minute): giving up would send
# the message again after a restart.
LOCKED_BOOKKEEPING_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0) + (60.0,) * 60

@dataclass
class RetryPolicy:
    max_attempts: int = 10
    base_delay: float = 1.0
    max_delay: float = 300.0

    def delay(self, attempts: int) -> float:
        return min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))


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
