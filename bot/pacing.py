"""Proactive pacing: send no faster than a platform allows, so a healthy run sees no 429.

Each limit is a "next allowed time" (GCRA, a token bucket of depth one): sends are spread
evenly instead of burst-then-wait, which keeps any sliding window the platform uses
under its ceiling. Per chat, a slot is booked when a message is taken from the queue.
Overall, the limit is applied again at the moment each request really starts (`Gate`): a
sender that wakes late must not then start right on top of the next one, or two requests
land together and a one-second window counts one too many (seen in bench/delivery.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Messages per second, overall and per chat; per group as messages per minute."""

    overall_per_second: float
    per_chat_per_second: float | None = None
    per_group_per_minute: float | None = None


class Gate:
    """When requests really start: at most `rate × window` starts in any sliding window
    (so a sender that woke late can catch up without the window ever overflowing), and
    never two starts closer than half an interval (so arrival jitter cannot pile them up
    at the server)."""

    def __init__(self, rate: float):
        self.window = 1.0 if rate >= 1 else 1.0 / rate
        self.capacity = max(1, int(rate * self.window))
        self.min_gap = 0.5 / rate
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def pass_through(self) -> float:
        """Wait for this request's turn; returns the moment it was let through."""
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._starts and self._starts[0] <= now - self.window:
                    self._starts.popleft()
                wait = 0.0
                if len(self._starts) >= self.capacity:
                    wait = self._starts[0] + self.window - now
                if self._starts:
                    wait = max(wait, self._starts[-1] + self.min_gap - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            started = time.monotonic()
            self._starts.append(started)
            return started


@dataclass
class Pacer:
    limits: Limits
    _next_chat: dict[str, float] = field(default_factory=dict)

    def chat_interval(self, is_group: bool) -> float:
        """Seconds between two messages to one chat of this kind."""
        intervals = [0.0]
        if self.limits.per_chat_per_second:
            intervals.append(1.0 / self.limits.per_chat_per_second)
        if is_group and self.limits.per_group_per_minute:
            intervals.append(60.0 / self.limits.per_group_per_minute)
        return max(intervals)

    def reserve(self, chat_id: str, is_group: bool, now: float) -> float:
        """Book the earliest slot for one message to `chat_id` (its per-chat and per-group
        limits; the overall limit is the Gate's); return the time to send it. Synchronous on
        purpose: no other sender can book between the check and the update."""
        at = max(now, self._next_chat.get(chat_id, 0.0))
        self._next_chat[chat_id] = at + self.chat_interval(is_group)
        return at

    def gate(self) -> Gate:
        return Gate(self.limits.overall_per_second)

    def started(self, chat_id: str, is_group: bool, at: float) -> None:
        """A request to `chat_id` really started at `at` (the Gate may have held it after
        its booked slot): the chat's next slot counts from then."""
        nxt = at + self.chat_interval(is_group)
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), nxt)

    def chat_ready_at(self, chat_id: str) -> float:
        return self._next_chat.get(chat_id, 0.0)

    def hold_chat(self, chat_id: str, until: float) -> None:
        """The platform asked us to wait (429 retry_after) for this chat."""
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), until)

    def busy_chats(self, now: float) -> set[str]:
        """Chats that may not receive a message yet; forgets those that may."""
        for chat_id in [c for c, t in self._next_chat.items() if t <= now]:
            del self._next_chat[chat_id]
        return set(self._next_chat)
