"""Who is a facilitator, and of which cohorts: listed in the config for one of their accounts
(top level: every cohort; in a [[cohorts]] entry: that cohort only), or granted in chat
(every cohort)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import FacilitatorsSection
from storage.participants import ParticipantRepository
from storage.roles import RoleRepository

FACILITATOR = "facilitator"


@dataclass
class Authorizer:
    listed: FacilitatorsSection
    participants: ParticipantRepository
    roles: RoleRepository
    # Console users started with --facilitator or `:as NAME LANG facilitator`: the
    # console is a local terminal, so whoever holds it is trusted.
    console_facilitators: set[str] = field(default_factory=set)
    # Cohort code -> the facilitators listed for that cohort only.
    by_cohort: dict[str, FacilitatorsSection] = field(default_factory=dict)

    def is_listed(self, platform: str, user_id: str) -> bool:
        """Listed for every cohort."""
        if platform == "console" and user_id in self.console_facilitators:
            return True
        return user_id in getattr(self.listed, platform, ())

    def _cohorts_listing(self, platform: str, user_id: str) -> set[str]:
        return {code for code, listed in self.by_cohort.items()
                if user_id in getattr(listed, platform, ())}

    async def is_facilitator(self, participant_id: int) -> bool:
        """A facilitator of at least one cohort (facilitator-only commands are open to
        them; what each command shows is limited by `cohort_scope`)."""
        return await self.cohort_scope(participant_id) != set()

    async def cohort_scope(self, participant_id: int) -> set[str] | None:
        """The cohorts this person facilitates: None for every cohort, an empty set for a
        participant who facilitates none."""
        codes = await self.listed_scope(participant_id)
        if codes is None or await self.roles.has(participant_id, FACILITATOR):
            return None
        return codes

    async def listed_scope(self, participant_id: int) -> set[str] | None:
        """The cohorts this person facilitates through the config's listing of one of their
        accounts alone (roles granted in chat aside), as in `cohort_scope`."""
        codes: set[str] = set()
        for account in await self.participants.accounts_of(participant_id):
            if self.is_listed(account.platform, account.user_id):
                return None
            codes |= self._cohorts_listing(account.platform, account.user_id)
        return codes
