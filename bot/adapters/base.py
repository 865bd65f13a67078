"""The contract between the core and a platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.model import ChatRef, Event, OutboundMessage

Publish = Callable[[Event], Awaitable[None]]
# Interface language -> [(command name, translated one-line help)], participant commands only.
CommandMenu = dict[str, list[tuple[str, str]]]


class DeliveryError(Exception):
    """Base of what `send` may raise; anything else counts as a transient failure."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (429) or failed transiently (5xx, network)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):
    """The message can never be delivered (bot blocked, chat gone, message invalid)."""

    def __init__(self, reason: str, recipient_unreachable: bool = False):
        super().__init__(reason)
        self.recipient_unreachable = recipient_unreachable


class PlatformAdapter(Protocol):
    platform: str
    capabilities: frozenset[str]  # "edit", "delete_events", "native_polls", "buttons", ...

    async def start(self, publish: Publish) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, msg: OutboundMessage) -> str:
        """Deliver one message; return its native id (the first part's, if split)."""
        ...

    async def edit(self, chat: ChatRef, native_id: str, msg: OutboundMessage) -> None: ...

    async def delete(self, chat: ChatRef, native_id: str) -> None: ...
