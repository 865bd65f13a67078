"""The composition root: builds every service once and wires features and platforms."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TextIO
from zoneinfo import ZoneInfo

from bot import timeline
from bot.adapters.base import PlatformAdapter, Publish
from bot.adapters.console import ConsoleAdapter, ConsoleUser
from bot.authz import Authorizer
from bot.buttons import ButtonTokens
from bot.chat_lanes import ChatLanes
from bot.clock import Clock
from bot.commands import CommandRegistry
from bot.config import Config
from bot.content.academy import Academy, load_academy
from bot.conversations import Conversations
from bot.credentials import Secrets
from bot.delivery_timing import RetryPolicy, retrying
from bot.dispatch import Dispatcher
from bot.i18n import Catalogs
from bot.ops.metrics import BotMetrics
from bot.ops.server import OpsServer
from bot.outbox import Outbox
from bot.platforms import platform_adapters, settle_memory, stop_on_signals
from bot.scheduler import Scheduler
from bot.services import Services
from bot.translation import build_translator
from bot.translation.detect import LanguageDetector
from bot.translation.service import TranslationService
from bot.web.access import WebAccess
from bot.web.server import WebServer
from handlers import (
    admin,
    announcements,
    catalogue,
    cohorts,
    dashboard,
    engagement,
    feedback,
    onboarding,
    polls,
    practices,
    privacy,
    relay,
    reminders,
    resources,
    surveys,
    units,
)
from handlers.cohorts import Cohorts
from handlers.relay import NoTranslation, Relay, Translating
from storage.activity import ActivityRepository
from storage.announcements import AnnouncementRepository
from storage.audit import AuditLog
from storage.backends import open_database
from storage.bridges import BridgeRepository
from storage.buttons import ButtonTokenRepository
from storage.chats import ChatRepository
from storage.cohorts import EnrolmentRepository
from storage.conversations import ConversationRepository
from storage.db import Database
from storage.links import LinkRepository
from storage.outbox import OutboxRepository
from storage.participants import ParticipantRepository
from storage.polls import PollRepository
from storage.post_learning import PostLearningRepository
from storage.practices import PracticeRepository
from storage.privacy import PersonalData
from storage.relay_map import RelayMap
from storage.roles import RoleRepository
from storage.schedules import ScheduleRepository
from storage.surveys import SurveyRepository
from storage.translation_cache import TranslationCache
from storage.units import UnitStore

log = logging.getLogger("bot.app")

# Every feature package; each registers its commands in its one setup(): explicit wiring.
FEATURES: tuple[ModuleType, ...] = (
    onboarding, cohorts, privacy, reminders, announcements, relay, admin, polls, units,
    surveys, engagement, feedback, resources,  # resources after surveys: it extends /gaps
    practices, dashboard, catalogue,
)


@dataclass(frozen=True)
class Wired:
    """The services, and what sits above them: the registry the dispatcher routes with
    and the scheduler that runs the features' timed kinds."""

    services: Services
    registry: CommandRegistry
    scheduler: Scheduler


def register(features: Iterable[ModuleType]) -> CommandRegistry:
    registry = CommandRegistry()
    for feature in features:
        feature.setup(registry)
    return registry


async def build_services(config: Config, clock: Clock | None = None,
                         features: Iterable[ModuleType] = FEATURES) -> Wired:
    clock = clock or Clock()
    db = open_database(config.database_path, config.storage.url)
    await db.open()
    async with db.closed_on_failure():
        return await _wire(config, db, clock, register(features))


