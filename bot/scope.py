"""What a facilitator command may reach, and the facilitator's scope that enforces it.

Every facilitator command declares its `Reach` in the registry (bot/commands.py); the
dispatcher gives each command and button a `FacilitatorScope`, so a handler asks the scope
("is this chat, this person, this facilitator's object mine?") instead of re-deriving it.

A facilitator of every cohort covers everything. A facilitator of some cohorts covers:
- chats: their cohorts' configured `channels` (a chat only bridged with one is not theirs:
  list it in the cohort's channels to make it so);
- participants: those enrolled in one of their cohorts, and themselves;
- objects made by a facilitator (polls, slots, announcements, bridges): their own, and
  those of facilitators whose cohorts are all among theirs; never those of a facilitator
  of every cohort.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from bot.i18n import _

if TYPE_CHECKING:
    from bot.authz import Authorizer
    from bot.services import Services
    from storage.bridges import BridgeRepository
    from storage.cohorts import EnrolmentRepository


class Reach(Enum):
    """What a facilitator command (or sub-command) may reach."""

    # Acts on objects (posts, polls, slots, schedules, bridges, practices, waves): a
    # facilitator of some cohorts acts only on their cohorts' objects.
    COHORT = "cohort"
    # Shows a report of data: limited to the facilitator's cohorts.
    REPORT = "report"
    # Changes something shared by every cohort: for facilitators of every cohort only.
    ALL_COHORTS = "all cohorts"


@dataclass(frozen=True)
class FacilitatorScope:
    participant_id: int
    codes: frozenset[str] | None  # None: every cohort; empty: no cohort (not a facilitator)
    chats: frozenset[tuple[str, str]] = frozenset()  # (platform, chat_id) of those cohorts
    enrolments: EnrolmentRepository | None = field(default=None, compare=False)
    authorizer: Authorizer | None = field(default=None, compare=False)

    @classmethod
    def nothing(cls) -> FacilitatorScope:
        """The scope of someone who facilitates nothing."""
        return cls(0, frozenset())

    @classmethod
    async def of(cls, services: Services, participant_id: int,
                 codes: set[str] | None = None, *, known: bool = False) -> FacilitatorScope:
        """`participant_id`'s scope; `codes` when the caller already asked the authorizer
        (`known=True`)."""
        if not known:
            codes = await services.authorizer.cohort_scope(participant_id)
        chats = frozenset(chat for cohort in services.cohorts.all()
                          if codes is None or cohort.code in codes
                          for chat in cohort.channels)
        return cls(participant_id, None if codes is None else frozenset(codes), chats,
                   services.cohorts.repo, services.authorizer)

    @property
    def everywhere(self) -> bool:
        """A facilitator of every cohort."""
        return self.codes is None

    @property
    def is_facilitator(self) -> bool:
        return self.codes is None or bool(self.codes)

    def covers_chat(self, platform: str, chat_id: str) -> bool:
        return self.everywhere or (platform, chat_id) in self.chats

    def covers_chats(self, chats: Iterable[tuple[str, str]]) -> bool:
        """Every one of these chats is covered (a facilitator of some cohorts cannot act
        on a thing that also reaches a chat of another cohort)."""
        return all(self.covers_chat(platform, chat_id) for platform, chat_id in chats)

    async def members(self) -> set[int] | None:
        """The participants enrolled in the covered cohorts; None for everyone."""
        if self.codes is None:
            return None
        found: set[int] = set()
        if self.enrolments is not None:
            for code in self.codes:
                found |= {m.participant_id for m in await self.enrolments.members(code)}
        return found

    async def covers_participant(self, participant_id: int | None) -> bool:
        """A participant enrolled in one of the covered cohorts (or the facilitator)."""
        if self.codes is None:
            return True
        if participant_id is None or not self.codes or self.enrolments is None:
            return False
        if participant_id == self.participant_id:
            return True
        return bool(set(await self.enrolments.cohorts_of(participant_id)) & self.codes)

    async def _codes_of(self, participant_id: int) -> set[str] | None:
        assert self.authorizer is not None
        return await self.authorizer.cohort_scope(participant_id)

    async def covers_facilitator(self, participant_id: int | None) -> bool:
        """An object made by this facilitator: theirs, or a facilitator's whose cohorts
        are all among theirs (not one made by a facilitator of every cohort, or by the
        configuration)."""
        if self.codes is None:
            return True
        if participant_id is None or not self.codes or self.authorizer is None:
            return False
        if participant_id == self.participant_id:
            return True
        theirs = await self._codes_of(participant_id)
        return theirs is not None and bool(theirs) and theirs <= self.codes

    async def covers_actor(self, participant_id: int | None) -> bool:
        """An audit entry's actor: a facilitator as in `covers_facilitator`, anyone else
        as in `covers_participant` (an entry whose actor was forgotten is nobody's)."""
        if self.codes is None:
            return True
        if participant_id is None or not self.codes or self.authorizer is None:
            return False
        theirs = await self._codes_of(participant_id)
        if theirs is None:
            return False
        if theirs:
            return await self.covers_facilitator(participant_id)
        return await self.covers_participant(participant_id)

    async def covers_bridge(self, bridges: BridgeRepository, bridge_id: int) -> bool:
        """A bridge whose every chat is covered; an empty one, when its creator is
        (`covers_facilitator`). A bridge that reaches another cohort's chat is not."""
        if self.codes is None:
            return True
        channels = await bridges.channels(bridge_id)
        if channels:
            return self.covers_chats((c.platform, c.chat_id) for c in channels)
        return await self.covers_facilitator(await bridges.created_by(bridge_id))


def not_your_chat(command: str) -> str:
    """The answer to a facilitator of some cohorts who acts in (or into) a chat that is not
    one of their cohorts' (`command` as the reader types it, e.g. "/poll")."""
    return _("This chat is not one of your cohorts' chats: {command} works only in "
             "those.").format(command=command)
