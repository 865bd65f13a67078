"""Discord objects -> neutral Events, and the gateway client that publishes them.

Everything discord.py hands us stops here: handlers see only `Event`. The conventions:
a DM's chat id is the other user's id (not the DM channel's), guild channels are groups,
a thread is its parent channel with `thread_id`; language hints come only with
interactions (Discord says nothing about the language of a plain message).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

from bot.adapters.base import Publish
from bot.model import Attachment, AttachmentKind, ChatKind, ChatRef, Event, EventKind, UserRef

log = logging.getLogger("bot.discord")
PLATFORM = "discord"
INTERACTION_PREFIX = "interaction:"
# Discord accepts follow-ups for 15 minutes after the interaction; keep a safety margin.
INTERACTION_LIFETIME = 14 * 60.0


def user_ref(user: discord.abc.User, locale: str | None = None) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.display_name, is_bot=user.bot,
                   language_hint=locale)


def unknown_user() -> UserRef:
    # Raw deletions name no author when the message was not cached.
    return UserRef(PLATFORM, "", "")


def chat_ref(channel: Any, other_user_id: int | None) -> ChatRef:
    """The chat a channel stands for; `other_user_id` is the person in a DM."""
    if isinstance(channel, discord.DMChannel) or getattr(channel, "guild", None) is None:
        recipient = getattr(channel, "recipient", None)
        user_id = recipient.id if recipient is not None else other_user_id
        return ChatRef(PLATFORM, str(user_id if user_id is not None else channel.id),
                       ChatKind.PRIVATE)
    if isinstance(channel, discord.Thread):
        return ChatRef(PLATFORM, str(channel.parent_id), ChatKind.GROUP, str(channel.id),
                       title=channel.parent.name if channel.parent else None)
    return ChatRef(PLATFORM, str(channel.id), ChatKind.GROUP, title=getattr(channel, "name", None))


def parse_command(text: str, prefix: str) -> tuple[str, list[str]] | None:
    """`!name arg arg` -> ("name", ["arg", "arg"]); None when `text` is not a command."""
    if not text.startswith(prefix):
        return None
    words = text[len(prefix):].split()
    if not words or text[len(prefix)].isspace():
        return None
    return words[0].lower(), words[1:]


def _attachments(message: discord.Message) -> list[Attachment]:
    return [Attachment(AttachmentKind.PHOTO if (a.content_type or "").startswith("image/")
                       else AttachmentKind.DOCUMENT,
                       a.filename, a.size, a.url, str(a.id), mime=a.content_type)
            for a in message.attachments]


def message_event(message: discord.Message, prefix: str, kind: EventKind | None = None,
                  channel: Any = None) -> Event:
    """`channel`: a better-known version of the message's channel (a cached DM channel
    knows its recipient; the one built from a gateway message does not)."""
    chat = chat_ref(channel or message.channel,
                    None if message.author.bot else message.author.id)
    command = parse_command(message.content, prefix) if kind is None else None
    reference = message.reference.message_id if message.reference else None
    return Event(
        kind=kind or (EventKind.COMMAND if command else EventKind.MESSAGE),
        platform=PLATFORM, chat=chat, author=user_ref(message.author),
        timestamp_utc=message.created_at, native_id=str(message.id), text=message.content,
        command=command[0] if command else None, args=command[1] if command else [],
        reply_to_native_id=str(reference) if reference else None,
        attachments=_attachments(message))


def interaction_event(interaction: discord.Interaction) -> Event | None:
    """A slash command -> COMMAND, a button -> CALLBACK; anything else -> None."""
    data: dict[str, Any] = dict(interaction.data or {})
    author = user_ref(interaction.user, interaction.locale.value)
    if interaction.guild_id is None:
        chat = ChatRef(PLATFORM, str(interaction.user.id), ChatKind.PRIVATE)
    elif interaction.channel is not None:
        chat = chat_ref(interaction.channel, interaction.user.id)
    else:
        chat = ChatRef(PLATFORM, str(interaction.channel_id), ChatKind.GROUP)
    base: dict[str, Any] = dict(platform=PLATFORM, chat=chat, author=author,
                                timestamp_utc=interaction.created_at,
                                native_id=f"{INTERACTION_PREFIX}{interaction.id}")
    if interaction.type is discord.InteractionType.application_command:
        name = str(data.get("name", "")).lower()
        # Our commands take one string option, `arguments`; take every value for others.
        values = [str(o.get("value", "")) for o in data.get("options", []) if "value" in o]
        args = " ".join(values).split()
        return Event(kind=EventKind.COMMAND, command=name, args=args, awaits_settle=True,
                     text=" ".join([f"/{name}", *args]), **base)
    if interaction.type is discord.InteractionType.component:
        # A button's custom_id is its data; a select menu's chosen value is (see
        # discord_layout).
        values = data.get("values") or []
        chosen = values[0] if values else data.get("custom_id", "")
        pressed = str(interaction.message.id) if interaction.message is not None else None
        return Event(kind=EventKind.CALLBACK, callback_data=str(chosen),
                     pressed_native_id=pressed, **base)
    return None


@dataclass
class PendingInteraction:
    interaction: discord.Interaction
    expires_at: float
    answered: bool  # the original response holds something; later messages are follow-ups
    # Asked in a guild channel: the answers for the asker (Audience.ASKER) are ephemeral,
    # shown to them alone; what is for the channel is posted in it.
    ephemeral: bool = False
    # Two replies sent at once must not both fill the original response.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class PendingInteractions:
    """Acknowledged interactions whose reply has not gone out yet, newest last. Bounded:
    an interaction nobody answers within its token's lifetime is simply forgotten."""

    def __init__(self, limit: int = 256):
        self._items: OrderedDict[str, PendingInteraction] = OrderedDict()
        self._limit = limit

    def remember(self, native_id: str, interaction: discord.Interaction, answered: bool,
                 ephemeral: bool = False) -> None:
        self._items[native_id] = PendingInteraction(
            interaction, time.monotonic() + INTERACTION_LIFETIME, answered, ephemeral)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)

    def get(self, native_id: str | None) -> PendingInteraction | None:
        now = time.monotonic()
        for key in [k for k, v in self._items.items() if v.expires_at <= now]:
            del self._items[key]
        return self._items.get(native_id) if native_id else None

    def forget(self, native_id: str | None) -> None:
        self._items.pop(native_id or "", None)

    def __len__(self) -> int:
        return len(self._items)


