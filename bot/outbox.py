"""Durable delivery: enqueue writes to the database, senders per platform drain it.

A message is a row before it is a request, so a crash or a restart delays it and never
loses it; dedupe keys make re-enqueueing the same logical message a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from bot.adapters.base import PermanentFailure, PlatformAdapter, RetryLater
from bot.buttons import ButtonTokens
from bot.clock import Clock
from bot.delivery_timing import LOCKED_BOOKKEEPING, IdleSenders, RetryPolicy, when_unlocked
from bot.merging import merge_backlog
from bot.model import MessageAction, OutboundMessage
from bot.pacing import Gate, Limits, Pacer
from storage.outbox import OutboxItem, OutboxRepository

log = logging.getLogger("bot.outbox")

# Lower is sooner: a reply to a command overtakes a broadcast.
INTERACTIVE = 0
RELAY = 3
SCHEDULED = 5
BULK = 10

UNLIMITED = Limits(overall_per_second=1000.0)
SentHook = Callable[[OutboxItem, OutboundMessage, str], Awaitable[None]]
FailedHook = Callable[[OutboxItem, OutboundMessage, PermanentFailure], Awaitable[None]]


@dataclass
class _Lane:
    """One platform's delivery state: its adapter, pacer and the chats being sent to."""

    adapter: PlatformAdapter
    pacer: Pacer
    gate: Gate
    waiters: IdleSenders = field(default_factory=IdleSenders)
    in_flight: set[str] = field(default_factory=set)
    # Choosing a message and marking its chat in flight is one step, or two senders
    # could take two messages of the same chat and deliver them out of order.
    claiming: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Set once the pacer knows what went out before a restart; senders wait for it.
    paced_from_history: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


