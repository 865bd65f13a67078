"""The services every handler may use, built once by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.authz import Authorizer
from bot.clock import Clock
from bot.commands import CommandRegistry
from bot.config import Config
from bot.i18n import Catalogs
from bot.outbox import Outbox
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.db import Database
from storage.participants import ParticipantRepository
from storage.roles import RoleRepository


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

    def command_prefix(self, platform: str) -> str:
        return self.config.discord.command_prefix if platform == "discord" else "/"

    def default_zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.bot.timezone)
