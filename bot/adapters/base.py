"""The contract between the core and a platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.capabilities import Capabilities
from bot.i18n import _
from bot.model import Attachment, ChatRef, Event, OutboundMessage

Publish = Callable[[Event], Awaitable[None]]
# Interface language -> [(command name, translated one-line help)], participant commands only.
CommandMenu = dict[str, list[tuple[str, str]]]
MB = 1024 * 1024


class DeliveryError(Exception):
    """Base of what `send` may raise; anything else counts as a transient failure."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (429) or failed transiently (5xx, network)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):
    """The message can never be delivered (bot blocked, chat gone, message invalid)."""

    def __init__(self, reason: str, recipient_unreachable: bool = False):
        super().__init__(reason)
        self.recipient_unreachable = recipient_unreachable


class PlatformAdapter(Protocol):
    """One platform. `capabilities`: what it can do and its limits (bot/capabilities.py,
    declared in bot/adapters/capabilities.py); features read them from the context."""

    platform: str
    capabilities: Capabilities
    # The largest file, in bytes, `send` uploads; a larger one goes out as a line
    # "📎 name (too large to relay)" instead (see `too_large_line`).
    upload_limit: int

    async def start(self, publish: Publish) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, msg: OutboundMessage) -> str:
        """Deliver one message; return its native id (the first part's, if split).

        Files: every attachment with a `path` is uploaded (Telegram: the text is the
        caption when it fits in 1024 characters, else the text goes first and the files
        after it; Discord: the files come with the text, on the last part). A file over
        `upload_limit`, or missing, becomes a text line instead of failing the message.

        Polls (`msg.poll` set; `msg.text` and `msg.attachments` are then ignored, the
        question is the message):
        - the native id returned is "<message_id>:<poll_id>" on Telegram, "<message_id>"
          on Discord and the console. Store it as it is; `bot.model.poll_key(native_id)`
          is the key that POLL_ANSWER events carry in `Event.poll_id` (Telegram: the
          poll id, which is all a poll_answer update names; elsewhere the message id).
        - edit / delete / `action="stop_poll"` take the stored native id as it is (the
          adapters use its message part).
        - Telegram: quiz polls (kind "quiz", `correct_option`, `explanation`); answers
          arrive only for non-anonymous polls; `close_after_seconds` is used when it is
          5..600 (Telegram's open_period), otherwise the bot must close the poll itself.
          The chat of a POLL_ANSWER is the voter's private chat: Telegram does not say
          where the poll is. `option_ids` is the voter's whole current choice (an empty
          list: the vote was retracted).
          An anonymous poll names no voter: instead, each time its counts change (and
          when it is stopped) a POLL_TOTALS event carries `poll_id` (the same key),
          `option_counts` (voters per option, the whole current state: the latest one
          replaces the earlier ones) and `voter_count` (people who voted). Its author has
          an empty `user_id` and its chat an empty `chat_id`: Telegram says neither.
          Non-anonymous polls make no POLL_TOTALS (their POLL_ANSWERs say it all).
        - Discord: kind "regular" only (a quiz raises PermanentFailure: send buttons);
          voters are always visible (`anonymous` cannot be honoured); the duration is
          `close_after_seconds` rounded up to hours, 1..768 h (none given: 768 h).
          Discord reports single votes, not selections: one POLL_ANSWER per vote added
          or removed, `option_ids=[index]` and `text` "add" or "remove". The chat is the
          poll's channel.
        - Console: numbered options; typing "2" (or "1,3" for `multiple`) is a
          POLL_ANSWER with `option_ids` the whole choice, `text` "add".
        """
        ...

    async def edit(self, chat: ChatRef, native_id: str, msg: OutboundMessage) -> None: ...

    async def delete(self, chat: ChatRef, native_id: str) -> None: ...

    async def stop_poll(self, chat: ChatRef, native_id: str) -> None:
        """Close the poll `native_id` (as `send` returned it); closing it twice is fine."""
        ...

    async def download(self, attachment: Attachment, dest: Path, max_bytes: int
                       ) -> Path | None:
        """Fetch an incoming attachment (from `Event.attachments`) to a local file.

        `dest` is the file to write, or an existing folder: then the file goes inside it
        under the attachment's (cleaned) file name. Returns the file written, or None
        when it cannot be had: larger than `max_bytes`, gone, refused by the platform,
        network trouble, or a platform without files (the console). Never raises for
        those; a partial file is never left behind."""
        ...


def message_part(native_id: str) -> str:
    """The message id inside a native id ("<message_id>:<poll_id>" for Telegram polls)."""
    return native_id.partition(":")[0]


def file_line(attachment: Attachment) -> str:
    """A file that is not uploaded, announced by name (and link, if public)."""
    if attachment.url:
        return f"📎 {attachment.file_name}: {attachment.url}"
    return f"📎 {attachment.file_name}"


def too_large_line(file_name: str) -> str:
    return "📎 " + _("{name} (too large to relay)").format(name=file_name)


def safe_file_name(name: str, fallback: str = "file") -> str:
    """A file name that is safe in any folder: no path, no control characters."""
    cleaned = "".join(c for c in Path(name.replace("\\", "/")).name
                      if c.isprintable() and c not in '<>:"|?*')
    cleaned = cleaned.strip(" .")[:120]
    return cleaned or fallback


def download_target(attachment: Attachment, dest: Path) -> Path:
    """Where `download` writes: `dest` itself, or inside it when it is a folder."""
    return dest / safe_file_name(attachment.file_name) if dest.is_dir() else dest


@dataclass(frozen=True, slots=True)
class Upload:
    attachment: Attachment
    path: Path
    size: int


def upload_plan(attachments: list[Attachment], limit: int) -> tuple[list[Upload], list[str]]:
    """The files to upload (existing, within `limit`) and the lines that stand for the
    others (too large, or no longer there)."""
    files: list[Upload] = []
    lines: list[str] = []
    for attachment in attachments:
        if not attachment.path:
            continue
        path = Path(attachment.path)
        try:
            size = path.stat().st_size if path.is_file() else None
        except OSError:
            size = None
        if size is None:
            lines.append(file_line(Attachment(attachment.kind, attachment.file_name)))
        elif size > limit:
            lines.append(too_large_line(attachment.file_name))
        else:
            files.append(Upload(attachment, path, size))
    return files, lines
