"""Small typed protocols for what Services holds but must not import. The composition
root (bot/app.py) plugs the implementations in: handlers/cohorts provides the cohort
directory and handlers/relay the relay router (the kernel never imports a feature); the
command registry (bot/commands.py) and the scheduler (bot/scheduler.py) sit above
Services, since their handlers receive it, so Services sees them through narrow views."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.model import Event, OutboundMessage
from storage.bridges import BridgeChannel, BridgeRepository
from storage.cohorts import EnrolmentRepository
from storage.outbox import OutboxItem
from storage.relay_map import RelayMap


class CommandInfo(Protocol):
    """A registered command as /help shows it (bot/commands.py: Command)."""

    @property
    def name(self) -> str: ...
    @property
    def help(self) -> str: ...
    @property
    def usage(self) -> str: ...
    @property
    def facilitator_only(self) -> bool: ...
    @property
    def participant_help(self) -> str: ...
    @property
    def subcommands(self) -> Mapping[str, Any]: ...

    def participant_usage(self, usage: str) -> str: ...


class CommandCatalogue(Protocol):
    """The registered commands, read-only (bot/commands.py: CommandRegistry)."""

    def get(self, name: str) -> CommandInfo | None: ...
    def visible_to(self, facilitator: bool) -> Sequence[CommandInfo]: ...


class Rearming(Protocol):
    """The scheduler as features see it: re-read the schedules after a change."""

    async def rearm(self) -> None: ...


class CohortView(Protocol):
    """A cohort as the kernel reads it (timeline, scope, the animation plan)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def zone(self) -> ZoneInfo: ...
    @property
    def channels(self) -> frozenset[tuple[str, str]]: ...
    @property
    def prelearning_start(self) -> date: ...
    @property
    def face_to_face_start(self) -> date: ...
    @property
    def face_to_face_end(self) -> date: ...
    @property
    def impact_survey(self) -> date: ...

    def moment(self, day: date, at: time | None = None) -> datetime: ...


# Someone joined a cohort: (services, cohort, participant id); features register these.
EnrolHandler = Callable[[Any, Any, int], Awaitable[None]]


class CohortDirectory(Protocol):
    """The configured cohorts and who is enrolled where (handlers/cohorts: Cohorts)."""

    repo: EnrolmentRepository
    on_enrolled: list[EnrolHandler]

    def all(self) -> Sequence[Any]: ...
    def get(self, code: str) -> Any | None: ...
    def of_chat(self, platform: str, chat_id: str) -> Any | None: ...
    async def of_participant(self, participant_id: int) -> Sequence[Any]: ...
    async def enrol(self, services: Any, cohort: Any, participant_id: int,
                    via: str) -> bool: ...
    async def facilitated_by(self, services: Any, participant_id: int) -> Sequence[Any]: ...


class TranslationOutcome(Protocol):
    @property
    def source(self) -> str | None: ...
    @property
    def texts(self) -> dict[str, str]: ...
    @property
    def failed(self) -> set[str]: ...


class Translating(Protocol):
    async def translate_for(self, text: str, targets: set[str], source_hint: str | None = None,
                            received_at: float | None = None) -> TranslationOutcome: ...

    async def close(self) -> None: ...


class RelayRouter(Protocol):
    """Copies between bridged chats (handlers/relay: Relay)."""

    bridges: BridgeRepository
    relay_map: RelayMap
    translator: Translating

    async def channel_of(self, event: Event) -> BridgeChannel | None: ...
    async def targets_of(self, event: Event) -> list[BridgeChannel] | None: ...
    async def relay(self, event: Event, participant_id: int, targets: list[BridgeChannel],
                    now: float) -> tuple[int, float]: ...
    async def edit(self, event: Event, now: float) -> int: ...
    async def delete(self, event: Event) -> int: ...
    async def record_sent(self, item: OutboxItem, msg: OutboundMessage,
                          native_id: str) -> None: ...
    async def close(self) -> None: ...


class LoginLinks(Protocol):
    """The web side's login links (bot/web/access.py: WebAccess), which sit above
    Services: /dashboard only asks for one."""

    def issue(self, participant_id: int) -> str: ...
