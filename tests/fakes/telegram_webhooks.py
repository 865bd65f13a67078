"""Webhook delivery for the fake Telegram server, modelled on the Bot API server's
WebhookActor (tdlib/telegram-bot-api):

- setWebhook(url, secret_token, max_connections, allowed_updates, drop_pending_updates)
  stores the hook; from then on getUpdates answers 409 and updates are POSTed to `url` as
  JSON (`Content-Type: application/json`), with `X-Telegram-Bot-Api-Secret-Token` when a
  secret was set;
- updates wait in queues (the server's `webhook_queue_id`: a chat's messages, a person's
  button presses, a poll's updates): at most one update of a queue is in flight, the
  next one of that queue goes only after a 2xx answer; at most `max_connections`
  updates are in flight at once;
- any other answer (or none) keeps the update: it is posted again after a delay that
  doubles (Telegram starts at 1 s; `retry_delay` here, short for tests), and the error is
  reported by getWebhookInfo (`last_error_date`, `last_error_message`);
- deleteWebhook stops the posting; what was not answered with a 2xx stays for getUpdates
  (or the next webhook); drop_pending_updates drops it.

One difference, stated: the real server refuses http:// URLs and ports other than 443,
80, 88 and 8443 unless it runs with --local; the fake accepts them, like a local server,
so tests need no certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from tests.fakes.telegram_server import FakeTelegram

Json = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass
class Delivery:
    """One POST of an update to the webhook, and the status it got (0: no answer)."""

    update_id: int
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    in_flight: set[Any] = field(default_factory=set)  # queue ids
    retry_at: dict[Any, float] = field(default_factory=dict)  # queue id -> monotonic time
    delay: dict[Any, float] = field(default_factory=dict)
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = None


def queue_id(update: Json) -> Any:
    """The queue an update waits in, as the Bot API server files them (Client.cpp's
    webhook_queue_id): a chat's messages one queue, a person's button presses another, a
    poll's state and answers a third; anything else alone."""
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if kind in update:
            return ("chat", update[kind]["chat"]["id"])
    if "callback_query" in update:
        return ("callbacks", update["callback_query"]["from"]["id"])
    if "poll" in update:
        return ("poll", update["poll"]["id"])
    if "poll_answer" in update:
        return ("poll", update["poll_answer"]["poll_id"])
    if "my_chat_member" in update:
        return ("member", update["my_chat_member"]["chat"]["id"])
    return ("update", update["update_id"])


class WebhookSender:
    """The posting side; the fake's setWebhook/deleteWebhook/getWebhookInfo call it."""

    def __init__(self, fake: FakeTelegram, retry_delay: float = 0.1):
        self.fake = fake
        self.retry_delay = retry_delay
        self.hook: Webhook | None = None
        self.deliveries: list[Delivery] = []
        self.history: list[str] = []  # "set <url>" / "deleted", in order

    async def set(self, p: Json, error: type[Exception]) -> bool:
        url = str(p.get("url", ""))
        if not url:
            return await self.delete(p)
        secret = p.get("secret_token")
        if secret is not None and not _SECRET.match(str(secret)):
            raise error(400, "Bad Request: secret token contains unallowed characters")
        if not re.match(r"^https?://", url):
            raise error(400, "Bad Request: bad webhook: Webhook can be set up only on ports "
                             "80, 88, 443 or 8443")
        connections = int(p.get("max_connections", 40))
        if not 1 <= connections <= 100:
            raise error(400, "Bad Request: bad webhook: max_connections must be 1-100")
        if p.get("drop_pending_updates") in (True, "true", "True"):
            self.fake.updates.clear()
        await self._stop()
        allowed = p.get("allowed_updates")
        self.hook = Webhook(url, None if secret is None else str(secret), connections,
                            list(allowed) if allowed is not None else None)
        if allowed is not None:
            self.fake.allowed_updates = set(allowed) or set(self.fake.default_allowed)
        self.history.append(f"set {url}")
        self.hook.task = asyncio.create_task(self._post_loop(self.hook))
        return True

    async def delete(self, p: Json) -> bool:
        if p.get("drop_pending_updates") in (True, "true", "True"):
            self.fake.updates.clear()
        if self.hook is not None:
            self.history.append("deleted")
        await self._stop()
        return True

    def info(self) -> Json:
        hook = self.hook
        info: Json = {"url": hook.url if hook else "", "has_custom_certificate": False,
                      "pending_update_count": len(self.fake.updates)}
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def stop(self) -> None:
        await self._stop()

    async def _stop(self) -> None:
        hook, self.hook = self.hook, None
        if hook is not None and hook.task is not None:
            hook.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hook.task

    async def _post_loop(self, hook: Webhook) -> None:
        posts: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        try:
            async with aiohttp.ClientSession() as session:
                while True:
                    now = loop.time()
                    taken: set[Any] = set()  # queues whose first update is not ready
                    for update in list(self.fake.updates):
                        if len(hook.in_flight) >= hook.max_connections:
                            break
                        if not self.fake.allowed_updates & update.keys():
                            continue  # (Telegram would not have made it)
                        queue = queue_id(update)
                        if queue in taken or queue in hook.in_flight:
                            taken.add(queue)
                            continue
                        taken.add(queue)
                        if hook.retry_at.get(queue, 0.0) > now:
                            continue
                        hook.in_flight.add(queue)
                        post = asyncio.create_task(self._post(session, hook, update, queue))
                        posts.add(post)
                        post.add_done_callback(posts.discard)
                    soonest = min((t for t in hook.retry_at.values() if t > now), default=None)
                    changed = self.fake.changed_event()
                    timeout = None if soonest is None else max(0.0, soonest - now)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), timeout)
        finally:
            for post in list(posts):
                post.cancel()
            if posts:
                await asyncio.gather(*posts, return_exceptions=True)

    async def _post(self, session: aiohttp.ClientSession, hook: Webhook, update: Json,
                    queue: Any) -> None:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token is not None:
            headers[SECRET_HEADER] = hook.secret_token
        status, error = 0, "Connection refused"
        try:
            async with session.post(hook.url, data=json.dumps(update), headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=60)) as response:
                status = response.status
                error = f"Wrong response from the webhook: {status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__}"
        finally:
            hook.in_flight.discard(queue)
        self.deliveries.append(Delivery(update["update_id"], status))
        if 200 <= status <= 299:
            with contextlib.suppress(ValueError):
                self.fake.updates.remove(update)
            self.fake.delivered_update_id = max(self.fake.delivered_update_id,
                                                update["update_id"])
            hook.retry_at.pop(queue, None)
            hook.delay.pop(queue, None)
        else:
            delay = hook.delay.get(queue, self.retry_delay / 2) * 2
            hook.delay[queue] = delay
            hook.retry_at[queue] = asyncio.get_running_loop().time() + delay
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
        self.fake.notify()
