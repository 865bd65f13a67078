"""The neutral message model: the only shapes handlers and storage ever see.

Platform objects stop at `bot/adapters/`. Ids are strings, always namespaced by
(platform, chat), because Telegram and Discord ids collide.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar


class EventKind(StrEnum):
    COMMAND = "command"
    MESSAGE = "message"
    CALLBACK = "callback"  # a button press, or a numbered choice in the console
    MEMBER_JOINED = "member_joined"
    EDIT = "edit"
    DELETE = "delete"
    POLL_ANSWER = "poll_answer"
    # The current totals of a poll whose voters the platform keeps secret (Telegram's
    # anonymous polls): no author, no chat; see `Event.option_counts`.
    POLL_TOTALS = "poll_totals"


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class ChatRef:
    platform: str
    chat_id: str
    kind: ChatKind = ChatKind.PRIVATE
    thread_id: str | None = None
    title: str | None = None

    @property
    def is_private(self) -> bool:
        return self.kind is ChatKind.PRIVATE


@dataclass(frozen=True, slots=True)
class UserRef:
    platform: str
    user_id: str
    display_name: str
    is_bot: bool = False
    language_hint: str | None = None  # what the platform says the user's language is, if it says


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


class PollKind(StrEnum):
    REGULAR = "regular"
    QUIZ = "quiz"  # one correct option, shown after answering


class MessageFormat(StrEnum):
    PLAIN = "plain"  # the text is literal
    # The bot's own light Markdown (**bold**, _italic_, `code`, [text](url)), rendered per
    # platform by the adapter.
    MARKDOWN = "markdown"


class MessageAction(StrEnum):
    SEND = "send"  # a new message
    EDIT = "edit"  # the message `target_native_id`
    DELETE = "delete"
    STOP_POLL = "stop_poll"
    SETTLE = "settle"  # the event `target_native_id` is answered in full


E = TypeVar("E", bound=StrEnum)


def _as(kind: type[E], value: object) -> E:
    """A value read back from JSON (or written as its text by a caller) as its enum; an
    unknown one is a ValueError, not a message an adapter half understands."""
    return value if isinstance(value, kind) else kind(value)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Mention:
    """A person, to be named the way their platform links to them (rendered from the
    platform's declared capabilities: bot/capabilities.py)."""

    platform: str
    user_id: str


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: AttachmentKind
    file_name: str
    size: int | None = None
    url: str | None = None
    native_id: str | None = None
    # Outgoing: a local file the adapter uploads (a relay's download, an export).
    path: str | None = None
    mime: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _as(AttachmentKind, self.kind))


@dataclass(slots=True)
class Event:
    kind: EventKind
    platform: str
    chat: ChatRef
    author: UserRef
    timestamp_utc: datetime
    native_id: str | None = None
    text: str = ""
    command: str | None = None  # without prefix, lower case
    args: list[str] = field(default_factory=list)
    callback_data: str | None = None
    # CALLBACK: the message whose button was pressed, as the adapter's send() named it,
    # when the platform says (so a handler can edit it instead of posting a new copy).
    pressed_native_id: str | None = None
    reply_to_native_id: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    relay_id: str | None = None  # set when the message is one of our own relayed copies
    # POLL_ANSWER: the platform's poll (the id recorded when the poll was sent) and the
    # chosen options, counted from 0; an empty list is a retracted vote.
    poll_id: str | None = None
    option_ids: list[int] = field(default_factory=list)
    # POLL_TOTALS: the poll (`poll_id`, as for POLL_ANSWER), the voters per option now
    # (counted from 0; each event replaces the previous totals) and how many people voted
    # (fewer than the sum of the counts when several answers are allowed).
    option_counts: list[int] | None = None
    voter_count: int | None = None
    # When the bot received it (time.monotonic()), set as it enters its chat's lane: a
    # deadline ("relay within 8 s") counts from here, not from when its turn came.
    received_at: float | None = None
    # The platform shows the asker a pending state until the bot says it has answered
    # (a Discord slash command's "thinking…"): the dispatcher closes every such command.
    awaits_settle: bool = False

    @property
    def args_text(self) -> str:
        return " ".join(self.args)


