"""The command registry: each feature module registers its commands, buttons and
conversation steps explicitly in its `setup()` (Red's cog pattern)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from bot import conversation_steps
from bot.conversations import Conversation
from bot.i18n import N_
from bot.ports import EnrolHandler
from bot.scope import Reach
from bot.web.routes import WebRoutes

if TYPE_CHECKING:
    from bot.context import Context
    from bot.scheduler import TimedHandler
    from bot.services import Services
    from bot.timeline import TimelineSource

Handler = Callable[["Context"], Awaitable[None]]
# Runs once the services exist, before the scheduler starts (e.g. plan unit releases).
StartupHook = Callable[["Services"], Awaitable[None]]
# A message handler answers True when it consumed the message (e.g. a conversation step).
MessageHandler = Callable[["Context"], Awaitable[bool]]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    help: str  # English, marked with N_() where it is written; translated when shown
    usage: str = ""  # argument synopsis, e.g. "[code]"
    facilitator_only: bool = False
    # What a facilitator-only command may reach (bot/scope.py): required for one.
    scope: Reach | None = None
    # Facilitator sub-commands ("review" of /practice) and what each may reach: those of a
    # command open to everyone, or those whose reach differs from the command's.
    subcommands: Mapping[str, Reach] = field(default_factory=lambda: MappingProxyType({}))
    # What /help says to a participant when `help` names facilitator sub-commands.
    participant_help: str = ""
    # It stores more than the account and language (bot/consent.py): the dispatcher asks
    # for consent first. A facilitator's own commands and sub-commands are not asked.
    needs_consent: bool = False

    def reach_of(self, args: list[str]) -> Reach | None:
        """What this command, with these arguments, may reach; None for a participant's."""
        sub = args[0].lower() if args else ""
        if sub in self.subcommands:
            return self.subcommands[sub]
        return self.scope if self.facilitator_only else None

    def asks_consent(self, args: list[str]) -> bool:
        """Whether this command, with these arguments, needs the reader's consent."""
        return self.needs_consent and self.reach_of(args) is None

    def participant_usage(self, usage: str) -> str:
        """`usage` (as translated) without the facilitator sub-commands' alternatives:
        "[name] | start <name>" -> "[name]", "[off|list]" -> "[off]"."""
        wrapped = usage.startswith("[") and usage.endswith("]") and usage.count("[") == 1
        inner, separator = (usage[1:-1], "|") if wrapped else (usage, " | ")
        kept = [part.strip() for part in inner.split("|")
                if not part.split() or part.split()[0].lower() not in self.subcommands]
        text = separator.join(kept)
        return f"[{text}]" if wrapped and text else text

    def facilitator_forms(self) -> list[str]:
        """The command and sub-commands a facilitator types: "announce", "practice review"."""
        forms = [self.name] if self.facilitator_only else []
        return forms + [f"{self.name} {sub}" for sub in self.subcommands]


@dataclass
class CommandRegistry:
    commands: dict[str, Command] = field(default_factory=dict)
    callbacks: dict[str, Handler] = field(default_factory=dict)
    message_handlers: list[tuple[str, MessageHandler]] = field(default_factory=list)
    # Every event with a known author, before it is routed; they consume nothing (e.g.
    # counting activity) and a failing one does not stop the event.
    observers: list[tuple[str, Handler]] = field(default_factory=list)
    # Other event kinds (member joined, edit, delete, poll answer): every handler runs.
    event_handlers: dict[str, list[Handler]] = field(default_factory=dict)
    # Schedule kinds (bot/scheduler.py) and what to do when one falls due.
    timed: dict[str, TimedHandler] = field(default_factory=dict)
    startup: list[StartupHook] = field(default_factory=list)
    # Someone joined a cohort (handlers/cohorts/roster.py).
    enrolled: list[EnrolHandler] = field(default_factory=list)
    # Button prefixes, message handlers (by name) and event handlers that store more than
    # the account and language: run only for someone who gave consent (bot/consent.py).
    consent_callbacks: set[str] = field(default_factory=set)
    consent_messages: set[str] = field(default_factory=set)
    consent_events: set[int] = field(default_factory=set)
    # What each feature plans to send a cohort, for `python -m bot timeline`.
    timeline: list[TimelineSource] = field(default_factory=list)
    # Kinds of conversation (bot/conversations.py), by kind.
    conversations: dict[str, Conversation] = field(default_factory=dict)
    # Pages of the web side (bot/web/), served when [web] is enabled.
    web: WebRoutes = field(default_factory=WebRoutes)

    def add(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"command /{command.name} is registered twice")
        if command.facilitator_only and command.scope is None:
            raise ValueError(f"facilitator command /{command.name} declares no scope")
        self.commands[command.name] = command

    def add_conversation(self, conversation: Conversation) -> None:
        """A kind of conversation (bot/conversations.py). The first one brings /skip and
        /cancel, which go to whichever conversation waits for the reader's answer."""
        if conversation.kind in self.conversations:
            raise ValueError(f"conversation {conversation.kind!r} is registered twice")
        if not self.conversations:
            self.add(Command("skip", conversation_steps.skip, N_("Skip an optional question")))
            self.add(Command("cancel", conversation_steps.cancel,
                             N_("Pause what you are filling in")))
        self.conversations[conversation.kind] = conversation

    def add_callback(self, prefix: str, handler: Handler, *, needs_consent: bool = False
                     ) -> None:
        """Buttons whose data is `<prefix>:<payload>` go to `handler`."""
        if ":" in prefix or prefix in self.callbacks:
            raise ValueError(f"bad or duplicate callback prefix {prefix!r}")
        self.callbacks[prefix] = handler
        if needs_consent:
            self.consent_callbacks.add(prefix)

    def add_message_handler(self, name: str, handler: MessageHandler, *,
                            needs_consent: bool = False) -> None:
        self.message_handlers.append((name, handler))
        if needs_consent:
            self.consent_messages.add(name)

    def add_observer(self, name: str, handler: Handler) -> None:
        self.observers.append((name, handler))

    def add_event_handler(self, kind: str, handler: Handler, *,
                          needs_consent: bool = False) -> None:
        self.event_handlers.setdefault(kind, []).append(handler)
        if needs_consent:
            self.consent_events.add(id(handler))

    def add_timed(self, kind: str, handler: TimedHandler) -> None:
        if kind in self.timed:
            raise ValueError(f"schedule kind {kind!r} is registered twice")
        self.timed[kind] = handler

    def get(self, name: str) -> Command | None:
        return self.commands.get(name)

    def visible_to(self, facilitator: bool) -> list[Command]:
        return sorted(
            (c for c in self.commands.values() if facilitator or not c.facilitator_only),
            key=lambda c: (c.facilitator_only, c.name),
        )