class GatewayClient(discord.Client):
    """discord.py's client with our listeners: map, acknowledge, publish."""

    def __init__(self, publish: Publish, prefix: str, pending: PendingInteractions,
                 guild_joined: Callable[[discord.Guild], Awaitable[None]] | None = None,
                 **options: Any):
        super().__init__(**options)
        self._publish = publish
        self._prefix = prefix
        self._pending = pending
        self._guild_joined = guild_joined
        self._publishing: set[asyncio.Task[Any]] = set()

    async def _emit(self, event: Event | None) -> None:
        task = asyncio.current_task()
        if event is None or task is None or self.is_closed():
            return
        self._publishing.add(task)
        try:
            await self._publish(event)
        finally:
            self._publishing.discard(task)

    async def drain(self, limit: float) -> None:
        """Let events already being handled finish (after `close()`, no new ones come),
        so shutting down never pulls the database from under a handler."""
        if self._publishing:
            await asyncio.wait(set(self._publishing), timeout=limit)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        if self._guild_joined is not None:  # invited to a new server: declare the commands
            await self._guild_joined(guild)

    async def on_message(self, message: discord.Message) -> None:
        if message.is_system():  # "X joined", pins, boosts: not something a person wrote
            return
        await self._emit(message_event(message, self._prefix,
                                       channel=self.get_channel(message.channel.id)))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        before = payload.cached_message
        if before is not None and before.content == payload.message.content:
            return  # a link preview or embed arriving, not an edit
        await self._emit(message_event(payload.message, self._prefix, EventKind.EDIT,
                                       channel=self.get_channel(payload.channel_id)))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        cached = payload.cached_message
        channel = self.get_channel(payload.channel_id) or (cached.channel if cached else None)
        author = user_ref(cached.author) if cached else unknown_user()
        chat = chat_ref(channel, int(author.user_id or 0) or None) if channel is not None \
            else ChatRef(PLATFORM, str(payload.channel_id),
                         ChatKind.GROUP if payload.guild_id else ChatKind.PRIVATE)
        await self._emit(Event(kind=EventKind.DELETE, platform=PLATFORM, chat=chat,
                               author=author, timestamp_utc=datetime.now(UTC),
                               native_id=str(payload.message_id)))

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._emit(self.vote_event(payload, "add"))

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._emit(self.vote_event(payload, "remove"))

    def vote_event(self, payload: discord.RawPollVoteActionEvent, action: str) -> Event:
        """One vote added or removed. Discord names single answers, not the voter's whole
        choice: `option_ids` is that answer (counted from 0; Discord counts from 1) and
        `text` says "add" or "remove"; `poll_id` is the poll's message id."""
        user = self.get_user(payload.user_id)
        author = user_ref(user) if user else UserRef(PLATFORM, str(payload.user_id),
                                                     str(payload.user_id))
        channel = self.get_channel(payload.channel_id)
        chat = chat_ref(channel, payload.user_id) if channel is not None else ChatRef(
            PLATFORM, str(payload.user_id if payload.guild_id is None else payload.channel_id),
            ChatKind.PRIVATE if payload.guild_id is None else ChatKind.GROUP)
        return Event(kind=EventKind.POLL_ANSWER, platform=PLATFORM, chat=chat,
                     author=author, timestamp_utc=datetime.now(UTC),
                     native_id=str(payload.message_id), text=action,
                     poll_id=str(payload.message_id), option_ids=[payload.answer_id - 1])

    async def on_member_join(self, member: discord.Member) -> None:
        channel = member.guild.system_channel
        if channel is None:  # nowhere public to welcome them
            return
        await self._emit(Event(kind=EventKind.MEMBER_JOINED, platform=PLATFORM,
                               chat=chat_ref(channel, None), author=user_ref(member),
                               timestamp_utc=member.joined_at or datetime.now(UTC)))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Handled here, not in per-View callbacks, so buttons keep working after a restart.
        event = interaction_event(interaction)
        if event is None:
            return
        slash = event.kind is EventKind.COMMAND
        in_guild = interaction.guild_id is not None
        try:
            # Acknowledge at once (Discord allows 3 s): "thinking…" for a command, a silent
            # deferred update for a button. The reply comes later through the outbox. In
            # a channel the "thinking…" is the asker's alone: whether the answer is
            # ephemeral is decided here, once (Discord cannot change it later).
            await interaction.response.defer(thinking=slash, ephemeral=slash and in_guild)
        except discord.HTTPException as exc:
            log.warning("could not acknowledge interaction %s: HTTP %s", interaction.id,
                        exc.status)
        else:
            self._pending.remember(event.native_id or "", interaction, answered=not slash,
                                   ephemeral=in_guild)
        await self._emit(event)
