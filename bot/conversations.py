"""Conversations: "this participant's next private text, /skip and /cancel go to feature X".

One registry, one owner per participant. A feature registers its kind of conversation in
its `setup()` (`CommandRegistry.add_conversation`, which also brings /skip and /cancel) and
says when it starts waiting for an answer (`Conversations.begin`) and when it stops
(`end`). The dispatcher gives a private text to the owner before any other message
handler, and /skip and /cancel go to the owner's steps, so that they work wherever the bot waits
for an answer and the order of the features does not matter.

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

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.consent import has_consent
from bot.i18n import N_, _
from storage.conversations import ConversationRepository

if TYPE_CHECKING:
    from bot.context import Context

# A step answers True when it took the event, False when it was not waiting after all.
Step = Callable[["Context"], Awaitable[bool]]

NOTHING_TO_SKIP = N_("There is nothing to skip right now.")
NOTHING_TO_CANCEL = N_("There is nothing to cancel right now.")


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
    repo: ConversationRepository
    clock: Clock
    kinds: dict[str, Conversation]

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

    async def current(self, ctx: Context, consented: bool) -> Conversation | None:
        """The conversation waiting for the reader's answer in this private chat."""
        if not ctx.event.chat.is_private or not ctx.participant.id:
            return None
        kind = await self.repo.owner(ctx.participant.id, self.clock.timestamp())
        found = self.kinds.get(kind) if kind is not None else None
        if found is None or (found.needs_consent and not consented):
            return None
        return found

    async def take_text(self, ctx: Context, consented: bool) -> bool:
        """A private text to the conversation waiting for it; False: none took it."""
        found = await self.current(ctx, consented)
        if found is None:
            return False
        if await found.on_text(ctx):
            return True
        await self.end(ctx.participant.id, found.kind)
        return False

    async def command(self, ctx: Context, skip: bool) -> None:
        """/skip or /cancel: the owner's step, or "there is nothing to …"."""
        found = await self.current(ctx, has_consent(ctx.participant))
        step = (found.on_skip if skip else found.on_cancel) if found is not None else None
        if step is not None and await step(ctx):
            return
        if found is not None and step is not None:  # it was not waiting after all
            await self.end(ctx.participant.id, found.kind)
        await ctx.reply(_(NOTHING_TO_SKIP if skip else NOTHING_TO_CANCEL))


async def skip(ctx: Context) -> None:
    await ctx.services.conversations.command(ctx, skip=True)


async def cancel(ctx: Context) -> None:
    await ctx.services.conversations.command(ctx, skip=False)
