"""Button tokens: the data a platform carries for a button is a short random token, never
the feature's own "<prefix>:<payload>".

When a message with buttons is enqueued (bot/outbox.py), each button's data is stored in
`button_tokens` with the chat it goes to and, for a private chat, the participant who
reads it; the platform gets "~" and 16 random characters (96 bits: fits Telegram's 64
bytes of callback_data and Discord's 100-character custom_id). A press is resolved here
before the dispatcher routes it: an unknown or expired token, or one pressed by someone
else than the person it was sent to, is refused with "This button no longer works", and
the feature's handler never sees it. Handlers still check what the data asks for against
the state (bot/buttons.py's `parse_int` bounds the numbers in it): a token proves where a
button was sent, not that what it offers is still open.

Buttons sent before tokens existed carry their data written out: such a press is honoured
only when a message the bot sent to that same chat, within the token lifetime, carried a
button with exactly that data (the outbox keeps what it sent). Forged data was never sent,
so it is refused the same way.

Nothing here knows a feature: the registry's callback prefixes are routed as before.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.clock import Clock
from bot.i18n import _
from bot.model import Button, ChatKind, Event, OutboundMessage
from storage.buttons import ButtonToken, ButtonTokenRepository

log = logging.getLogger("bot.buttons")

TOKEN_MARK = "~"
TOKEN_BYTES = 12  # 16 characters of URL-safe base64
# Survey invitations, reminders and unit buttons may be pressed weeks later; a token
# older than this is refused (the feature's command gives fresh buttons) and deleted.
TOKEN_LIFETIME = timedelta(days=120)
PRUNE_EVERY = timedelta(days=1)
# The largest integer SQLite stores: button numbers above it never reach a query.
MAX_INT = 2**63 - 1
_INT = re.compile(r"-?[0-9]{1,19}")


def parse_int(text: str, low: int = 0, high: int = MAX_INT) -> int | None:
    """A whole number written in ASCII digits within [low, high], else None (never an
    exception: button data and typed numbers are whatever a client sends)."""
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= min(high, MAX_INT) else None


def no_longer_works() -> str:
    """The answer to a button that cannot be honoured: old, forged, or someone else's."""
    return _("This button no longer works. Please use the command again.")


def is_token(data: str) -> bool:
    return data.startswith(TOKEN_MARK)


@dataclass
class ButtonTokens:
    repo: ButtonTokenRepository
    clock: Clock
    lifetime: timedelta = TOKEN_LIFETIME
    _pruned_at: float = 0.0

    async def seal(self, msg: OutboundMessage) -> OutboundMessage:
        return (await self.seal_many([msg]))[0]

    async def seal_many(self, messages: list[OutboundMessage]) -> list[OutboundMessage]:
        """The messages with each button's data replaced by a new token, stored."""
        now = self.clock.timestamp()
        tokens: list[ButtonToken] = []
        sealed: list[OutboundMessage] = []
        for msg in messages:
            if not msg.buttons:
                sealed.append(msg)
                continue
            chat = msg.chat
            reader = await self.repo.participant_of(chat.platform, chat.chat_id) \
                if chat.is_private else None
            rows: list[list[Button]] = []
            for row in msg.buttons:
                line = []
                for button in row:
                    if is_token(button.data):  # already sealed
                        line.append(button)
                        continue
                    token = TOKEN_MARK + secrets.token_urlsafe(TOKEN_BYTES)
                    tokens.append(ButtonToken(token, button.data, chat.platform, chat.chat_id,
                                              chat.kind.value, reader, now))
                    line.append(replace(button, data=token))
                rows.append(line)
            sealed.append(replace(msg, buttons=rows))
        await self.repo.add_many(tokens)
        if now - self._pruned_at > PRUNE_EVERY.total_seconds():
            await self.prune()
        return sealed

    async def prune(self) -> int:
        now = self.clock.timestamp()
        self._pruned_at = now
        removed = await self.repo.prune(now - self.lifetime.total_seconds())
        if removed:
            log.info("deleted %d expired button token(s)", removed)
        return removed

    async def resolve(self, event: Event, participant_id: int) -> str | None:
        """The data behind a pressed button, or None when this press is not honoured."""
        data = event.callback_data or ""
        oldest = self.clock.timestamp() - self.lifetime.total_seconds()
        if not is_token(data):
            chat_id = event.author.user_id if event.chat.is_private else event.chat.chat_id
            if ":" in data and len(data) <= 100 and \
                    await self.repo.sent_raw(event.platform, chat_id, data, oldest):
                return data  # a button sent before tokens existed, to this very chat
            return None
        found = await self.repo.get(data) if len(data) <= 64 else None
        if found is None or found.created_at < oldest or found.platform != event.platform:
            return None
        if found.participant_id is not None:
            allowed = found.participant_id == participant_id
        elif found.chat_kind == ChatKind.PRIVATE.value:
            allowed = found.chat_id == event.author.user_id
        else:
            allowed = found.chat_id == event.chat.chat_id
        return found.data if allowed else None

    async def forget(self, participant_id: int, data_prefix: str) -> int:
        """Delete this participant's tokens whose data starts with `data_prefix` (an
        anonymous survey's buttons, once its answers no longer belong to anyone)."""
        return await self.repo.forget(participant_id, data_prefix)
