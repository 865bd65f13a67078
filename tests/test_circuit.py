"""Circuit breakers on outside calls: a translation engine or a file server that keeps
failing or hanging is skipped for a while (the relay sends originals with the mark at once),
then tried again; each change of state is logged once, not each message."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.circuit import CircuitBreaker, CircuitState
from tests.test_relay_platforms import ENGLISH, FRENCH, PNG, relay_world


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# (step, expected allow() or state after it). Steps: "ok", "fail", "allow", "+N" seconds.
SCENARIOS: dict[str, list[tuple[str, object]]] = {
    "two failures keep it closed": [
        ("fail", CircuitState.CLOSED), ("fail", CircuitState.CLOSED), ("allow", True)],
    "a success resets the count": [
        ("fail", CircuitState.CLOSED), ("fail", CircuitState.CLOSED), ("ok", CircuitState.CLOSED),
        ("fail", CircuitState.CLOSED), ("fail", CircuitState.CLOSED), ("allow", True)],
    "three in a row open it for the cooldown": [
        ("fail", None), ("fail", None), ("fail", CircuitState.OPEN), ("allow", False),
        ("+29", None), ("allow", False), ("+1", None), ("allow", True),
        ("allow", False),  # one probe at a time
    ],
    "a good probe closes it": [
        ("fail", None), ("fail", None), ("fail", None), ("+30", None), ("allow", True),
        ("ok", CircuitState.CLOSED), ("allow", True), ("allow", True)],
    "a bad probe opens it twice as long": [
        ("fail", None), ("fail", None), ("fail", None), ("+30", None), ("allow", True),
        ("fail", CircuitState.OPEN), ("+59", None), ("allow", False), ("+1", None),
        ("allow", True), ("fail", CircuitState.OPEN), ("+119", None), ("allow", False),
        ("+1", None), ("allow", True)],
    "the cooldown stops growing at its maximum": [
        ("fail", None), ("fail", None), ("fail", None),
        *[step for _ in range(6) for step in (("+600", None), ("allow", True), ("fail", None))],
        ("+599", None), ("allow", False), ("+1", None), ("allow", True)],
    "a probe whose outcome never comes is replaced": [
        ("fail", None), ("fail", None), ("fail", None), ("+30", None), ("allow", True),
        ("+29", None), ("allow", False), ("+1", None), ("allow", True)],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_breaker_states(name: str) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("engine", failures_to_open=3, cooldown=30, max_cooldown=600,
                             clock=clock)
    for i, (step, expected) in enumerate(SCENARIOS[name]):
        if step.startswith("+"):
            clock.now += float(step[1:])
            continue
        if step == "allow":
            assert breaker.allow() is expected, f"step {i}"
            continue
        breaker.succeeded() if step == "ok" else breaker.failed()
        if expected is not None:
            assert breaker.state is expected, f"step {i}"


def test_each_change_of_state_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("engine", clock=clock)
    with caplog.at_level(logging.INFO, logger="bot.circuit"):
        for _ in range(3):
            breaker.failed()
        for _ in range(50):
            assert not breaker.allow()
        clock.now += 30
        assert breaker.allow()
        breaker.succeeded()
        for _ in range(50):
            assert breaker.allow()
            breaker.succeeded()
    assert [r.getMessage() for r in caplog.records] == [
        "engine: 3 failures in a row, skipped for 30 s",
        "engine: trying again after 30 s",
        "engine: working again",
    ]


async def test_a_hanging_engine_is_skipped_then_tried_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with relay_world(tmp_path) as w:
        breaker = w.bot.services.relay.translator.breaker  # type: ignore[attr-defined]
        clock = FakeClock()
        breaker.clock = clock
        w.lt.mode = "hang"
        w.bot.services.relay.translator.deadline_seconds = 0.3  # type: ignore[attr-defined]
        marie = w.tg.add_user("Marie", language_code="fr")
        with caplog.at_level(logging.INFO):
            for n in range(1, 7):
                w.tg.push_text(marie, FRENCH, chat=w.group)
                copies = await w.dc.wait_for(
                    lambda n=n: (c := w.dc.sent_to(w.dc.general)) and len(c) >= n and c,
                    what=f"copy {n}")
                assert copies[-1].content == f"{FRENCH}\n(translation unavailable)"
            # Three messages waited for the engine; the next three were not held for it.
            assert len(w.lt.requests) == 3
            assert breaker.state is CircuitState.OPEN
            clock.now += 30
            w.lt.mode = None
            w.tg.push_text(marie, FRENCH, chat=w.group)
            copies = await w.dc.wait_for(
                lambda: (c := w.dc.sent_to(w.dc.general)) and len(c) >= 7 and c, what="copy 7")
            assert copies[-1].content == ENGLISH
        opened = [r for r in caplog.records if "skipped for" in r.getMessage()]
        failures = [r for r in caplog.records if "->en via libretranslate failed" in
                    r.getMessage()]
        assert len(opened) == 1 and len(failures) == 3  # not one line per relayed message
        assert any(r.getMessage().endswith("working again") for r in caplog.records)
        assert all(FRENCH not in r.getMessage() for r in caplog.records)


async def test_hanging_downloads_are_abandoned_then_skipped(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        w.bot.services.relay.download_deadline = 0.3
        w.tg.hang_downloads = True
        marie = w.tg.add_user("Marie", language_code="fr")
        for n in range(1, 6):
            w.tg.push_file(marie, "photo", f"IMG_{n}.jpg", PNG, w.group)
            copies = await w.dc.wait_for(
                lambda n=n: (c := w.dc.sent_to(w.dc.general)) and len(c) >= n and c,
                what=f"copy {n}")
            # The copy goes out naming the file it could not bring.
            assert copies[-1].content == "📎 photo.jpg" and not copies[-1].attachments
        assert w.tg.downloads == 3  # the fourth and fifth did not wait for the file server
