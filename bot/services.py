"""The services every handler may use, built once by the composition root (bot/app.py):
the kernel's services, every repository (features never build one from the database), and
the features' services the kernel knows only by their protocols (bot/ports.py)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.adapters.capabilities import DECLARED, declared
from bot.authz import Authorizer
from bot.capabilities import Capabilities
from bot.clock import Clock
from bot.config import Config
from bot.content.academy import Academy
from bot.conversations import Conversations
from bot.i18n import Catalogs, LanguagePack
from bot.outbox import Outbox
from bot.ports import CohortDirectory, CommandCatalogue, LoginLinks, Rearming, RelayRouter
from storage.activity import ActivityRepository
from storage.announcements import AnnouncementRepository
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.db import Database
from storage.links import LinkRepository
from storage.participants import ParticipantRepository
from storage.polls import PollRepository
from storage.post_learning import PostLearningRepository
from storage.practices import PracticeRepository
from storage.privacy import PersonalData
from storage.roles import RoleRepository
from storage.schedules import ScheduleRepository
from storage.surveys import SurveyRepository
from storage.units import UnitStore


@dataclass
class Services:
    config: Config
    db: Database  # for the composition root's wiring and closing only: no feature reads it
    clock: Clock
    catalogs: Catalogs
    participants: ParticipantRepository
    chats: ChatRepository
    roles: RoleRepository
    audit: AuditLog
    outbox: Outbox
    authorizer: Authorizer
    registry: CommandCatalogue  # the dispatcher holds the full CommandRegistry
    schedules: ScheduleRepository
    announcements: AnnouncementRepository
    activity: ActivityRepository
    links: LinkRepository
    polls: PollRepository
    practices: PracticeRepository
    personal_data: PersonalData
    surveys: SurveyRepository
    units: UnitStore
    post_learning: PostLearningRepository
    relay: RelayRouter  # handlers/relay's, plugged in by the composition root
    scheduler: Rearming  # bot/scheduler.py's Scheduler: the composition root runs it
    cohorts: CohortDirectory  # handlers/cohorts', plugged in by the composition root
    academy: Academy | None  # None: no course content configured (or it cannot be read)
    # Whose answer the bot waits for, and which feature takes it (bot/conversations.py).
    conversations: Conversations
    web: LoginLinks | None = None  # bot/web's login links; None: [web] is not enabled

    def capabilities(self, platform: str) -> Capabilities:
        """What `platform` can do: as its running adapter declares, else as declared."""
        running = getattr(self.outbox.adapter(platform), "capabilities", None)
        return running if isinstance(running, Capabilities) else declared(platform)

    def mentioned_user(self, text: str) -> str | None:
        """The user id in `text` when it is a mention as a platform writes them (a Discord
        mention copied into a command anywhere)."""
        return next((found for platform in DECLARED
                     if (found := self.capabilities(platform).mentioned_user(text))), None)

    def command_prefix(self, platform: str) -> str:
        return self.config.discord.command_prefix if platform == "discord" else "/"

    def default_zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.bot.timezone)

    def language_for(self, *codes: str | None) -> LanguagePack:
        """The first of `codes` that is an interface language, else the default."""
        return self.catalogs.pack(next((c for c in codes if self.catalogs.match(c)), None))
