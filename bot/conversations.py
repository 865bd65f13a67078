"""Conversations: "this participant's next private text, /skip and /cancel go to feature X".

One registry, one owner per participant. A feature registers its kind of conversation in
its `setup()` (`CommandRegistry.add_conversation`, which also brings /skip and /cancel) and
says when it starts waiting for an answer (`services.conversations.begin`) and when it
stops (`end`). The dispatcher gives a private text to the owner before any other message
handler, and /skip and /cancel go to the owner's steps (bot/conversation_steps.py), so
that they work wherever the bot waits for an answer and the order of the features does
not matter.

Decisions:
- A new conversation REPLACES the old one (the latest thing the person started is what
  they answer): a survey left half-answered does not swallow the answers of a practice
  walk-through begun later. The replaced feature keeps its own state (a survey session, a
  practice draft): its own command resumes it, and `begin` makes it the owner again.
- The owner is stored (table `conversations`), so a walk-through survives a restart as
  the features' own state does; an owner may expire (the /forgetme question, after ten
  minutes).
- The feature's state stays the truth: a step answers False when it was not waiting after
  all (a draft paused elsewhere); the conversation then ends, and the text goes on to the
  other message handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from storage.conversations import ConversationRepository

# A step gets the handler's Context (bot/context.py, which sits above Services and so is
# not imported here) and answers True when it took the event, False when it was not
# waiting after all.
Step = Callable[[Any], Awaitable[bool]]


@dataclass(frozen=True)
class Conversation:
    kind: str  # the feature's name for it: "practice", "survey", "forgetme"
    on_text: Step
    on_skip: Step | None = None  # None: nothing to skip in this conversation
    on_cancel: Step | None = None
    # Its steps store what is typed: not run for someone without consent (bot/consent.py).
    needs_consent: bool = False


@dataclass
class Conversations:
    """Who waits for whose answer (the service on Services)."""

    repo: ConversationRepository
    clock: Clock
    kinds: Mapping[str, Conversation]

    async def begin(self, participant_id: int, kind: str, *,
                    within: timedelta | None = None) -> str | None:
        """`kind` waits for this participant's answer now (for `within`, or until `end`),
        replacing the conversation they were in; returns the kind replaced, if another."""
        if kind not in self.kinds:
            raise ValueError(f"conversation {kind!r} is not registered")
        now = self.clock.timestamp()
        expires = now + within.total_seconds() if within is not None else None
        return await self.repo.begin(participant_id, kind, now, expires)

    async def end(self, participant_id: int, kind: str) -> None:
        await self.repo.end(participant_id, kind)

    async def owner(self, participant_id: int) -> Conversation | None:
        """The conversation waiting for this participant's answer, if any."""
        kind = await self.repo.owner(participant_id, self.clock.timestamp())
        return self.kinds.get(kind) if kind is not None else None
