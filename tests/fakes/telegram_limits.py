"""Telegram's flood limits, enforced by the fake server as the real one does: a send over
the limit is refused with 429 and `retry_after`, and counted.

Limits are sliding windows over accepted sends: overall per second, per chat per second,
and per group per minute (PLATFORMS.md: ~30/s, ~1/s per chat, 20/min per group).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

SENDING_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument", "sendpoll"})


@dataclass
class FloodLimits:
    overall_per_second: int = 30
    per_chat_per_second: int = 1
    per_group_per_minute: int = 20
    refused: int = 0  # 429s this server answered
    accepted: int = 0
    refused_by: dict[str, int] = field(default_factory=dict)  # which limit said no
    _overall: deque[float] = field(default_factory=deque)
    _chats: dict[str, deque[float]] = field(default_factory=dict)

    def check(self, method: str, chat_id: str, is_group: bool,
              now: float | None = None) -> float | None:
        """None when the send is allowed (and counted); else the seconds to wait."""
        if method not in SENDING_METHODS:
            return None
        now = time.monotonic() if now is None else now
        chat = self._chats.setdefault(chat_id, deque())
        waits = {"overall": _wait(self._overall, self.overall_per_second, 1.0, now),
                 "chat": _wait(chat, self.per_chat_per_second, 1.0, now)}
        if is_group:
            waits["group"] = _wait(chat, self.per_group_per_minute, 60.0, now)
        limit, wait = max(waits.items(), key=lambda kv: kv[1])
        if wait > 0:
            self.refused += 1
            self.refused_by[limit] = self.refused_by.get(limit, 0) + 1
            return wait
        self.accepted += 1
        self._overall.append(now)
        chat.append(now)
        return None


def _wait(sends: deque[float], limit: int, window: float, now: float) -> float:
    """How long until one more send fits in `window` (0: it fits now)."""
    while sends and sends[0] <= now - 60.0:  # nothing older than the longest window matters
        sends.popleft()
    in_window = [t for t in sends if t > now - window]
    if len(in_window) < limit:
        return 0.0
    return in_window[-limit] + window - now


def retry_after_seconds(wait: float) -> int:
    """Telegram answers whole seconds, at least 1."""
    return max(1, math.ceil(wait))
