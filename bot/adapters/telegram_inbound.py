"""Telegram updates → neutral events. Pure functions: no network, no state.

Telegram facts this relies on: a private chat's id is the user's id; a command is
`/name` or `/name@botusername` at the start of a message (case-insensitive); service
messages (someone joined, a pinned message) carry no text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, Message, Poll, PollAnswer, Update, User

from bot.model import Attachment, AttachmentKind, ChatKind, ChatRef, Event, EventKind, UserRef

PLATFORM = "telegram"
# Telegram's command syntax: up to 32 letters, digits and underscores, maybe "@botname".
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,32}))?(?=\s|$)")
# What the adapter asks Telegram for; everything else is not delivered at all.
# "poll": the new state of a poll the bot sent (anonymous polls' totals come only so).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "poll", "poll_answer"]


def user_ref(user: User) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.full_name, is_bot=user.is_bot,
                   language_hint=user.language_code)


def chat_ref(chat: Chat, thread_id: int | None = None) -> ChatRef:
    if chat.type == Chat.PRIVATE:
        return ChatRef(PLATFORM, str(chat.id), ChatKind.PRIVATE)
    return ChatRef(PLATFORM, str(chat.id), ChatKind.GROUP,
                   thread_id=str(thread_id) if thread_id else None, title=chat.title)


def private_chat(user: User) -> ChatRef:
    return ChatRef(PLATFORM, str(user.id), ChatKind.PRIVATE)


def events_for(update: Update, bot_username: str) -> list[Event]:
    """The events one update means; empty for what the bot ignores (unknown update
    types, service messages, commands addressed to another bot)."""
    if update.message is not None:
        return _from_message(update, update.message, bot_username)
    if update.edited_message is not None:
        return _from_edit(update, update.edited_message)
    if update.callback_query is not None:
        return _from_callback(update, update.callback_query)
    if update.poll_answer is not None:
        return _from_poll_answer(update, update.poll_answer)
    if update.poll is not None:
        return _from_poll(update, update.poll)
    return []


def _thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


def _from_message(update: Update, message: Message, bot_username: str) -> list[Event]:
    chat = chat_ref(message.chat, _thread(message))
    if message.new_chat_members:
        return [Event(kind=EventKind.MEMBER_JOINED, platform=PLATFORM, chat=chat,
                      author=user_ref(member), timestamp_utc=message.date,
                      native_id=str(message.message_id))
                for member in message.new_chat_members if not member.is_bot]
    author = message.from_user
    text = message.text or message.caption or ""
    attachments = _attachments(message)
    # Channel posts and anonymous group admins have no person behind them.
    if author is None or (not text and not attachments):
        return []
    event = Event(kind=EventKind.MESSAGE, platform=PLATFORM, chat=chat, author=user_ref(author),
                  timestamp_utc=message.date, native_id=str(message.message_id), text=text,
                  attachments=attachments)
    if message.reply_to_message is not None:
        event.reply_to_native_id = str(message.reply_to_message.message_id)
    command = _COMMAND.match(message.text or "")
    if command:
        name, target = command.groups()
        if target and target.casefold() != bot_username.casefold():
            return []  # "/help@otherbot": meant for another bot in the group
        event.kind = EventKind.COMMAND
        event.command = name.lower()
        event.args = text[command.end():].split()
    return [event]


def _attachments(message: Message) -> list[Attachment]:
    if message.document is not None:
        doc = message.document
        return [Attachment(AttachmentKind.DOCUMENT, doc.file_name or "document", doc.file_size,
                           native_id=doc.file_id, mime=doc.mime_type)]
    if message.photo:  # the sizes Telegram made of one photo, smallest first
        largest = message.photo[-1]
        return [Attachment(AttachmentKind.PHOTO, "photo.jpg", largest.file_size,
                           native_id=largest.file_id, mime="image/jpeg")]
    return []


def _from_edit(update: Update, message: Message) -> list[Event]:
    if message.from_user is None or message.text is None:
        return []
    return [Event(kind=EventKind.EDIT, platform=PLATFORM,
                  chat=chat_ref(message.chat, _thread(message)),
                  author=user_ref(message.from_user),
                  timestamp_utc=message.edit_date or message.date,
                  native_id=str(message.message_id), text=message.text)]


def _from_callback(update: Update, query: CallbackQuery) -> list[Event]:
    if query.data is None:  # a game button: nothing of ours
        return []
    carrier = query.message
    # An inline-mode message has no chat we know: answer the presser privately.
    chat = chat_ref(carrier.chat) if carrier is not None else private_chat(query.from_user)
    return [Event(kind=EventKind.CALLBACK, platform=PLATFORM, chat=chat,
                  author=user_ref(query.from_user), timestamp_utc=datetime.now(UTC),
                  native_id=str(carrier.message_id) if carrier is not None else None,
                  pressed_native_id=str(carrier.message_id) if carrier is not None else None,
                  callback_data=query.data)]


def _from_poll_answer(update: Update, answer: PollAnswer) -> list[Event]:
    if answer.user is None:  # voted as an anonymous channel
        return []
    return [Event(kind=EventKind.POLL_ANSWER, platform=PLATFORM, chat=private_chat(answer.user),
                  author=user_ref(answer.user), timestamp_utc=datetime.now(UTC),
                  native_id=answer.poll_id, poll_id=answer.poll_id,
                  option_ids=list(answer.option_ids))]


def _from_poll(update: Update, poll: Poll) -> list[Event]:
    """A poll's new state (sent for the bot's own polls when a count changes or the poll
    is stopped): the totals of an anonymous poll, whose votes arrive no other way. A
    public poll's state adds nothing to its poll_answer updates: ignored."""
    if not poll.is_anonymous:
        return []
    return [Event(kind=EventKind.POLL_TOTALS, platform=PLATFORM,
                  chat=ChatRef(PLATFORM, "", ChatKind.GROUP),
                  author=UserRef(PLATFORM, "", "Telegram"), timestamp_utc=datetime.now(UTC),
                  native_id=poll.id, poll_id=poll.id,
                  option_counts=[option.voter_count for option in poll.options],
                  voter_count=poll.total_voter_count)]
