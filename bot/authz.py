"""Who is a facilitator: listed in the config for one of their accounts, or granted in chat."""

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

    def is_listed(self, platform: str, user_id: str) -> bool:
        if platform == "console" and user_id in self.console_facilitators:
            return True
        return user_id in getattr(self.listed, platform, ())

    async def is_facilitator(self, participant_id: int) -> bool:
        for account in await self.participants.accounts_of(participant_id):
            if self.is_listed(account.platform, account.user_id):
                return True
        return await self.roles.has(participant_id, FACILITATOR)
