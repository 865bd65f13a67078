"""Engagement: the animation plan (quiet prompts) and /stats."""

from bot.commands import CommandRegistry
from handlers.engagement import animation, stats


def setup(registry: CommandRegistry) -> None:
    animation.setup(registry)
    stats.setup(registry)
