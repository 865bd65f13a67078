"""Discord sharding with discord.py's own machinery: a worker runs the shards it is given.

Without `[discord] shard_count`, one plain connection carries every guild (what a bot
in fewer than 2,500 guilds needs). With it, the client is discord.py's
`AutoShardedClient`: `shard_ids` lists the shards this worker runs (each worker of a
deployment gets its own list, together covering 0 .. shard_count - 1); without
`shard_ids`, this worker runs them all. Discord sends a guild's events to shard
`(guild_id >> 22) % shard_count` and direct messages to shard 0, so the worker running
shard 0 is the one that hears DMs and slash commands in DMs. discord.py waits 5 s
between the IDENTIFYs of its shards, as Discord's identify limit asks.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.base import Publish
from bot.adapters.discord_inbound import GatewayClient, PendingInteractions
from bot.config import DiscordSection

INTENTS = dict(guilds=True, members=True, message_content=True, guild_messages=True,
               dm_messages=True, guild_polls=True, dm_polls=True)


class ShardedGatewayClient(GatewayClient, discord.AutoShardedClient):
    """Our listeners on discord.py's sharded client (same events, several gateways)."""


def gateway_client(settings: DiscordSection, publish: Publish, pending: PendingInteractions,
                   guild_joined: Any, **options: Any) -> GatewayClient:
    intents = discord.Intents(**INTENTS)
    if settings.shard_count is None:
        return GatewayClient(publish, settings.command_prefix, pending, guild_joined,
                             intents=intents, **options)
    return ShardedGatewayClient(publish, settings.command_prefix, pending, guild_joined,
                                intents=intents, shard_count=settings.shard_count,
                                shard_ids=settings.shard_ids, **options)
