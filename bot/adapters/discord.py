"""The Discord platform: discord.py 2.7 on the bot's own event loop. This module owns the
connection and the outbound side; inbound mapping is in `discord_inbound`, slash commands
in `discord_commands`, button layout in `discord_layout`, rendering in `discord_render`.

discord.py is redirected through two *process-wide class attributes*
(`discord.http.Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`): one Discord connection
per process. Each `start()` builds a fresh client; `stop()` closes it, also after a
failed start, so `Bot.supervise` can retry with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import discord
import yarl

from bot.adapters.base import (
    MB,
    CommandMenu,
    PermanentFailure,
    Publish,
    RetryLater,
    Upload,
    download_target,
    message_part,
    upload_plan,
)
from bot.adapters.capabilities import DISCORD
from bot.adapters.discord_commands import MenuTree, build_tree, sync_guilds
from bot.adapters.discord_inbound import (
    PLATFORM,
    GatewayClient,
    PendingInteraction,
    PendingInteractions,
)
from bot.adapters.discord_layout import button_view
from bot.adapters.discord_render import (
    UNKNOWN_MESSAGE,
    attributed_parts,
    delivery_error,
    discord_files,
    poll_problem,
    render_parts,
    with_lines,
)
from bot.adapters.discord_shards import gateway_client
from bot.adapters.discord_webhooks import RelayWebhooks, webhook_username
from bot.config import DiscordSection
from bot.model import Attachment, Audience, ChatRef, OutboundMessage, Poll

log = logging.getLogger("bot.discord")
T = TypeVar("T")
NO_MENTIONS = discord.AllowedMentions.none()  # user-supplied text must never ping anyone
_POLL_EXPIRED, POLL_MAX_HOURS = 520001, 768  # "poll already ended"; 32 days


class DiscordAdapter:
    platform, capabilities = PLATFORM, DISCORD

    def __init__(self, settings: DiscordSection, token: str, menu: CommandMenu | None = None,
                 *, ready_timeout: float = 30.0, guild_ready_timeout: float = 2.0,
                 max_ratelimit_timeout: float = 30.0):
        self.settings = settings
        self._token = token
        self.upload_limit = settings.upload_limit_mb * MB
        self.menu = menu
        self.ready_timeout = ready_timeout
        self.guild_ready_timeout = guild_ready_timeout
        # A rate limit longer than this comes back as RetryLater instead of blocking the
        # platform's outbox worker inside discord.py.
        self.max_ratelimit_timeout = max_ratelimit_timeout
        self.pending = PendingInteractions()
        self.webhooks = RelayWebhooks()
        self.client: GatewayClient | None = None
        self._tree: MenuTree | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._ready = False  # logged in and connected once: REST calls may go out

    def __repr__(self) -> str:  # never show the token
        return f"DiscordAdapter(api={self.settings.api_base_url!r})"

    # --- lifecycle --------------------------------------------------------------------
    async def start(self, publish: Publish) -> None:
        if self.client is not None:
            await self.stop()
        discord.http.Route.BASE = self.settings.api_base_url
        if self.settings.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.gateway_url)
        self.client = client = gateway_client(  # sharded when [discord] shard_count is set
            self.settings, publish, self.pending, self._sync_commands,
            allowed_mentions=NO_MENTIONS, guild_ready_timeout=self.guild_ready_timeout,
            max_ratelimit_timeout=self.max_ratelimit_timeout)
        self._tree = build_tree(client, self.menu)
        await client.login(self._token)  # LoginFailure on a bad token
        self._gateway = asyncio.create_task(client.connect(reconnect=True),
                                            name="discord-gateway")
        self._gateway.add_done_callback(self._gateway_ended)
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            await asyncio.wait({self._gateway, ready}, timeout=self.ready_timeout,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if not client.is_ready():
            if self._gateway.done() and self._gateway.exception() is not None:
                raise self._gateway.exception()  # type: ignore[misc]
            raise TimeoutError(f"Discord gateway not ready within {self.ready_timeout:.0f}s")
        log.info("connected to Discord as %s in %d guild(s)", client.user, len(client.guilds))
        self._ready = True
        await self._sync_commands(*client.guilds)

    async def _sync_commands(self, *guilds: discord.Guild) -> None:
        if self._tree is not None and self.menu:
            await sync_guilds(self._tree, guilds, self.menu)

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("Discord gateway stopped: %s: %s", type(exc).__name__, exc)

    async def stop(self) -> None:
        client, gateway = self.client, self._gateway
        self.client, self._gateway, self._tree, self._ready = None, None, None, False
        if client is not None:
            await client.close()  # closes the websocket and the HTTP session
            await client.drain(limit=5.0)
        if gateway is not None:
            if not gateway.done():
                gateway.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await gateway

    # --- outbound -------------------------------------------------------------------
    def _client(self) -> GatewayClient:
        if self.client is None or not self._ready or self.client.is_closed():
            raise RetryLater("Discord is not connected")
        return self.client

    async def _call(self, what: str, request: Awaitable[T]) -> T:
        try:
            return await request
        except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise delivery_error(what, exc) from None

    async def _channel(self, chat: ChatRef) -> discord.abc.Messageable:
        client = self._client()
        try:
            target = int(chat.chat_id if chat.is_private or not chat.thread_id
                         else chat.thread_id)
        except ValueError:
            raise PermanentFailure(f"not a Discord id: {chat.chat_id!r}") from None
        if chat.is_private:  # the chat id is the person; their DM channel is opened once
            return await self._call("open DM", client.create_dm(discord.Object(target)))
        return client.get_partial_messageable(target)

    async def _relay_hook(self, msg: OutboundMessage) -> discord.Webhook | None:
        """The webhook to post a relayed copy under its author's name, if one can be used:
        a guild channel, not a reply (webhooks cannot reply), a name Discord accepts."""
        if not msg.attribution or msg.chat.is_private or msg.reply_to_native_id \
                or webhook_username(msg.attribution) is None or msg.buttons:
            return None
        return await self.webhooks.for_channel(self._client(),
                                               int(msg.chat.thread_id or msg.chat.chat_id))

    async def _send_by_webhook(self, hook: discord.Webhook, msg: OutboundMessage,
                               uploads: list[Upload], lines: list[str]) -> str:
        parts = with_lines(render_parts(msg.text, msg.format), lines)
        if not any(p.strip() for p in parts):
            if not uploads:
                raise PermanentFailure("empty message")
            parts = [""]
        first: str | None = None
        for i, part in enumerate(parts):
            extra: dict[str, Any] = {"files": discord_files(uploads)} \
                if uploads and i == len(parts) - 1 else {}
            sent = await self._call("send by webhook", hook.send(
                part or ("" if extra else "\u200b"),
                username=webhook_username(msg.attribution or ""),
                allowed_mentions=NO_MENTIONS, wait=True, **extra))
            first = first or str(sent.id)
        assert first is not None
        return first

    async def send(self, msg: OutboundMessage) -> str:
        self._client()  # connected, or RetryLater before anything goes out
        if msg.poll is not None:
            return await self._send_poll(msg, msg.poll)
        uploads, lines = upload_plan(msg.attachments, self.upload_limit)
        hook = await self._relay_hook(msg)
        if hook is not None:
            return await self._send_by_webhook(hook, msg, uploads, lines)
        parts = with_lines(attributed_parts(msg), lines)
        if not any(p.strip() for p in parts):
            if not msg.buttons and not uploads:
                raise PermanentFailure("empty message")
            # Buttons need some content to hang on; files do not.
            parts = ["" if uploads else "\u200b"]
        view = button_view(msg.buttons)
        pending = self.pending.get(msg.reply_to_native_id)
        if pending is not None and pending.ephemeral and msg.audience is not Audience.ASKER:
            # For the whole channel: a message of its own, and the asker's "thinking…"
            # closed (an ephemeral response cannot become public).
            await self.settle(msg.chat, msg.reply_to_native_id or "")
            pending = None
        # An answer for the asker alone that the interaction can no longer carry goes to
        # their private chat, never to the channel.
        target = replace(msg, chat=ChatRef(PLATFORM, str(pending.interaction.user.id))) \
            if pending is not None and pending.ephemeral else msg
        first: str | None = None
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            files = uploads if last else []
            sent: str | None = None
            if pending is not None:
                sent = await self._answer(pending, msg.reply_to_native_id, part,
                                          view if last else None, files)
                pending = pending if sent is not None else None
            if sent is None:
                sent = await self._post(target, part, view if last else None, reply=i == 0,
                                        files=files)
            first = first or sent
        assert first is not None
        return first

    async def _send_poll(self, msg: OutboundMessage, poll: Poll) -> str:
        problem = poll_problem(poll)
        if problem:
            raise PermanentFailure(f"invalid poll for Discord: {problem}")
        seconds = poll.close_after_seconds
        hours = POLL_MAX_HOURS if seconds is None else \
            min(POLL_MAX_HOURS, max(1, math.ceil(seconds / 3600)))
        native = discord.Poll(question=poll.question, duration=timedelta(hours=hours),
                              multiple=poll.multiple)
        for option in poll.options:
            native.add_answer(text=option)
        return await self._post(msg, "", None, reply=True, poll=native)

    async def stop_poll(self, chat: ChatRef, native_id: str) -> None:
        """End a poll now (POST /channels/{c}/polls/{m}/expire); ending it twice is fine."""
        channel = await self._channel(chat)
        message = channel.get_partial_message(  # type: ignore[attr-defined]
            int(message_part(native_id)))
        try:
            await message.end_poll()
        except discord.HTTPException as exc:
            if exc.code != _POLL_EXPIRED:
                raise delivery_error("end poll", exc) from None
        except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise delivery_error("end poll", exc) from None

    async def download(self, attachment: Attachment, dest: Path, max_bytes: int
                       ) -> Path | None:
        """The attachment's CDN URL, streamed, never more than `max_bytes`."""
        if not attachment.url or (attachment.size or 0) > max_bytes:
            return None
        target = download_target(attachment, dest)
        partial_file = target.with_name(target.name + ".part")
        try:
            async with aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=300)) as session, \
                    session.get(attachment.url) as response:
                if response.status != 200:
                    log.info("discord: attachment download answered HTTP %d", response.status)
                    return None
                if (response.content_length or 0) > max_bytes:
                    return None
                received = 0
                with partial_file.open("wb") as out:
                    async for chunk in response.content.iter_chunked(64 * 1024):
                        received += len(chunk)
                        if received > max_bytes:
                            return None
                        out.write(chunk)
            partial_file.replace(target)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.info("discord: cannot download an attachment: %s", type(exc).__name__)
            return None
        finally:
            partial_file.unlink(missing_ok=True)
        return target

    async def _answer(self, pending: PendingInteraction, key: str | None, text: str,
                      view: discord.ui.View | None, uploads: list[Upload]) -> str | None:
        """Deliver through the interaction (its "thinking…" response, then follow-ups).
        None when the interaction can no longer be answered: the caller posts instead."""
        interaction = pending.interaction
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        try:
            async with pending.lock:
                if not pending.answered:
                    if uploads:
                        extra["attachments"] = discord_files(uploads)
                    message = await interaction.edit_original_response(
                        content=text, allowed_mentions=NO_MENTIONS, **extra)
                    pending.answered = True
                else:
                    if uploads:
                        extra["files"] = discord_files(uploads)
                    message = await interaction.followup.send(
                        text, allowed_mentions=NO_MENTIONS, wait=True,
                        ephemeral=pending.ephemeral, **extra)
        except discord.HTTPException as exc:
            if exc.status in (401, 403, 404):  # token expired or interaction unknown
                log.info("interaction %s can no longer be answered (HTTP %s); posting instead",
                         interaction.id, exc.status)
                self.pending.forget(key)
                return None
            raise delivery_error("answer interaction", exc) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise delivery_error("answer interaction", exc) from None
        return str(message.id)

    async def settle(self, chat: ChatRef, native_id: str) -> None:
        """The event `native_id` is answered in full: an interaction still "thinking…"
        loses that placeholder (deleted), so Discord never says the application did not
        respond. Anything else has nothing to close."""
        pending = self.pending.get(native_id)
        if pending is None:
            return
        try:
            async with pending.lock:
                if not pending.answered:
                    await pending.interaction.delete_original_response()
                    pending.answered = True
        except discord.NotFound:
            pass  # gone already, or the token expired: nothing left to close
        except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise delivery_error("close interaction", exc) from None

    async def _post(self, msg: OutboundMessage, text: str, view: discord.ui.View | None,
                    reply: bool, files: list[Upload] = (),  # type: ignore[assignment]
                    poll: discord.Poll | None = None) -> str:
        channel = await self._channel(msg.chat)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        if files:
            extra["files"] = discord_files(files)
        if poll is not None:
            extra["poll"] = poll
        reply_to = message_part(msg.reply_to_native_id or "")
        if reply and reply_to.isdigit() and not msg.chat.is_private:
            extra["reference"] = discord.MessageReference(
                message_id=int(reply_to), channel_id=int(msg.chat.thread_id or msg.chat.chat_id),
                fail_if_not_exists=False)
        message = await self._call("send", channel.send(text or None,
                                                        allowed_mentions=NO_MENTIONS, **extra))
        return str(message.id)

    async def edit(self, chat: ChatRef, native_id: str, msg: OutboundMessage) -> None:
        """Replace a message's text and buttons (no buttons: they are removed). Only the
        first 2000 characters fit in one message."""
        # A relayed copy may be the webhook's (only it may edit it), also after a restart.
        hook = await self.webhooks.for_channel(self._client(), int(chat.thread_id or chat.chat_id)
                                               ) if msg.attribution and not chat.is_private \
            else None
        if hook is not None:  # a relayed copy the webhook posted: only it may edit it
            parts = render_parts(msg.text, msg.format)
            try:
                await hook.edit_message(int(message_part(native_id)),
                                        content=parts[0] or "\u200b",
                                        allowed_mentions=NO_MENTIONS)
                return
            except (discord.NotFound, discord.Forbidden):
                pass  # not one of the webhook's (a relayed reply): the bot's own message
            except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise delivery_error("edit by webhook", exc) from None
        parts = attributed_parts(msg)
        if len(parts) > 1:
            log.warning("edit of message %s: text longer than one message; cut", native_id)
        channel = await self._channel(chat)
        message = channel.get_partial_message(  # type: ignore[attr-defined]
            int(message_part(native_id)))
        await self._call("edit", message.edit(content=parts[0] or "\u200b",
                                              view=button_view(msg.buttons),
                                              allowed_mentions=NO_MENTIONS))

    async def delete(self, chat: ChatRef, native_id: str) -> None:
        channel = await self._channel(chat)
        message = channel.get_partial_message(  # type: ignore[attr-defined]
            int(message_part(native_id)))
        try:
            await message.delete()
        except discord.NotFound as exc:
            if exc.code not in UNKNOWN_MESSAGE:
                raise delivery_error("delete", exc) from None
            log.debug("message %s was already deleted", native_id)  # what we wanted
        except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise delivery_error("delete", exc) from None
