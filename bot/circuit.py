"""A circuit breaker for calls to the outside (translation engines, file downloads).

After `failures_to_open` failures in a row the call is skipped for `cooldown` seconds, so
a dead or hanging service costs each message nothing instead of a full deadline. Then one
call is let through as a probe: success closes the circuit, failure opens it again for
twice as long (up to `max_cooldown`). Each change of state is logged once, never each
skipped call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from bot.delivery_timing import RetryPolicy

log = logging.getLogger("bot.circuit")


class CircuitState(Enum):
    CLOSED = "closed"  # calls go through
    OPEN = "open"  # calls are skipped until the cooldown ends
    PROBING = "probing"  # one call is trying; the others are still skipped


@dataclass
class CircuitBreaker:
    name: str  # what is called, for the log: "translation engine libretranslate"
    failures_to_open: int = 3
    cooldown: float = 30.0
    max_cooldown: float = 600.0
    clock: Callable[[], float] = time.monotonic
    state: CircuitState = field(default=CircuitState.CLOSED, init=False)
    _failures: int = field(default=0, init=False)
    _open_until: float = field(default=0.0, init=False)
    _current_cooldown: float = field(default=0.0, init=False)
    _openings: int = field(default=0, init=False)  # in a row, without a success between
    _probe_until: float = field(default=0.0, init=False)

    def allow(self) -> bool:
        """Whether to make the call now; a True in the open state makes it the probe,
        whose outcome must be reported with `succeeded` or `failed`."""
        if self.state is CircuitState.CLOSED:
            return True
        now = self.clock()
        if self.state is CircuitState.OPEN and now >= self._open_until:
            log.info("%s: trying again after %g s", self.name, self._current_cooldown)
        elif not (self.state is CircuitState.PROBING and now >= self._probe_until):
            return False  # open, or a probe under way (one whose outcome never came expires)
        self.state = CircuitState.PROBING
        self._probe_until = now + self._current_cooldown
        return True

    def succeeded(self) -> None:
        if self.state is not CircuitState.CLOSED:
            log.warning("%s: working again", self.name)
        self.state = CircuitState.CLOSED
        self._failures = 0
        self._current_cooldown = 0.0
        self._openings = 0

    def failed(self) -> None:
        self._failures += 1
        if self.state is CircuitState.PROBING or (
                self.state is CircuitState.CLOSED and self._failures >= self.failures_to_open):
            self._open()

    def _open(self) -> None:
        # Each opening in a row waits twice as long as the last: the bot's one backoff.
        self._openings += 1
        cooldown = RetryPolicy(base_delay=self.cooldown,
                               max_delay=self.max_cooldown).delay(self._openings)
        self.state = CircuitState.OPEN
        self._current_cooldown = cooldown
        self._open_until = self.clock() + cooldown
        log.warning("%s: %d failures in a row, skipped for %g s", self.name,
                    self._failures, cooldown)
