"""What a platform can do and its limits: a typed object each adapter declares
(bot/adapters/capabilities.py) and features read through the context
(`ctx.capabilities`, `services.capabilities(platform)`), so that no feature names a
platform or writes its syntax."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import Mention


@dataclass(frozen=True, slots=True)
class Capabilities:
    name: str  # the platform's name as people know it: "Telegram"
    edit: bool = False  # a sent message can be replaced
    buttons: bool = False
    delete_events: bool = False  # the platform tells the bot about deletions
    native_polls: bool = False  # `OutboundMessage.poll` of kind "regular"
    quiz_polls: bool = False  # kind "quiz" too (one right answer); elsewhere: buttons
    anonymous_polls: bool = True  # a poll can hide who voted (Discord's show voters)
    files: bool = False  # attachments with a `path` are uploaded
    # Votes arrive one by one ("add"/"remove"), not as the voter's whole choice.
    incremental_votes: bool = False
    # The platform shows nothing when a vote is taken: the voter is told in words.
    silent_votes: bool = False
    message_length: int = 4096  # longer texts are split by the adapter
    poll_question_length: int = 300
    poll_option_length: int = 100
    poll_options: int = 10
    button_label_length: int = 64
    button_rows: int | None = None  # None: as many rows as needed
    # How a person is named so that the platform links to them; `{user_id}` is replaced.
    mention_syntax: str = "{user_id}"
    # A mention as people type it in a command's arguments; its group 1 is the user id.
    mention_pattern: str | None = None

    def __contains__(self, feature: str) -> bool:
        """`"edit" in capabilities`: whether the flag of that name is set."""
        return getattr(self, feature, False) is True

    def mention(self, person: Mention) -> str:
        """A person of this platform, as the platform links to them."""
        return self.mention_syntax.format(user_id=person.user_id)

    def mentioned_user(self, text: str) -> str | None:
        """The user id in `text` when it is a mention typed on this platform, and only that."""
        found = re.fullmatch(self.mention_pattern, text) if self.mention_pattern else None
        return found.group(1) if found else None

    def fit_label(self, label: str) -> str:
        """A button label within this platform's limit (cut, with an ellipsis)."""
        limit = self.button_label_length
        return label if len(label) <= limit else label[:limit - 1] + "…"
