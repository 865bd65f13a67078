"""Events of different chats are handled concurrently; the events of one chat in order.

Each chat gets a lane: its events wait in arrival order and one worker handles them, so a
participant's answers and a group's relayed messages keep their order, while a slow
handler (a translation waiting for its deadline, a download) holds up only its own chat.
Bounded both ways: at most `max_concurrent` handlers run at once, and a chat with
`max_waiting_per_chat` events already waiting makes its platform wait before handing over
more (back-pressure, never an unbounded pile of tasks or a dropped event).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.model import Event

log = logging.getLogger("bot.lanes")

Handle = Callable[[Event], Awaitable[None]]


class NotHandled(RuntimeError):
    """The bot stopped before handling an event a platform waits for."""


@dataclass
class _Lane:
    waiting: deque[Event] = field(default_factory=deque)
    room: asyncio.Event = field(default_factory=asyncio.Event)  # set: below the bound
    worker: asyncio.Task[None] | None = None


@dataclass
class ChatLanes:
    handle: Handle
    max_concurrent: int = 64
    max_waiting_per_chat: int = 500
    _lanes: dict[tuple[str, str], _Lane] = field(default_factory=dict, init=False)
    _slots: asyncio.Semaphore | None = field(default=None, init=False)
    _idle: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _closed: bool = field(default=False, init=False)
    # Events whose platform waits until they are handled (`submit_and_wait`).
    _handled: dict[int, asyncio.Future[None]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._idle.set()

    async def submit(self, event: Event) -> None:
        """Queue `event` behind the earlier events of its chat; returns once queued."""
        if self._closed:
            log.warning("%s event from %s arrived while stopping: not handled",
                        event.kind, event.platform)
            return
        if event.received_at is None:
            event.received_at = time.monotonic()
        key = (event.platform, event.chat.chat_id)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        while len(lane.waiting) >= self.max_waiting_per_chat:
            lane.room.clear()
            await lane.room.wait()
        lane.waiting.append(event)
        self._idle.clear()
        if lane.worker is None:
            lane.worker = asyncio.create_task(self._work(key, lane),
                                              name=f"lane-{event.platform}")

    async def submit_and_wait(self, event: Event) -> None:
        """Queue `event` and return once it has been handled. A Telegram webhook answers
        only then, and Telegram posts a chat's next update only after that answer: so one
        chat's updates are handled in order even when they reach different workers.
        Raises NotHandled if the bot stops first (the platform sends it again)."""
        if self._closed:  # (as `submit` would drop it)
            raise NotHandled("stopping: event not handled")
        done = self._handled[id(event)] = asyncio.get_running_loop().create_future()
        try:
            await self.submit(event)
            await done
        finally:
            self._handled.pop(id(event), None)

    def publisher(self, wait_until_handled: bool) -> Handle:
        return self.submit_and_wait if wait_until_handled else self.submit

    async def _work(self, key: tuple[str, str], lane: _Lane) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        try:
            while lane.waiting:
                event = lane.waiting[0]
                async with self._slots:
                    try:
                        await self.handle(event)
                    except Exception:  # the dispatcher catches its own; this is a last guard
                        log.exception("%s event from %s not handled", event.kind,
                                      event.platform)
                lane.waiting.popleft()
                lane.room.set()
                if (done := self._handled.get(id(event))) is not None and not done.done():
                    done.set_result(None)
        finally:
            lane.worker = None
            if not lane.waiting and self._lanes.get(key) is lane:
                del self._lanes[key]
            if not self._lanes:
                self._idle.set()

    @property
    def busy_chats(self) -> int:
        return len(self._lanes)

    async def wait_idle(self) -> None:
        """Until every event handed over so far has been handled."""
        await self._idle.wait()

    async def close(self, limit: float = 10.0) -> None:
        """Take no more events; let those under way finish (at most `limit` seconds), so
        shutting down never pulls the database from under a handler."""
        self._closed = True
        workers = {lane.worker for lane in self._lanes.values() if lane.worker is not None}
        if not workers:
            return
        _done, pending = await asyncio.wait(workers, timeout=limit)
        for task in pending:
            task.cancel()
        for done in self._handled.values():
            if not done.done():
                done.set_exception(NotHandled("stopping: event not handled"))
        if pending:
            await asyncio.wait(pending)
            log.warning("%d chats still had events when the bot stopped", len(pending))
