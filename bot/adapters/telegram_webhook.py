"""Telegram webhooks: Telegram posts each update to our HTTPS address (a reverse proxy in
front of one or more workers) instead of each worker asking with getUpdates.

Served by a small aiohttp app of our own rather than python-telegram-bot's
`Updater.start_webhook`: that one needs tornado (an extra dependency and a second HTTP
stack next to aiohttp), answers Telegram before the update is handled, and logs a wrong
secret token at DEBUG. Here:

- the secret (`X-Telegram-Bot-Api-Secret-Token`, set with setWebhook) is compared in
  constant time on every request; missing → 401, wrong → 403, and nothing is dispatched;
- the answer (200) goes back only once the update is handled. The Bot API server keeps
  one update per queue in flight (a chat's messages are one queue, a person's button
  presses another) and posts the queue's next update only after a 2xx, so with several
  workers behind a balancer a chat's messages are still handled one at a time, in
  update_id order; different chats go to different workers in parallel (at most
  `webhook_max_connections` at once);
- an update Telegram posts again (its answer lost) is recognised by its update_id and
  answered without being handled twice (in this worker: ids are remembered per process);
- a worker that stops before handling an update answers 503: Telegram posts it again,
  to this worker or another one.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Bot

from bot.config import TelegramSection

log = logging.getLogger("bot.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_REMEMBERED_UPDATES = 10_000  # update ids already handled, to answer a re-post at once

HandleUpdate = Callable[[dict[str, Any]], Awaitable[None]]


class TelegramWebhook:
    """The listening side of one worker, and the setWebhook / deleteWebhook calls."""

    def __init__(self, settings: TelegramSection, secret: str, allowed_updates: list[str]):
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self._settings = settings
        self._secret = secret.encode()
        self._allowed_updates = allowed_updates
        self._handle: HandleUpdate | None = None
        self._handled: OrderedDict[int, None] = OrderedDict()
        self._runner: web.AppRunner | None = None
        self.port = 0  # where it listens, once open (the configured port, or the one chosen)
        self.refused = 0  # requests without the right secret

    def __repr__(self) -> str:  # never show the secret
        return f"TelegramWebhook(port={self.port})"

    async def open(self, bot: Bot, handle: HandleUpdate) -> None:
        """Listen, then ask Telegram to post to us (updates waiting at Telegram come too)."""
        self._handle = handle
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self._settings.webhook_path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._settings.webhook_listen_host,
                           self._settings.webhook_listen_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        await bot.set_webhook(
            self._settings.webhook_url, secret_token=self._secret.decode(),
            allowed_updates=self._allowed_updates,
            max_connections=self._settings.webhook_max_connections,
            drop_pending_updates=False)

    async def close(self, bot: Bot) -> None:
        """Remove the webhook (unless other workers share it), then stop listening.
        Updates posted meanwhile and not yet answered stay at Telegram."""
        try:
            if self._settings.webhook_remove_on_stop:
                await bot.delete_webhook(drop_pending_updates=False)
        finally:
            runner, self._runner = self._runner, None
            if runner is not None:
                await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), self._secret):
            self.refused += 1
            if self.refused & (self.refused - 1) == 0:  # 1st, 2nd, 4th...: no log flood
                log.warning("telegram: webhook request %s secret token refused (%d so far)",
                            "without a" if given is None else "with a wrong", self.refused)
            return web.Response(status=401 if given is None else 403)
        try:
            data = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        update_id = data["update_id"]
        if update_id in self._handled:
            return web.Response(status=200)
        if self._handle is None:
            return web.Response(status=503)
        try:
            await self._handle(data)
        except Exception as exc:  # stopping, or a bug: Telegram posts it again later
            log.warning("telegram: update %d not handled (%s); Telegram will resend it",
                        update_id, type(exc).__name__)
            return web.Response(status=503)
        self._handled[update_id] = None
        while len(self._handled) > _REMEMBERED_UPDATES:
            self._handled.popitem(last=False)
        return web.Response(status=200)
