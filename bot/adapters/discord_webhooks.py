"""Relayed messages on Discord appear under their author's name, through one webhook per
channel that the bot finds or creates ("SSTC relay"), when it may manage webhooks."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger("bot.discord")
WEBHOOK_NAME = "SSTC relay"
# Discord refuses webhook names containing these words, and names over 80 characters.
_FORBIDDEN_IN_NAMES = ("discord", "clyde")


def webhook_username(attribution: str) -> str | None:
    """The display name for a relayed message, or None when Discord would refuse it."""
    name = attribution.strip()[:80]
    if not name or any(word in name.lower() for word in _FORBIDDEN_IN_NAMES):
        return None
    return name


class RelayWebhooks:
    def __init__(self) -> None:
        # channel id -> our webhook, or None when we may not manage webhooks there.
        self._hooks: dict[int, discord.Webhook | None] = {}

    def forget(self) -> None:
        self._hooks.clear()

    async def for_channel(self, client: discord.Client, channel_id: int
                          ) -> discord.Webhook | None:
        if channel_id in self._hooks:
            return self._hooks[channel_id]
        hook: discord.Webhook | None = None
        try:
            channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
            if isinstance(channel, discord.TextChannel) and client.user is not None:
                existing = [h for h in await channel.webhooks() if h.name == WEBHOOK_NAME
                            and h.user is not None and h.user.id == client.user.id]
                hook = existing[0] if existing else await channel.create_webhook(
                    name=WEBHOOK_NAME, reason="relay between linked chats")
        except discord.Forbidden:
            log.info("discord: no permission to manage webhooks in channel %s; relayed "
                     "messages there are posted by the bot with the author's name", channel_id)
        self._hooks[channel_id] = hook
        return hook
