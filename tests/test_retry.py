"""The bot's one retry helper: the policy's pauses, its attempts, what the other side
asked for, and the failures it does not retry."""

from __future__ import annotations

import pytest

from bot.adapters.base import RetryLater
from bot.delivery_timing import RetryPolicy, retrying

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.004)


class Flaky:
    """Fails with each of `errors` in turn, then answers "ok"."""

    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_the_pauses_double_up_to_the_policys_maximum_then_it_gives_up() -> None:
    pauses: list[float] = []

    async def note(exc: Exception, pause: float) -> None:
        pauses.append(pause)

    call = Flaky(*(OSError(str(n)) for n in range(5)))
    with pytest.raises(OSError, match="3"):
        await retrying(call, FAST, retry_if=lambda exc: True, before_retry=note)
    assert call.calls == 4 and pauses == [0.001, 0.002, 0.004]
    # For ever (a platform reconnecting): past the attempts, until it works.
    call, pauses[:] = Flaky(*(OSError(str(n)) for n in range(5))), []
    assert await retrying(call, FAST, retry_if=lambda exc: True, before_retry=note,
                          for_ever=True) == "ok"
    assert call.calls == 6 and pauses == [0.001, 0.002, 0.004, 0.004, 0.004]


async def test_a_wait_the_platform_asks_for_is_kept_within_the_maximum() -> None:
    pauses: list[float] = []

    async def note(exc: Exception, pause: float) -> None:
        pauses.append(pause)

    call = Flaky(RetryLater("429", retry_after=0.003), RetryLater("429", retry_after=60.0))
    assert await retrying(call, FAST, retry_if=lambda exc: True, before_retry=note) == "ok"
    assert pauses == [0.003, 0.004]


async def test_a_failure_it_is_not_told_to_retry_propagates_at_once() -> None:
    async def note(exc: Exception, pause: float) -> None:
        raise AssertionError("no retry expected")

    call = Flaky(ValueError("bug"))
    with pytest.raises(ValueError):
        await retrying(call, FAST, retry_if=lambda exc: isinstance(exc, RetryLater),
                       before_retry=note)
    assert call.calls == 1
