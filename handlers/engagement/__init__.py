"""Engagement: the animation plan (quiet prompts) and /stats."""

from bot.commands import CommandRegistry
from handlers.engagement import animation, stats
from handlers.engagement.animation import Target, targets

# The cohort's chats with their languages (its channels and the chats bridged with them).
__all__ = ["Target", "setup", "targets"]


def setup(registry: CommandRegistry) -> None:
    animation.setup(registry)
    stats.setup(registry)
