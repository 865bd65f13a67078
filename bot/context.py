"""What a handler receives: the event, who sent it, in which language, and how to answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from zoneinfo import ZoneInfo

from bot.capabilities import Capabilities
from bot.i18n import LanguagePack, rtl_marked
from bot.model import (
    Attachment,
    Audience,
    Button,
    ChatKind,
    ChatRef,
    Event,
    MessageFormat,
    OutboundMessage,
    Poll,
    Tag,
)
from bot.outbox import INTERACTIVE
from bot.scope import FacilitatorScope
from bot.services import Services
from storage.participants import Account, Participant


class Outcome(Enum):
    """What a command did, as its handler reports it (recorded in the audit log)."""

    DONE = "done"
    REFUSED = "refused"  # it answered why it would not (unknown person, not theirs, …)


@dataclass
class Context:
    event: Event
    services: Services
    participant: Participant
    account: Account
    language: LanguagePack
    # Known for commands and button presses; False for other events, whose handlers
    # must not depend on it (the dispatcher does not ask, to spare every message two reads).
    is_facilitator: bool
    # What a facilitator may reach (bot/scope.py), for commands and button presses; it
    # covers nothing for anyone else, and for other events.
    scope: FacilitatorScope = field(default_factory=FacilitatorScope.nothing)
    # What the handler sent so far: a reply to the event, something in the author's
    # private chat (the dispatcher closes every command's answer with these).
    replied: bool = False
    sent_privately: bool = False
    # Set by a handler that refused what it was asked (`refuse`): the audit log records it.
    outcome: Outcome = Outcome.DONE

    @property
    def platform(self) -> str:
        return self.event.platform

    def command(self, name: str) -> str:
        """How the reader types a command on this platform: "/help" or "!help"."""
        return f"{self.services.command_prefix(self.platform)}{name}"

    @property
    def capabilities(self) -> Capabilities:
        """What the reader's platform can do and its limits."""
        return self.services.capabilities(self.platform)

    @property
    def callback_payload(self) -> str:
        data = self.event.callback_data or ""
        return data.split(":", 1)[1] if ":" in data else ""

    @property
    def zone(self) -> ZoneInfo:
        if self.participant.timezone:
            return ZoneInfo(self.participant.timezone)
        return self.services.default_zone()

    async def reload_participant(self) -> Participant:
        fresh = await self.services.participants.get(self.participant.id)
        assert fresh is not None
        self.participant = fresh
        return fresh

    async def reply(
        self,
        text: str,
        *,
        buttons: list[list[Button]] | None = None,
        format: MessageFormat = MessageFormat.PLAIN,
        priority: int = INTERACTIVE,
        about: Iterable[int] = (),
        audience: Audience = Audience.ASKER,
    ) -> None:
        """Answer in the chat the event came from, as a reply to it (adapters decide how:
        Telegram threads only in groups, Discord answers a slash command through its
        interaction). An answer is for its asker unless `audience` says the whole chat
        (see `Audience`). `about`: the people its text names (see `send`)."""
        await self.send(self.event.chat, text, buttons=buttons, format=format,
                        priority=priority, reply_to=self.event.native_id, about=about,
                        audience=audience)

    async def reply_private(self, text: str, *, buttons: list[list[Button]] | None = None,
                            format: MessageFormat = MessageFormat.PLAIN,
                            attachments: list[Attachment] | None = None,
                            about: Iterable[int] = ()) -> None:
        """Answer the author in their private chat on this platform."""
        await self.send(self.private_chat, text, buttons=buttons, format=format,
                        attachments=attachments, about=about, audience=Audience.ASKER)

    async def tell_asker(self, text: str) -> None:
        """An answer only the asker needs (a mistake in what they typed, a refusal), never
        a post the whole group reads: a reply in a private chat or where the platform shows
        it to the asker alone (a Discord slash command: ephemeral), else a private message
        (the group then only reads that the answer was sent privately)."""
        if self.event.chat.is_private or self.event.awaits_settle:
            await self.reply(text)
        else:
            await self.reply_private(text)

    @property
    def private_chat(self) -> ChatRef:
        return ChatRef(self.platform, self.event.author.user_id, ChatKind.PRIVATE)

    async def send(
        self,
        chat: ChatRef,
        text: str,
        *,
        buttons: list[list[Button]] | None = None,
        format: MessageFormat = MessageFormat.PLAIN,
        priority: int = INTERACTIVE,
        reply_to: str | None = None,
        attachments: list[Attachment] | None = None,
        poll: Poll | None = None,
        dedupe_key: str | None = None,
        tag: Tag | None = None,
        about: Iterable[int] = (),
        audience: Audience = Audience.CHAT,
        edit: str | None = None,
    ) -> None:
        """`about`: the people the text names. An answer in a group is also about its
        reader. /forgetme deletes the message with any of them (a private chat is its
        owner's anyway). `edit`: a message of ours to replace instead (its native id)."""
        if reply_to is not None and reply_to == self.event.native_id:
            self.replied = True
        if chat.is_private and chat.chat_id == self.event.author.user_id:
            self.sent_privately = True
        if not chat.is_private and (chat.platform, chat.chat_id) == (
                self.event.chat.platform, self.event.chat.chat_id):
            about = (self.participant.id, *about)
        msg = OutboundMessage(
            chat=chat,
            text=rtl_marked(text, self.language),
            format=format,
            reply_to_native_id=reply_to,
            buttons=buttons or [],
            attachments=attachments or [],
            poll=poll,
            dedupe_key=dedupe_key,
            tag=tag,
            audience=audience,
            **({"action": "edit", "target_native_id": edit} if edit else {}),
        )
        await self.services.outbox.enqueue(msg, priority=priority, about=about)

    async def refuse(self, text: str, *, buttons: list[list[Button]] | None = None,
                     about: Iterable[int] = ()) -> None:
        """Answer why it was not done, and report the command as refused."""
        self.outcome = Outcome.REFUSED
        await self.reply(text, buttons=buttons, about=about)

    def reply_message(self, text: str) -> OutboundMessage:
        """What `reply(text)` would enqueue, for a caller that must deliver it another way
        (the dispatcher's apology when the database cannot store it)."""
        return OutboundMessage(chat=self.event.chat, text=rtl_marked(text, self.language),
                               reply_to_native_id=self.event.native_id,
                               audience=Audience.ASKER)