class Audience(StrEnum):
    """Who a message is for: the contract behind "personal answers stay personal".

    CHAT: everyone in the chat it goes to. ASKER: only the person whose event it answers
    (`reply_to_native_id`); a platform that can show a message to one person in a group
    does so (Discord: an ephemeral interaction response), the others post it in the chat
    it goes to, so anything no one else may read goes to the private chat instead."""

    CHAT = "chat"
    ASKER = "asker"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # "<callback prefix>:<payload>", routed by the dispatcher on the prefix
    # A control ("Done", "Skip", "Continue later"), not one of the choices: a platform
    # that must pack many buttons keeps the trailing rows of controls apart and visible.
    control: bool = False


@dataclass(frozen=True, slots=True)
class Poll:
    """A native poll (Telegram, Discord) or numbered choices (console)."""

    question: str
    options: list[str]
    kind: PollKind = PollKind.REGULAR
    correct_option: int | None = None  # counted from 0; quiz only
    explanation: str | None = None  # quiz only
    anonymous: bool = True
    multiple: bool = False
    # Platform-side closing, when the platform supports it within its own limits; the bot
    # closes longer polls itself.
    close_after_seconds: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _as(PollKind, self.kind))


@dataclass(frozen=True, slots=True)
class Tag:
    """What a message is and for whom, for the features that act on it once it is sent or
    has failed (`Outbox.subscribe(kind, ...)`): "a unit check question to participant 7,
    unit 2, attempt 1, question 0", "a copy of poll 12". The kernel knows no kind: each
    feature names its own. The dedupe key is only for idempotence, never read back."""

    kind: str
    participant: int | None = None  # for whom, when it is one participant's
    refs: tuple[int, ...] = ()  # the feature's own ids (a poll's; a unit, attempt, question)


@dataclass(slots=True)
class OutboundMessage:
    chat: ChatRef
    text: str
    format: MessageFormat = MessageFormat.PLAIN
    # The event or message this answers; an adapter may ignore it (e.g. private chats).
    reply_to_native_id: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    dedupe_key: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    # A relayed message: who wrote it ("Ana · Telegram"), rendered by each platform in its
    # own way (a webhook name on Discord, a bold prefix elsewhere), and the relay(s) it is
    # a copy of (several for a merged post), so the message map can record the copy once
    # it is sent.
    attribution: str | None = None
    relay_ids: list[str] = field(default_factory=list)
    audience: Audience = Audience.CHAT
    action: MessageAction = MessageAction.SEND
    target_native_id: str | None = None
    poll: Poll | None = None
    tag: Tag | None = None
    # Copies waiting for the same paced chat may go out as one post (relayed messages).
    mergeable: bool = False

    def __post_init__(self) -> None:
        # Stored as their text in the outbox's JSON: rows queued before the enums load.
        self.format = _as(MessageFormat, self.format)
        self.action = _as(MessageAction, self.action)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, payload: str) -> OutboundMessage:
        data = json.loads(payload)
        chat = data.pop("chat")
        chat["kind"] = ChatKind(chat["kind"])
        data["chat"] = ChatRef(**chat)
        data["buttons"] = [[Button(**b) for b in row] for row in data.get("buttons", [])]
        data["attachments"] = [Attachment(**a) for a in data.get("attachments", [])]
        data["audience"] = Audience(data.get("audience", Audience.CHAT))
        if data.get("poll"):
            data["poll"] = Poll(**data["poll"])
        if data.get("tag"):
            tag = data["tag"]
            data["tag"] = Tag(tag["kind"], tag.get("participant"), tuple(tag.get("refs", ())))
        return cls(**data)


def poll_key(native_id: str) -> str:
    """The key POLL_ANSWER events carry (`Event.poll_id`) for a poll whose `send()`
    returned `native_id`: on Telegram "<message_id>:<poll_id>" -> "<poll_id>", elsewhere
    the message id itself. See `bot.adapters.base.PlatformAdapter.send`."""
    return native_id.rpartition(":")[2]
