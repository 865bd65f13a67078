"""The services every handler may use, built once by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.authz import Authorizer
from bot.clock import Clock
from bot.cohorts import Cohorts
from bot.commands import CommandRegistry
from bot.config import Config
from bot.content.academy import Academy
from bot.i18n import Catalogs, LanguagePack
from bot.outbox import Outbox
from bot.relay import Relay
from bot.scheduler import Scheduler
from bot.web.access import WebAccess
from storage.announcements import AnnouncementRepository
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.db import Database
from storage.participants import ParticipantRepository
from storage.roles import RoleRepository
from storage.schedules import ScheduleRepository


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    catalogs: Catalogs
    participants: ParticipantRepository
    chats: ChatRepository
    roles: RoleRepository
    audit: AuditLog
    outbox: Outbox
    authorizer: Authorizer
    registry: CommandRegistry
    schedules: ScheduleRepository
    announcements: AnnouncementRepository
    relay: Relay
    scheduler: Scheduler
    cohorts: Cohorts
    academy: Academy | None  # None: no course content configured (or it cannot be read)
    web: WebAccess | None = None  # login links and sessions; None: [web] is not enabled

    def command_prefix(self, platform: str) -> str:
        return self.config.discord.command_prefix if platform == "discord" else "/"

    def default_zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.bot.timezone)

    def language_for(self, *codes: str | None) -> LanguagePack:
        """The first of `codes` that is an interface language, else the default."""
        return self.catalogs.pack(next((c for c in codes if self.catalogs.match(c)), None))
