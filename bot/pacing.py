"""Proactive pacing: send no faster than a platform allows, so a healthy run sees no 429.

Each limit is a "next allowed time" (GCRA, a token bucket of depth one): sends are spread
evenly instead of burst-then-wait, which keeps any sliding window the platform uses
under its ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Messages per second, overall and per chat; per group as messages per minute."""

    overall_per_second: float
    per_chat_per_second: float | None = None
    per_group_per_minute: float | None = None


@dataclass
class Pacer:
    limits: Limits
    _next_overall: float = 0.0
    _next_chat: dict[str, float] = field(default_factory=dict)

    def _chat_interval(self, is_group: bool) -> float:
        intervals = [0.0]
        if self.limits.per_chat_per_second:
            intervals.append(1.0 / self.limits.per_chat_per_second)
        if is_group and self.limits.per_group_per_minute:
            intervals.append(60.0 / self.limits.per_group_per_minute)
        return max(intervals)

    def reserve(self, chat_id: str, is_group: bool, now: float) -> float:
        """Book the earliest slot for one message to `chat_id`; return the time to send it.
        Synchronous on purpose: no other sender can book between the check and the update."""
        at = max(now, self._next_overall, self._next_chat.get(chat_id, 0.0))
        self._next_overall = at + 1.0 / self.limits.overall_per_second
        self._next_chat[chat_id] = at + self._chat_interval(is_group)
        return at

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
