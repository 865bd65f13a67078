"""The relay: bridges between chats, copies (translated or not) and their edits and
deletions. Other features use `Relay` and `NoTranslation` from here."""

from bot.commands import CommandRegistry
from bot.ports import Translating
from handlers.relay import bridges, commands
from handlers.relay.router import NoTranslation, Relay

__all__ = ["NoTranslation", "Relay", "Translating", "setup"]


def setup(registry: CommandRegistry) -> None:
    commands.setup(registry)
    bridges.setup(registry)
