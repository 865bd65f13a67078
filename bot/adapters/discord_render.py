"""How the bot's neutral messages become Discord's: Markdown parts within Discord's limit,
lines for files that are not uploaded, fresh File objects, poll checks, and what a
discord.py error means for the outbox (with tokens kept out of every reason)."""

from __future__ import annotations

import re

import discord

from bot.adapters.base import DeliveryError, PermanentFailure, RetryLater, Upload, safe_file_name
from bot.adapters.splitting import split_text
from bot.model import OutboundMessage, Poll, PollKind
from bot.render import to_discord

TEXT_LIMIT = 2000
# Discord error codes that mean "that message is gone", not "that person is unreachable".
UNKNOWN_MESSAGE = {10008}
# Interaction and webhook tokens travel in URL paths; keep them out of every log line.
_TOKEN_IN_PATH = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/\s?]+")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1…", text)


def delivery_error(what: str, exc: BaseException) -> DeliveryError:
    """What a discord.py error means for the outbox."""
    if isinstance(exc, discord.RateLimited):  # longer than max_ratelimit_timeout
        return RetryLater(f"{what}: rate limited", exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        reason = redact(f"{what}: HTTP {exc.status} (code {exc.code}) {exc.text}".strip())
        if exc.status == 429:
            after = exc.response.headers.get("Retry-After") if exc.response else None
            return RetryLater(reason, float(after) if after else None)
        if exc.status >= 500:
            return RetryLater(reason)
        if isinstance(exc, discord.Forbidden | discord.NotFound):
            return PermanentFailure(reason, recipient_unreachable=exc.code not in UNKNOWN_MESSAGE)
        return PermanentFailure(reason)
    # Network trouble, or a client-side hiccup (e.g. not connected): try again later.
    return RetryLater(redact(f"{what}: {type(exc).__name__}: {exc}"))


def render_parts(text: str, fmt: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Discord Markdown parts of at most `limit` characters, in order. The source is split
    first so no Markdown pair is cut by the splitter; a part that escaping made too long
    is split again, smaller."""
    return [out for part in split_text(text, limit) for out in _fit(part, fmt, limit)]


def attributed_parts(msg: OutboundMessage) -> list[str]:
    """The parts of a message, the first one opened by the relayed author's name in bold."""
    if not msg.attribution:
        return render_parts(msg.text, msg.format)
    prefix = f"**{discord.utils.escape_markdown(msg.attribution)}**: "
    parts = render_parts(msg.text, msg.format, TEXT_LIMIT - len(prefix))
    return [prefix + parts[0], *parts[1:]] if parts else [prefix]


def _fit(part: str, fmt: str, limit: int) -> list[str]:
    rendered = to_discord(part, fmt)
    if len(rendered) <= limit:
        return [rendered]
    smaller = min(len(part) - 1, max(1, len(part) * limit // len(rendered)))
    return [r for p in split_text(part, smaller) for r in _fit(p, fmt, limit)]


def with_lines(parts: list[str], lines: list[str]) -> list[str]:
    """Lines standing for files that are not uploaded, after the text (a new part if
    they do not fit in the last one)."""
    if not lines:
        return parts
    extra = to_discord("\n".join(lines), "plain")
    if parts and parts[-1].strip() and len(parts[-1]) + 1 + len(extra) <= TEXT_LIMIT:
        return [*parts[:-1], parts[-1] + "\n" + extra]
    return [*(p for p in parts if p.strip()), extra]


def discord_files(uploads: list[Upload]) -> list[discord.File]:
    """Fresh File objects (discord.py closes them after each request)."""
    return [discord.File(u.path, filename=safe_file_name(u.attachment.file_name))
            for u in uploads]


def poll_problem(poll: Poll) -> str | None:
    """Why Discord would refuse this poll, or None. Discord has no quiz polls."""
    if poll.kind is not PollKind.REGULAR:
        return "no quiz polls on Discord (send the options as buttons)"
    if not 1 <= len(poll.question) <= 300:
        return "the question must have 1 to 300 characters"
    if not 1 <= len(poll.options) <= 10:
        return "1 to 10 options"
    if not all(1 <= len(o) <= 55 for o in poll.options):
        return "options must have 1 to 55 characters"
    return None
