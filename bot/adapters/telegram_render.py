"""How the bot's neutral messages become Telegram's: HTML parts of at most 4096
characters (the source is split, never the HTML), inline keyboards, poll checks, and what
a Telegram error means for the outbox (RetryLater or PermanentFailure: PTB never retries)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.adapters.base import DeliveryError, PermanentFailure, RetryLater
from bot.adapters.splitting import split_first
from bot.model import Button, OutboundMessage, Poll, PollKind
from bot.render import to_telegram_html

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def attributed_parts(msg: OutboundMessage) -> list[str]:
    """The parts of a message, the first one opened by the relayed author's name in bold."""
    if not msg.attribution:
        return render_parts(msg.text, msg.format)
    prefix = f"<b>{escape(msg.attribution, quote=False)}</b>: "
    parts = render_parts(msg.text, msg.format, TEXT_LIMIT - len(prefix))
    return [prefix + parts[0], *parts[1:]] if parts else [prefix]


def render_parts(text: str, fmt: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Telegram HTML parts of at most `limit` characters each, in order, none blank.

    The source is split, never the HTML, so no tag is ever cut. Escaping can make a part
    longer (every `&` becomes `&amp;`): then that part is taken shorter, in proportion,
    until its HTML fits."""
    if limit < 8:  # room for the longest escape of one character, or no progress
        raise ValueError("limit must be at least 8")
    parts: list[str] = []
    rest = text
    while rest.strip():
        size = min(len(rest), limit)
        while True:
            head, tail = split_first(rest, size) if len(rest) > size else (rest, "")
            html = to_telegram_html(head, fmt)
            if len(html) <= limit:
                break
            size = min(size - 1, max(1, size * limit // len(html)))
        if head.strip():
            parts.append(html)
        rest = tail
    return parts


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)
                                  for b in row] for row in buttons])


def delivery_error(exc: TelegramError) -> DeliveryError:
    """What a Telegram error means for the outbox. Order matters: in PTB, BadRequest and
    TimedOut are subclasses of NetworkError."""
    reason = f"{type(exc).__name__}: {exc.message}"
    if isinstance(exc, RetryAfter):
        after = exc.retry_after  # an int, or a timedelta with PTB_TIMEDELTA=1
        seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
        return RetryLater(reason, seconds)
    if isinstance(exc, Forbidden):
        return PermanentFailure(reason, recipient_unreachable=True)
    if isinstance(exc, BadRequest):
        gone = "chat not found" in exc.message.lower()
        return PermanentFailure(reason, recipient_unreachable=gone)
    if isinstance(exc, ChatMigrated):
        return PermanentFailure(f"{reason} (the group is now chat {exc.new_chat_id})")
    # Network trouble, 5xx, and a revoked token (InvalidToken) may all pass: try again.
    return RetryLater(reason, None)


def poll_problem(poll: Poll) -> str | None:
    """Why Telegram would refuse this poll, or None."""
    if not 1 <= len(poll.question) <= 300:
        return "the question must have 1 to 300 characters"
    if not 2 <= len(poll.options) <= 12:
        return "2 to 12 options"
    if not all(1 <= len(o) <= 100 for o in poll.options):
        return "options must have 1 to 100 characters"
    if poll.kind is PollKind.QUIZ and (poll.correct_option is None
                                       or not 0 <= poll.correct_option < len(poll.options)):
        return "a quiz needs its correct option"
    return None
