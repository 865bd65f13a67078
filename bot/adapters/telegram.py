"""The Telegram platform, on python-telegram-bot 22 (long polling, inside our own loop).

Inbound: every update goes through one TypeHandler to `telegram_inbound.events_for` and
on to the dispatcher. Outbound: `send` renders the bot's light Markdown (or escaped plain
text) as Telegram HTML, split into parts of at most 4096 characters (`telegram_render`).
No AIORateLimiter: the outbox paces and retries, so every Telegram error is mapped to
RetryLater or PermanentFailure (`telegram_render.delivery_error`), never retried in PTB.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram import Poll as TelegramPoll
from telegram.constants import MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    InvalidToken,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters.base import (
    MB,
    CommandMenu,
    PermanentFailure,
    Publish,
    RetryLater,
    Upload,
    download_target,
    message_part,
    safe_file_name,
    upload_plan,
)
from bot.adapters.capabilities import TELEGRAM
from bot.adapters.telegram_http import AiohttpRequest
from bot.adapters.telegram_inbound import ALLOWED_UPDATES, PLATFORM, events_for
from bot.adapters.telegram_render import (
    TEXT_LIMIT,
    attributed_parts,
    delivery_error,
    keyboard,
    poll_problem,
)
from bot.adapters.telegram_webhook import TelegramWebhook
from bot.chat_lanes import NotHandled
from bot.config import TelegramSection
from bot.model import Attachment, AttachmentKind, ChatRef, OutboundMessage, Poll, PollKind

log = logging.getLogger("bot.telegram")
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024
PHOTO_LIMIT = 10 * MB  # sendPhoto's limit; larger images go as documents
Step = Callable[[], Awaitable[Message]]
DEFAULT_MENU_LANGUAGE = "en"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Long messages half-sent when a later part failed: (chat, payload) -> ids already sent.
_MAX_PARTIAL = 256


def _telegram_id(value: str) -> int:
    """Telegram ids are integers; anything else can never be delivered."""
    try:
        return int(value)
    except ValueError:
        raise PermanentFailure(f"not a Telegram id: {value[:40]!r}") from None


class TelegramAdapter:
    platform = PLATFORM
    capabilities = TELEGRAM

    def __init__(self, settings: TelegramSection, token: str, menu: CommandMenu | None = None,
                 webhook_secret: str | None = None):
        self._settings = settings
        self._token = token
        self._webhook_secret = webhook_secret or ""
        self.webhook: TelegramWebhook | None = None
        self._menu = menu or {}
        self.upload_limit = settings.upload_limit_mb * MB
        self._app: Application | None = None  # type: ignore[type-arg]
        self._publish: Publish | None = None
        self._partial: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self.username = ""
        # The last update fully handled (published and answered): lets tests and health
        # checks know the bot has caught up with what Telegram delivered.
        self.handled_update_id = 0

    def __repr__(self) -> str:  # never show the token
        return f"TelegramAdapter(username={self.username!r})"

    # --- lifecycle --------------------------------------------------------------------
    async def start(self, publish: Publish) -> None:
        """Connect and start polling; raises (InvalidToken, NetworkError) if it cannot,
        so the supervisor retries with backoff."""
        self._publish = publish
        app = (ApplicationBuilder().token(self._token)
               .base_url(self._settings.api_base_url)
               .base_file_url(self._settings.file_base_url)
               .request(AiohttpRequest())
               # One long poll at a time; its read timeout is set per call by PTB.
               .get_updates_request(AiohttpRequest(pool_size=1))
               .job_queue(None).build())
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        self._app = app
        try:
            await app.initialize()  # getMe: checks the token and the connection
        except InvalidToken:
            raise InvalidToken("Telegram rejected the bot token") from None
        self.username = app.bot.username
        await self._set_commands()
        if self.acknowledges_handled:
            self.webhook = TelegramWebhook(self._settings, self._webhook_secret, ALLOWED_UPDATES)
            await self.webhook.open(app.bot, self._on_posted)
            log.info("telegram: webhook set for @%s, listening on port %d", self.username,
                     self.webhook.port)
            return
        await app.start()
        await app.updater.start_polling(  # type: ignore[union-attr]
            timeout=self._settings.poll_timeout, allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False)
        log.info("telegram: polling as @%s", self.username)

    async def stop(self) -> None:
        """Stop what was started, in reverse; safe after a failed or partial start."""
        app, self._app = self._app, None
        if app is None:
            return
        steps = []
        if self.webhook is not None:
            steps.append(("remove the webhook", partial(self.webhook.close, app.bot)))
            self.webhook = None
        if app.updater is not None and app.updater.running:
            steps.append(("stop polling", app.updater.stop))
        if app.running:
            steps.append(("stop", app.stop))
        steps.append(("shut down", app.shutdown))  # a no-op when never initialized...
        # ...but a failed getMe leaves the bot's HTTP connections open: close them too.
        steps.append(("close connections", app.bot.shutdown))
        for what, step in steps:
            try:
                await step()
            except Exception as exc:
                log.warning("telegram: could not %s cleanly: %s", what, type(exc).__name__)

    async def _set_commands(self) -> None:
        """The command menu once per interface language, and the default one (English)
        for everybody else. A failure only costs the menu, never the connection."""
        assert self._app is not None
        bot = self._app.bot
        menus: list[tuple[str | None, list[tuple[str, str]]]] = list(self._menu.items())
        default = self._menu.get(DEFAULT_MENU_LANGUAGE) or next(iter(self._menu.values()), None)
        if default is not None:
            menus.append((None, default))
        for code, entries in menus:
            commands = [BotCommand(name, (text or name)[:256]) for name, text in entries
                        if name.islower() and len(name) <= 32]
            try:
                await bot.set_my_commands(commands, language_code=code)
            except TelegramError as exc:
                log.warning("telegram: setMyCommands(%s) failed: %s", code or "default",
                            type(exc).__name__)

    @property
    def acknowledges_handled(self) -> bool:
        """Webhook mode: Telegram gets its answer once the update is handled."""
        return self._settings.mode == "webhook"

    # --- inbound ----------------------------------------------------------------------
    async def _on_posted(self, data: dict[str, Any]) -> None:
        assert self._app is not None
        await self._on_update(Update.de_json(data, self._app.bot), None)  # type: ignore[arg-type]

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            if update.callback_query is not None:
                await self._answer(update)
            events = events_for(update, self.username)
            if not events:
                log.debug("telegram: update %d ignored", update.update_id)
            for event in events:
                log.debug("telegram: update %d → %s in chat %s", update.update_id,
                          event.kind, event.chat.chat_id)
                if self._publish is not None:
                    await self._publish(event)
        except NotHandled:
            raise  # the webhook answers 503: Telegram posts it again
        except Exception:
            log.exception("telegram: update %d could not be handled", update.update_id)
        finally:
            self.handled_update_id = max(self.handled_update_id, update.update_id)

    async def _answer(self, update: Update) -> None:
        # Always answer a button press, first: the client shows a spinner until we do.
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("telegram: answerCallbackQuery failed: %s", type(exc).__name__)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        exc = context.error
        log.warning("telegram: %s: %s", type(exc).__name__, exc)

    # --- outbound ---------------------------------------------------------------------
    def _bot(self) -> TelegramBot:
        if self._app is None:
            raise RetryLater("telegram is not connected")
        return self._app.bot


    async def send(self, msg: OutboundMessage) -> str:
        if msg.poll is not None:
            return await self._send_poll(msg, msg.poll)
        bot = self._bot()
        steps = self._steps(bot, msg)
        if not steps:
            raise PermanentFailure("empty message text")
        # Only a message of several requests can be half-sent (serialising it costs).
        key = (msg.chat.chat_id, msg.to_json()) if len(steps) > 1 else None
        done = self._partial.pop(key, []) if key is not None else []
        for step in steps[len(done):]:
            if done:
                # Each part is a message to Telegram's per-chat limit too (a group: 20 a
                # minute): space the parts as the outbox spaces messages, or the second
                # part of a long unit earns a 429.
                await asyncio.sleep(self._part_interval(msg.chat))
            try:
                sent: Message = await step()
            except TelegramError as exc:
                if done and key is not None:  # the parts already out: a retry skips them
                    self._partial[key] = done
                    while len(self._partial) > _MAX_PARTIAL:
                        self._partial.popitem(last=False)
                raise delivery_error(exc) from None
            done.append(str(sent.message_id))
        return done[0]

    def _part_interval(self, chat: ChatRef) -> float:
        settings = self._settings
        if chat.is_private:
            return 1.0 / settings.messages_per_chat_per_second
        return max(1.0 / settings.messages_per_chat_per_second,
                   60.0 / settings.group_messages_per_minute)

    def _steps(self, bot: TelegramBot, msg: OutboundMessage) -> list[Step]:
        """The requests one message takes, in order: its text parts, then its files (the
        first carrying the text as caption when it fits, and no text message then)."""
        files, lines = upload_plan(msg.attachments, self.upload_limit)
        parts = attributed_parts(msg) if msg.text.strip() or msg.attribution else []
        if lines:
            extra = escape("\n".join(lines), quote=False)
            if parts and len(parts[-1]) + 1 + len(extra) <= TEXT_LIMIT:
                parts[-1] += "\n" + extra
            else:
                parts.append(extra)
        caption: str | None = None
        if files and len(parts) == 1 and len(parts[0]) <= CAPTION_LIMIT:
            caption, parts = parts[0], []
        chat_id = _telegram_id(msg.chat.chat_id)
        common: dict[str, Any] = {
            "message_thread_id": _telegram_id(msg.chat.thread_id) if msg.chat.thread_id
            else None}
        reply = None
        if msg.reply_to_native_id and not msg.chat.is_private:
            reply = ReplyParameters(_telegram_id(message_part(msg.reply_to_native_id)),
                                    allow_sending_without_reply=True)
        total = len(parts) + len(files)
        steps: list[Step] = []

        def extra(i: int) -> dict[str, Any]:
            return {**common, "reply_parameters": reply if i == 0 else None,
                    "reply_markup": keyboard(msg.buttons) if i == total - 1 else None}

        for i, html in enumerate(parts):
            steps.append(partial(bot.send_message, chat_id, html, parse_mode=ParseMode.HTML,
                                 link_preview_options=_NO_PREVIEW, **extra(i)))
        for j, upload in enumerate(files):
            text = {"caption": caption, "parse_mode": ParseMode.HTML} \
                if j == 0 and caption else {}
            steps.append(partial(self._upload, bot, chat_id, upload, **text,
                                 **extra(len(parts) + j)))
        return steps

    async def _upload(self, bot: TelegramBot, chat_id: int, upload: Upload,
                      **options: Any) -> Message:
        data = InputFile(await asyncio.to_thread(upload.path.read_bytes),
                         filename=safe_file_name(upload.attachment.file_name))
        # sendPhoto takes images up to 10 MB; anything else is a document.
        if upload.attachment.kind is AttachmentKind.PHOTO and upload.size <= PHOTO_LIMIT:
            return await bot.send_photo(chat_id, data, **options)
        return await bot.send_document(chat_id, data, **options)

    async def _send_poll(self, msg: OutboundMessage, poll: Poll) -> str:
        problem = poll_problem(poll)
        if problem:
            raise PermanentFailure(f"invalid poll: {problem}")
        quiz = poll.kind is PollKind.QUIZ
        options: dict[str, Any] = {}
        if quiz:
            options.update(correct_option_ids=[poll.correct_option],
                           explanation=(poll.explanation or None) and poll.explanation[:200])
        if poll.close_after_seconds is not None and 5 <= poll.close_after_seconds <= 600:
            options["open_period"] = poll.close_after_seconds
        if msg.reply_to_native_id and not msg.chat.is_private:
            options["reply_parameters"] = ReplyParameters(
                _telegram_id(message_part(msg.reply_to_native_id)),
                allow_sending_without_reply=True)
        try:
            sent = await self._bot().send_poll(
                _telegram_id(msg.chat.chat_id), poll.question, list(poll.options),
                is_anonymous=poll.anonymous, type=TelegramPoll.QUIZ if quiz
                else TelegramPoll.REGULAR, allows_multiple_answers=poll.multiple and not quiz,
                message_thread_id=_telegram_id(msg.chat.thread_id) if msg.chat.thread_id
                else None, **options)
        except TelegramError as exc:
            raise delivery_error(exc) from None
        assert sent.poll is not None
        return f"{sent.message_id}:{sent.poll.id}"

    async def stop_poll(self, chat: ChatRef, native_id: str) -> None:
        try:
            await self._bot().stop_poll(_telegram_id(chat.chat_id),
                                        _telegram_id(message_part(native_id)))
        except BadRequest as exc:
            if "poll has already been closed" not in exc.message.lower():  # as wanted
                raise delivery_error(exc) from None
        except TelegramError as exc:
            raise delivery_error(exc) from None

    async def download(self, attachment: Attachment, dest: Path, max_bytes: int
                       ) -> Path | None:
        """getFile, then the file from `file_base_url` (the Bot API serves files up to
        20 MB to bots)."""
        if not attachment.native_id or (attachment.size or 0) > max_bytes:
            return None
        target = download_target(attachment, dest)
        partial_file = target.with_name(target.name + ".part")
        try:
            file = await self._bot().get_file(attachment.native_id)
            if file.file_size is not None and file.file_size > max_bytes:
                return None
            await file.download_to_drive(partial_file)
            if partial_file.stat().st_size > max_bytes:
                return None
            partial_file.replace(target)
        except (TelegramError, RetryLater, OSError) as exc:
            log.info("telegram: cannot download a %s: %s", attachment.kind,
                     type(exc).__name__)
            return None
        finally:
            partial_file.unlink(missing_ok=True)
        return target

    async def edit(self, chat: ChatRef, native_id: str, msg: OutboundMessage) -> None:
        parts = attributed_parts(msg)
        if not parts:
            raise PermanentFailure("empty message text")
        if len(parts) > 1:
            log.warning("telegram: edited text too long for one message; shortened")
        try:
            await self._bot().edit_message_text(
                parts[0], chat_id=_telegram_id(chat.chat_id),
                message_id=_telegram_id(message_part(native_id)),
                parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW,
                reply_markup=keyboard(msg.buttons))
        except BadRequest as exc:
            if "message is not modified" not in exc.message.lower():  # already as wanted
                raise delivery_error(exc) from None
        except TelegramError as exc:
            raise delivery_error(exc) from None

    async def delete(self, chat: ChatRef, native_id: str) -> None:
        try:
            await self._bot().delete_message(_telegram_id(chat.chat_id),
                                             _telegram_id(message_part(native_id)))
        except BadRequest as exc:
            if "message to delete not found" not in exc.message.lower():  # already gone
                raise delivery_error(exc) from None
        except TelegramError as exc:
            raise delivery_error(exc) from None
