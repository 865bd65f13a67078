"""Flood guard: people who write (or send commands) faster than a limit are slowed, never
dropped, and told once."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

# Past this many authors remembered, those quiet for a whole window are forgotten.
FORGET_AFTER_AUTHORS = 10_000


@dataclass
class FloodGuard:
    """At most `limit` messages (relayed messages, commands) per author per `window`
    seconds go at once; beyond that they are delayed (never dropped) and the author is told
    once per window."""

    limit: int = 12
    window: float = 60.0
    _recent: dict[int, deque[float]] = field(default_factory=dict)
    _warned_until: dict[int, float] = field(default_factory=dict)

    def delay(self, author: int, now: float) -> float:
        """Seconds this author's next message should wait (0: none)."""
        if len(self._recent) > FORGET_AFTER_AUTHORS:  # people who stopped writing long ago
            self._forget_quiet(now)
        times = self._recent.setdefault(author, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        # Spread what exceeds the limit over the next windows.
        delay = 0.0 if len(times) < self.limit else (len(times) - self.limit + 1) * (
            self.window / self.limit)
        times.append(now + delay)
        return delay

    def should_warn(self, author: int, now: float) -> bool:
        if self._warned_until.get(author, 0.0) > now:
            return False
        self._warned_until[author] = now + self.window
        return True

    def _forget_quiet(self, now: float) -> None:
        for author in [a for a, t in self._recent.items() if not t or t[-1] <= now - self.window]:
            del self._recent[author]
            self._warned_until.pop(author, None)
