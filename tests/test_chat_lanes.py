"""Never stuck behind one slow thing: events of different chats are handled concurrently,
events of one chat in order, with bounded concurrency and back-pressure; with the
translation engine hanging, other people are answered while a relayed message waits for
its deadline in its own chat only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat_lanes import ChatLanes
from bot.model import ChatKind, ChatRef, Event, EventKind, UserRef
from tests.test_relay_platforms import FRENCH, relay_world


def event(chat: str, text: str) -> Event:
    return Event(EventKind.MESSAGE, "console", ChatRef("console", chat, ChatKind.GROUP),
                 UserRef("console", "u", "U"), datetime.now(UTC), text=text)


class Recorder:
    """A handler that records what it handled and can be held on a given text."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.running = 0
        self.most_running = 0

    async def __call__(self, ev: Event) -> None:
        self.started.append(ev.text)
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            if ev.text in self.gates:
                await self.gates[ev.text].wait()
            await asyncio.sleep(0)
        finally:
            self.running -= 1
            self.finished.append(ev.text)


async def test_a_held_chat_does_not_hold_the_others_and_keeps_its_order() -> None:
    handled = Recorder()
    handled.gates["a1"] = asyncio.Event()
    lanes = ChatLanes(handled)
    for text in ("a1", "a2", "a3"):
        await lanes.submit(event("A", text))
    await lanes.submit(event("B", "b1"))
    await lanes.submit(event("C", "c1"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert handled.finished == ["b1", "c1"]  # a1 is held; B and C went past it
    assert "a2" not in handled.started  # A's next waits for its first
    handled.gates["a1"].set()
    await asyncio.wait_for(lanes.wait_idle(), 5)
    assert [t for t in handled.finished if t.startswith("a")] == ["a1", "a2", "a3"]
    assert lanes.busy_chats == 0


async def test_at_most_max_concurrent_handlers_run() -> None:
    handled = Recorder()
    gate = asyncio.Event()
    for n in range(10):
        handled.gates[f"c{n}"] = gate
    lanes = ChatLanes(handled, max_concurrent=3)
    for n in range(10):
        await lanes.submit(event(f"chat{n}", f"c{n}"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert handled.running == 3
    gate.set()
    await asyncio.wait_for(lanes.wait_idle(), 5)
    assert handled.most_running == 3 and len(handled.finished) == 10


async def test_a_full_chat_makes_its_platform_wait_and_loses_nothing() -> None:
    handled = Recorder()
    handled.gates["x0"] = asyncio.Event()
    lanes = ChatLanes(handled, max_waiting_per_chat=3)
    for n in range(3):  # x0 (being handled) counts as waiting until it is done
        await lanes.submit(event("X", f"x{n}"))
    blocked = asyncio.create_task(lanes.submit(event("X", "x3")))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not blocked.done()  # back-pressure: the platform waits before handing over more
    handled.gates["x0"].set()
    await asyncio.wait_for(blocked, 5)
    await asyncio.wait_for(lanes.wait_idle(), 5)
    assert handled.finished == ["x0", "x1", "x2", "x3"]


async def test_closing_lets_events_under_way_finish() -> None:
    handled = Recorder()
    handled.gates["slow"] = asyncio.Event()
    lanes = ChatLanes(handled)
    await lanes.submit(event("A", "slow"))
    await lanes.submit(event("A", "next"))
    asyncio.get_running_loop().call_later(0.05, handled.gates["slow"].set)
    await lanes.close(limit=5)
    assert handled.finished == ["slow", "next"]
    await lanes.submit(event("A", "late"))  # after close: refused, not run half-way
    assert "late" not in handled.started


async def test_a_hanging_translator_holds_only_its_own_chat(tmp_path: Path) -> None:
    """The engine never answers: the relayed messages wait for their deadline (2 s), in
    order, while /help in private chats is answered on Telegram and Discord meanwhile."""
    async with relay_world(tmp_path) as w:
        w.lt.mode = "hang"
        w.bot.services.relay.translator.deadline_seconds = 2.0  # type: ignore[attr-defined]
        marie = w.tg.add_user("Marie", language_code="fr")
        w.tg.push_text(marie, FRENCH, chat=w.group)
        w.tg.push_text(marie, "Deuxième message, toujours en français.", chat=w.group)
        await w.tg.wait_for(lambda: len(w.lt.requests) >= 1, 5)  # the first is translating
        ana = w.tg.add_user("Ana", language_code="es")
        w.tg.push_text(ana, "/help")
        await w.tg.wait_for(lambda: w.tg.bot_messages(ana["id"]), 5)
        bea = w.dc.add_user("bea", display_name="Bea")
        await w.dc.user_says(bea, "!help")
        await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.dm_channel(bea).id), what="Bea's help")
        # Both answered while the relayed messages still wait for the engine.
        assert w.dc.sent_to(w.dc.general) == []
        copies = await w.dc.wait_for(
            lambda: (c := w.dc.sent_to(w.dc.general)) and len(c) >= 2 and c,
            timeout=15, what="both copies")
        assert [c.content.split("\n")[0] for c in copies] == [
            FRENCH, "Deuxième message, toujours en français."]
        assert all(c.content.endswith("(translation unavailable)") for c in copies)
        # The second one's deadline counted from its arrival: it had passed when its turn
        # came, so it went out at once instead of waiting for the engine a second time.
        assert len(w.lt.requests) == 1


async def test_submit_and_wait_returns_once_handled_and_refuses_after_close() -> None:
    """What a Telegram webhook relies on: its answer waits for the event to be handled;
    a bot that stops first says so (NotHandled), so the platform sends it again."""
    from bot.chat_lanes import NotHandled

    recorder = Recorder()
    recorder.gates["held"] = asyncio.Event()
    lanes = ChatLanes(recorder)
    waiting = asyncio.create_task(lanes.submit_and_wait(event("A", "held")))
    await asyncio.sleep(0.05)
    assert not waiting.done() and recorder.started == ["held"]
    recorder.gates["held"].set()
    await asyncio.wait_for(waiting, 5)
    assert recorder.finished == ["held"]

    recorder.gates["stuck"] = asyncio.Event()
    stuck = asyncio.create_task(lanes.submit_and_wait(event("B", "stuck")))
    await asyncio.sleep(0.05)
    await lanes.close(limit=0.05)
    with pytest.raises(NotHandled):  # cut off by the stop: not reported handled
        await asyncio.wait_for(stuck, 5)
    with pytest.raises(NotHandled):  # after the stop: not accepted
        await lanes.submit_and_wait(event("C", "late"))