async def _wire(config: Config, db: Database, clock: Clock,
                registry: CommandRegistry) -> Wired:
    participants = ParticipantRepository(db)
    roles = RoleRepository(db)
    schedules = ScheduleRepository(db)
    scheduler = Scheduler(schedules, clock, registry.timed)
    outbox_repo = OutboxRepository(db, lease=config.outbox.claim_seconds,
                                   chat_gaps=config.chat_gaps(),
                                   send_intervals=config.send_intervals())
    # A send in flight at a crash may have been accepted an instant before it: wait one
    # per-chat interval (a Telegram group's is 3 s) before trying it again.
    requeued = await outbox_repo.requeue_in_flight(not_before=clock.timestamp() + 3.0)
    if requeued:
        log.info("re-queued %d message(s) that were being sent when the bot stopped", requeued)
    tokens = ButtonTokens(ButtonTokenRepository(db), clock)
    await tokens.prune()
    outbox = Outbox(outbox_repo, clock, RetryPolicy(max_attempts=config.outbox.max_attempts),
                    senders=config.outbox.senders_per_platform, tokens=tokens,
                    # Other workers queue and free messages too: look again every second.
                    poll=1.0 if db.dialect == "postgres" else None)
    catalogs = Catalogs(tuple(config.bot.languages), config.bot.default_language)
    services = Services(
        config=config,
        db=db,
        clock=clock,
        catalogs=catalogs,
        participants=participants,
        chats=ChatRepository(db),
        roles=roles,
        audit=AuditLog(db),
        outbox=outbox,
        authorizer=Authorizer(config.facilitators, participants, roles,
                              by_cohort={c.code: c.facilitators for c in config.cohorts}),
        registry=registry,
        schedules=schedules,
        announcements=AnnouncementRepository(db),
        activity=ActivityRepository(db),
        links=LinkRepository(db),
        polls=PollRepository(db),
        practices=PracticeRepository(db),
        personal_data=PersonalData(db),
        surveys=SurveyRepository(db),
        units=UnitStore(db),
        post_learning=PostLearningRepository(db),
        relay=Relay(BridgeRepository(db), RelayMap(db), outbox, catalogs,
                    await build_translation(config, db)),
        scheduler=scheduler,
        cohorts=await Cohorts.load(config, EnrolmentRepository(db),
                                   clock.now().astimezone(ZoneInfo(config.bot.timezone)).date()),
        academy=load_content(config),
        conversations=Conversations(ConversationRepository(db), clock,
                                    registry.conversations),
        web=WebAccess.configured(config.web, clock, os.environ),
    )
    services.cohorts.on_enrolled.extend(registry.enrolled)

    async def mark_unreachable(item, msg, failure) -> None:  # type: ignore[no-untyped-def]
        if failure.recipient_unreachable and msg.chat.is_private:
            await participants.mark_unreachable(msg.chat.platform, msg.chat.chat_id, str(failure))

    services.outbox.on_failed.append(mark_unreachable)
    services.outbox.on_sent.append(services.relay.record_sent)
    await sync_bridges(config, services)
    for hook in registry.startup:
        await hook(services)
    return Wired(services, registry, scheduler)


async def print_timeline(config: Config, cohort_code: str | None, out: TextIO) -> int:
    """`python -m bot timeline`: the features' plans, without connecting anywhere."""
    wired = await build_services(config)
    return await timeline.print_timeline(wired.services, wired.registry.timeline, cohort_code,
                                         out)


def load_content(config: Config) -> Academy | None:
    """The academy's content; a broken file is logged (`python -m bot check` shows the
    same list) and left out, the rest is used."""
    if not config.content.academy:
        return None
    academy, problems = load_academy(config.resolve(config.content.academy))
    for problem in problems:
        log.error("content: %s", problem)
    return academy


async def build_translation(config: Config, db: Database) -> Translating:
    """The relay's translation: nothing to load without an engine; with one, the language
    detector's models are loaded now, off the event loop (~0.8 s, ~150 MB)."""
    section = config.translation
    translator = build_translator(section, os.environ)
    if translator.name == "none":
        return NoTranslation()
    detector = LanguageDetector(config.bot.languages, section.glossary)
    await detector.load()
    return TranslationService(translator, TranslationCache(db, section.cache_max_entries),
                              detector, section.glossary, section.deadline_seconds)


async def sync_bridges(config: Config, services: Services) -> None:
    """Bridges declared in the config exist in the database; chat-made ones stay."""
    bridges = services.relay.bridges
    for declared in config.bridges:
        bridge_id = await bridges.id_of(declared.name) or await bridges.create(
            declared.name, None, services.clock.timestamp(), from_config=True)
        assert bridge_id is not None
        for ch in declared.channels:
            await bridges.join(bridge_id, ch.platform, ch.chat_id, "group", ch.language,
                               ch.title)
            await services.chats.ensure(ch.platform, ch.chat_id, "group", ch.title,
                                        services.clock.now())
            await services.chats.set_language(ch.platform, ch.chat_id, ch.language)