@dataclass
class Outbox:
    repo: OutboxRepository
    clock: Clock
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Concurrent requests per platform: enough to reach the rate limit over a real
    # network's round trip; each chat still gets one message at a time, in order.
    senders: int = 8
    # Every message's hooks; a feature's own messages: `subscribe` by their tag's kind.
    on_sent: list[SentHook] = field(default_factory=list)
    on_failed: list[FailedHook] = field(default_factory=list)
    _sent_by_kind: dict[str, list[SentHook]] = field(default_factory=dict, init=False)
    _failed_by_kind: dict[str, list[FailedHook]] = field(default_factory=dict, init=False)
    # Buttons leave as short tokens bound to their reader (bot/buttons.py); None keeps
    # the features' data as written (tests of the outbox alone).
    tokens: ButtonTokens | None = None
    poll: float | None = None  # several workers on one database: idle senders look this often
    _lanes: dict[str, _Lane] = field(default_factory=dict, init=False)
    _finishing: set[asyncio.Future[None]] = field(default_factory=set, init=False)

    async def enqueue(
        self,
        msg: OutboundMessage,
        *,
        priority: int = INTERACTIVE,
        dedupe_key: str | None = None,
        not_before: float = 0.0,
        about: Iterable[int] = (),
    ) -> int | None:
        """Queue `msg`; `about` lists the participants its text names or answers, besides
        the chat it goes to, so /forgetme finds it by them (never by searching text)."""
        if self.tokens is not None and msg.buttons:
            msg = await self.tokens.seal(msg)
        item_id = await self.repo.add(
            msg.chat.platform,
            msg.chat.chat_id,
            msg.to_json(),
            priority,
            dedupe_key or msg.dedupe_key,
            self.clock.timestamp(),
            not_before,
            about,
            msg.mergeable,
        )
        self.wake(msg.chat.platform, msg.chat.chat_id)
        return item_id

    async def enqueue_many(self, items: list[tuple[OutboundMessage, str | None]],
                           priority: int = BULK) -> int:
        """Many messages in one transaction (a broadcast); returns how many were new."""
        if self.tokens is not None and any(m.buttons for m, _ in items):
            sealed = await self.tokens.seal_many([m for m, _ in items])
            items = [(m, key) for m, (_, key) in zip(sealed, items, strict=True)]
        added = await self.repo.add_many(
            [(m.chat.platform, m.chat.chat_id, m.to_json(), priority, key or m.dedupe_key,
              m.mergeable) for m, key in items],
            self.clock.timestamp(),
        )
        for platform in {m.chat.platform for m, _ in items}:
            self.wake(platform)
        return added

    def subscribe(self, kind: str, *, on_sent: SentHook | None = None,
                  on_failed: FailedHook | None = None) -> None:
        """Run hooks for the messages whose tag (`OutboundMessage.tag`) is of `kind` only."""
        if on_sent is not None:
            self._sent_by_kind.setdefault(kind, []).append(on_sent)
        if on_failed is not None:
            self._failed_by_kind.setdefault(kind, []).append(on_failed)

    def _hooks_sent(self, msg: OutboundMessage) -> list[SentHook]:
        return self.on_sent + (self._sent_by_kind.get(msg.tag.kind, []) if msg.tag else [])

    def _hooks_failed(self, msg: OutboundMessage) -> list[FailedHook]:
        return self.on_failed + (self._failed_by_kind.get(msg.tag.kind, []) if msg.tag else [])

    async def send_unstored(self, msg: OutboundMessage) -> None:
        """Send without a row, for when the database cannot store one (a full disk):
        paced like the rest, but nothing records it or retries it after a restart."""
        lane = self._lanes[msg.chat.platform]
        await self._paced(lane, msg.chat.chat_id, not msg.chat.is_private)
        await lane.adapter.send(msg)

    async def _paced(self, lane: _Lane, chat_id: str, group: bool) -> None:
        """Wait for the chat's slot, then the platform's gate: a request may start."""
        slot = lane.pacer.reserve(chat_id, group, self.clock.timestamp())
        if (wait := slot - self.clock.timestamp()) > 0:
            await asyncio.sleep(wait)
        await lane.gate.pass_through()
        lane.pacer.started(chat_id, group, self.clock.timestamp())

    def wake(self, platform: str, chat_id: str | None = None) -> None:
        """Tell an idle sender there is something new, unless it is for a chat in flight:
        that chat's sender looks at the queue when it is done."""
        lane = self._lanes.get(platform)
        if lane is not None and chat_id not in lane.in_flight:
            lane.waiters.notify_one()

    def adapter(self, platform: str) -> PlatformAdapter | None:
        """The platform attached under that name (the relay downloads files through it)."""
        lane = self._lanes.get(platform)
        return lane.adapter if lane is not None else None

    def attach(self, adapter: PlatformAdapter, limits: Limits | None = None) -> None:
        """Start draining one platform's messages through its adapter."""
        if adapter.platform in self._lanes:
            # A second lane would leave the first one's senders running, unowned.
            raise ValueError(f"platform {adapter.platform!r} is already attached")
        pacer = Pacer(limits or UNLIMITED)
        lane = _Lane(adapter, pacer, pacer.gate())
        lane.tasks.append(asyncio.create_task(self._remember_recent(lane),
                                              name=f"outbox-{adapter.platform}-recent"))
        self._lanes[adapter.platform] = lane
        for n in range(self.senders):
            lane.tasks.append(asyncio.create_task(
                self._sender(lane), name=f"outbox-{adapter.platform}-{n}"))

    async def _remember_recent(self, lane: _Lane) -> None:
        """After a restart the pacer knows nothing; the outbox knows what went out in the
        last minute: start each chat's pacing from its last send."""
        now = self.clock.timestamp()
        try:
            for chat_id, is_group, sent_at in await self.repo.recently_sent(
                    lane.adapter.platform, now - 60.0):
                lane.pacer.started(chat_id, is_group, sent_at)
        except Exception:
            log.exception("outbox %s: cannot read recent sends", lane.adapter.platform)
        finally:
            lane.paced_from_history.set()

    async def detach(self, platform: str) -> None:
        lane = self._lanes.pop(platform, None)
        if lane is None:
            return
        for task in lane.tasks:
            task.cancel()
        await asyncio.gather(*lane.tasks, return_exceptions=True)

    async def stop(self) -> None:
        for platform in list(self._lanes):
            await self.detach(platform)
        if self._finishing:  # let sends the platform accepted be recorded
            await asyncio.wait(self._finishing, timeout=5)

    async def wait_idle(self, platform: str | None = None, limit: float = 60.0,
                        include_delayed: bool = False) -> bool:
        """Wait until every message due now (with `include_delayed`, every message, also
        those waiting for a retry) has been sent or has failed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while await self.repo.unfinished(
            platform, due_by=None if include_delayed else self.clock.timestamp()
        ):
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def _sender(self, lane: _Lane) -> None:
        platform = lane.adapter.platform
        await lane.paced_from_history.wait()
        kept_time = False
        while True:
            now = self.clock.timestamp()
            seen = lane.waiters.signal
            try:
                async with lane.claiming:
                    busy = lane.pacer.busy_chats(now) | lane.in_flight
                    claimed = await self.repo.claim(platform, now, exclude_chats=busy,
                                                    count_mergeable=True)
                    if claimed.item is not None:
                        lane.in_flight.add(claimed.item.chat_id)
            except Exception:
                log.exception("outbox %s: cannot read the queue; retrying", platform)
                await asyncio.sleep(1.0)
                continue
            item = claimed.item
            if item is None:
                kept_time = await self._idle(lane, now, seen)
                continue
            if claimed.more or kept_time:
                # Another chat has a message due, or this sender was keeping time for the
                # idle ones: let an idle sender take it (or the timer) over.
                lane.waiters.notify_one()
            kept_time = False
            try:
                await self._deliver(lane, item, claimed.mergeable)
            except Exception:
                # A bug must not kill this sender (its messages would wait forever): log
                # it, put the message back for later, carry on.
                log.exception("outbox %s: delivering message %d failed", platform, item.id)
                await self._retry(lane, item, "internal error", None)
            finally:
                # The chat is free again. This sender looks at the queue next itself; no
                # other one is woken for it (that was a second claim per message).
                lane.in_flight.discard(item.chat_id)

    async def _idle(self, lane: _Lane, now: float, seen: int) -> bool:
        """Sleep until woken or, keeping time for the idle senders, until a delayed message
        falls due or a paced chat with a message waiting may take it. Returns whether this
        one kept time."""
        if lane.waiters.signal != seen:
            return False  # woken while claiming: look again at once
        # A chat in flight is not timed: its sender looks at the queue when it is done.
        paced = lane.pacer.busy_chats(now) - lane.in_flight
        # Only what falls due later: a message due now that the claim passed over is for
        # a chat in flight or paced (timed here); a timer of zero for it would spin.
        due, waiting = await self.repo.waiting(lane.adapter.platform, after=now, chats=paced)
        moments = [lane.pacer.chat_ready_at(c) for c in waiting]
        if due is not None:
            moments.append(due)
        timeout = max(0.0, min(moments) - now) if moments else None
        if self.poll is not None:  # what another worker queued, or left behind when it died
            timeout = min(self.poll, self.poll if timeout is None else timeout)
        return await lane.waiters.wait(seen, timeout)

    async def _deliver(self, lane: _Lane, item: OutboxItem, mergeable: int = 0) -> None:
        """One post, of one message or of several merged: every item in it shares the
        post's fate (sent, retried, or failed for good with each one's failure hooks)."""
        msg = OutboundMessage.from_json(item.payload)
        platform = lane.adapter.platform
        items, post = await merge_backlog(self.repo, self.clock.timestamp(),
                                          lane.pacer.chat_interval(not msg.chat.is_private),
                                          item, msg, mergeable)
        try:
            await self._paced(lane, item.chat_id, not post.chat.is_private)
            native_id = await self._perform(lane.adapter, post)
            # A long message is several requests (its parts, its files): the chat's next
            # slot counts from the last of them, not from the first.
            lane.pacer.started(item.chat_id, not post.chat.is_private, self.clock.timestamp())
        except asyncio.CancelledError:
            # Stopping: the request may or may not have gone out; send it again next time.
            for it in items:
                await asyncio.shield(self.repo.mark_retry(it.id, 0.0, "interrupted by shutdown"))
            raise
        except RetryLater as exc:
            for it in items:  # each goes back; merged ones may merge again next time
                await self._retry(lane, it, str(exc), exc.retry_after)
        except PermanentFailure as exc:
            log.warning("outbox %s: message %d failed for good: %s", platform, item.id, exc)
            for it in items:
                await self.repo.mark_failed(it.id, str(exc))
                # Each message's own hooks, with the message as it was queued, not the post.
                own = msg if it is item else OutboundMessage.from_json(it.payload)
                for hook in self._hooks_failed(own):
                    await hook(it, own, exc)
        except Exception as exc:
            log.exception("outbox %s: unexpected error sending message %d", platform, item.id)
            for it in items:
                await self._retry(lane, it, f"{type(exc).__name__}: {exc}", None)
        else:
            self._finish(items, post, native_id)

    def _finish(self, items: list[OutboxItem], msg: OutboundMessage, native_id: str) -> None:
        """Bookkeeping after the platform accepted a message: the hooks first (the relay's
        message map), then "sent", so that "sent" always means "recorded". A task of its
        own: the sender goes on to the chat's next message meanwhile (the message stays
        "sending", so nothing takes it twice), a stop does not cut it short — a sent copy
        would be missing from the map — and stop() waits for it."""

        async def bookkeeping() -> None:
            # A locked database is waited out: a sent message left unrecorded would be
            # sent again after a restart.
            for hook in self._hooks_sent(msg):
                try:
                    await when_unlocked(lambda hook=hook: hook(items[0], msg, native_id),
                                        "recording a sent message")
                except Exception:
                    log.exception("outbox %s: after-send hook failed", items[0].platform)
            for it in items:
                await when_unlocked(lambda it=it: self.repo.mark_sent(
                    it.id, native_id, self.clock.timestamp()), "marking a message sent",
                    LOCKED_BOOKKEEPING)

        task = asyncio.ensure_future(bookkeeping())
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    @staticmethod
    async def _perform(adapter: PlatformAdapter, msg: OutboundMessage) -> str:
        target = msg.target_native_id
        if msg.action is MessageAction.SEND or not target:
            return await adapter.send(msg)
        if msg.action is MessageAction.EDIT:
            await adapter.edit(msg.chat, target, msg)
        elif msg.action is MessageAction.DELETE:
            await adapter.delete(msg.chat, target)
        elif msg.action is MessageAction.STOP_POLL:
            await adapter.stop_poll(msg.chat, target)
        elif (settle := getattr(adapter, "settle", None)) is not None:  # Discord's
            await settle(msg.chat, target)
        return target

    async def _retry(self, lane: _Lane, item: OutboxItem, reason: str,
                     retry_after: float | None) -> None:
        if self.retry.gives_up(item.attempts):
            log.warning("outbox %s: message %d gave up after %d attempts: %s",
                        item.platform, item.id, item.attempts, reason)
            failure = PermanentFailure(f"gave up after {item.attempts} attempts: {reason}")
            await self.repo.mark_failed(item.id, str(failure))
            # Given up is failed for good: the features waiting on it hear so, as they do
            # for a refusal (a poll copy, a unit check question, the relay's map).
            msg = OutboundMessage.from_json(item.payload)
            for hook in self._hooks_failed(msg):
                await hook(item, msg, failure)
            return
        delay = retry_after if retry_after is not None else self.retry.delay(item.attempts)
        until = self.clock.timestamp() + delay
        # Hold the whole chat, so a later message cannot overtake this one.
        lane.pacer.hold_chat(item.chat_id, until)
        log.info("outbox %s: message %d retried in %.1fs (%s)",
                 item.platform, item.id, delay, reason)
        await self.repo.mark_retry(item.id, until, reason)