@dataclass
class Bot:
    """A running bot: services, dispatcher and the platforms it is connected to."""

    services: Services
    dispatcher: Dispatcher
    # Platforms hand their events to the lanes: chats concurrently, each chat in order.
    lanes: ChatLanes
    registry: CommandRegistry
    scheduler: Scheduler
    adapters: list[PlatformAdapter] = field(default_factory=list)
    connected: set[str] = field(default_factory=set)  # platforms whose start() succeeded
    metrics: BotMetrics | None = None  # set by the ops endpoint, before platforms attach
    web: WebServer | None = None  # the web side, when [web] is enabled and its port opened
    _connectors: list[asyncio.Task[None]] = field(default_factory=list, init=False)

    @classmethod
    async def create(cls, config: Config, clock: Clock | None = None,
                     features: Iterable[ModuleType] = FEATURES) -> Bot:
        wired = await build_services(config, clock, features)
        services, scheduler = wired.services, wired.scheduler
        async with services.db.closed_on_failure(scheduler.stop, services.relay.close):
            await scheduler.start(services)
        dispatcher = Dispatcher(services, wired.registry)
        # Late-bound, so a wrapped dispatcher (tests, benchmarks) is the one called.
        bot = cls(services, dispatcher, ChatLanes(lambda event: dispatcher.handle(event)),
                  wired.registry, scheduler)
        if isinstance(services.web, WebAccess):
            server = WebServer(services, services.web, wired.registry.web)
            bot.web = server if await server.start() else None
        return bot

    async def add_platform(self, adapter: PlatformAdapter) -> None:
        """Connect a platform now; a failure to connect propagates."""
        self._attach(adapter)
        await adapter.start(self._publisher(adapter))
        self.connected.add(adapter.platform)

    def _attach(self, adapter: PlatformAdapter) -> None:
        delivering = self.metrics.metered(adapter) if self.metrics else adapter
        self.services.outbox.attach(delivering, self.services.config.limits(adapter.platform))
        self.adapters.append(adapter)

    def _publisher(self, adapter: PlatformAdapter) -> Publish:
        # A Telegram webhook answers once its update is handled (chat order, see lanes).
        return self.lanes.publisher(getattr(adapter, "acknowledges_handled", False))

    def supervise(self, adapter: PlatformAdapter, backoff: RetryPolicy | None = None
                  ) -> asyncio.Task[None]:
        """Connect a platform in the background, retrying with backoff until it works, so
        one platform being down never keeps the others from running. Messages for it
        wait in the outbox meanwhile."""
        backoff = backoff or RetryPolicy(max_delay=60.0)  # reconnects: tried for ever
        self._attach(adapter)

        async def failed(exc: Exception, pause: float) -> None:
            log.warning("%s: cannot connect (%s: %s); retrying in %.0fs",
                        adapter.platform, type(exc).__name__, exc, pause)
            with contextlib.suppress(Exception):
                await adapter.stop()

        async def connect() -> None:
            await retrying(lambda: adapter.start(self._publisher(adapter)), backoff,
                           retry_if=lambda exc: True, before_retry=failed, for_ever=True)
            self.connected.add(adapter.platform)
            log.info("%s: connected", adapter.platform)

        task = asyncio.create_task(connect(), name=f"connect-{adapter.platform}")
        self._connectors.append(task)
        return task

    async def close(self) -> None:
        """Shut down in reverse order: web pages and platforms, then delivery, then the
        database."""
        if self.web is not None:
            await self.web.stop()
        await self.scheduler.stop()
        self.connected.clear()
        for task in self._connectors:
            task.cancel()
        await asyncio.gather(*self._connectors, return_exceptions=True)
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping %s failed", adapter.platform)
        await self.lanes.close()
        await self.services.outbox.stop()
        await self.services.relay.close()
        await self.services.db.close()


async def run_console(config: Config, user: str | None = None, language: str | None = None,
                      facilitator: bool = False, reader: TextIO | None = None,
                      writer: TextIO | None = None) -> int:
    reader = reader or sys.stdin
    clock = Clock()
    bot = await Bot.create(config, clock)
    services = bot.services
    name = user or config.console.user
    if facilitator:
        services.authorizer.console_facilitators.add(name)
    if language:  # asked for on the command line: it wins over what is stored
        account = await services.participants.account("console", name)
        if account is not None:
            await services.participants.set_language(account.participant_id, language)
    console = ConsoleAdapter(
        user=ConsoleUser(name, language or config.console.language),
        reader=reader,
        writer=writer or sys.stdout,
        clock=clock,
        settle=lambda: settle_console(bot),
        on_advance=lambda _delta: bot.scheduler.run_due(clock.now(), rehearse=True),
        grant_facilitator=services.authorizer.console_facilitators.add,
        interactive=reader.isatty(),
    )
    try:
        await bot.add_platform(console)
        runner = asyncio.create_task(console.run())
        stop = stop_on_signals()
        done, _pending = await asyncio.wait({runner, stop}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            runner.result()
        else:
            runner.cancel()
    finally:
        await bot.close()
    return 0


async def settle_console(bot: Bot) -> None:
    """What the console waits for after each line: the event handled, the replies out."""
    await bot.lanes.wait_idle()
    await bot.services.outbox.wait_idle("console")


async def run(config: Config, secrets: Secrets) -> int:
    """Start every platform whose token is set; with none, the console."""
    if not (secrets.telegram_token or secrets.discord_token):
        log.info("no platform token set: starting the console platform")
        return await run_console(config)
    bot = await Bot.create(config)
    ops = OpsServer.for_bot(config.ops, bot) if config.ops.enabled else None
    try:
        if ops is not None:
            await ops.start()
        for adapter in platform_adapters(bot.services, secrets):
            bot.supervise(adapter)
        settle_memory()
        await stop_on_signals()
    finally:
        if ops is not None:
            await ops.stop()
        try:
            await asyncio.wait_for(bot.close(), timeout=5)
        finally:  # a close cut short must not leave aiosqlite's thread keeping us alive
            await bot.services.db.close()
    return 0
