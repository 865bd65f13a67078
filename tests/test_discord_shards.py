"""Discord sharding: the real adapter (discord.py's AutoShardedClient) against the fake
gateway, which routes each guild's events to shard (guild_id >> 22) % shard_count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from bot.adapters.discord import DiscordAdapter
from bot.app import Bot
from bot.platforms import command_menu
from tests.fakes.discord_server import TOKEN, FakeDiscord
from tests.harness import make_config
from tests.harness_discord import UNPACED, HandledEvents

# Guild ids whose shard (of 2) is known: (id >> 22) % 2.
GUILD_ON_SHARD_0 = 1000 << 22
GUILD_ON_SHARD_1 = 1001 << 22


@asynccontextmanager
async def worker(tmp_path: Path, fake: FakeDiscord, **shards: object
                 ) -> AsyncIterator[tuple[Bot, HandledEvents]]:
    config = make_config(tmp_path, discord={
        "api_base_url": fake.api_base_url, "gateway_url": fake.gateway_url, **UNPACED,
        **shards})
    bot = await Bot.create(config)
    handled = HandledEvents(bot.dispatcher.handle)
    bot.dispatcher.handle = handled  # type: ignore[method-assign]
    try:
        await bot.add_platform(DiscordAdapter(config.discord, TOKEN, command_menu(bot.services),
                                              ready_timeout=20, guild_ready_timeout=0.05))
        yield bot, handled
    finally:
        await bot.close()


def texts(handled: HandledEvents) -> set[str]:
    return {e.text for e in handled.events}


async def two_guilds() -> tuple[FakeDiscord, int, int]:
    fake = await FakeDiscord().start()
    _g0, general0 = fake.add_guild("Cohort A", GUILD_ON_SHARD_0)
    _g1, general1 = fake.add_guild("Cohort B", GUILD_ON_SHARD_1)
    return fake, general0, general1


async def test_one_worker_runs_both_shards_and_hears_every_guild(tmp_path: Path) -> None:
    fake, general0, general1 = await two_guilds()
    try:
        async with worker(tmp_path, fake, shard_count=2) as (_bot, handled):
            assert sorted(fake.identified) == [(0, 2), (1, 2)]
            ana = fake.add_user("ana")
            await fake.user_says(ana, "hello from A", channel=general0)
            await fake.user_says(ana, "hello from B", channel=general1)
            await fake.wait_for(lambda: {"hello from A", "hello from B"} <= texts(handled),
                                what="both guilds' messages")
    finally:
        await fake.close()


async def test_a_worker_given_shard_1_of_2_handles_only_its_guilds(tmp_path: Path) -> None:
    fake, general0, general1 = await two_guilds()
    try:
        async with worker(tmp_path, fake, shard_ids=[1], shard_count=2) as (bot, handled):
            assert fake.identified == [(1, 2)]
            ana = fake.add_user("ana")
            await fake.user_says(ana, "for shard 0", channel=general0)
            await fake.user_says(ana, "for shard 1", channel=general1)
            await fake.wait_for(lambda: "for shard 1" in texts(handled), what="shard 1's")
            await bot.lanes.wait_idle()
            assert "for shard 0" not in texts(handled)
            adapter = bot.adapters[0]
            assert isinstance(adapter, DiscordAdapter) and adapter.client is not None
            assert {g.id for g in adapter.client.guilds} == {
                g for g in fake.guilds if (g >> 22) % 2 == 1}
    finally:
        await fake.close()


async def test_two_workers_share_the_guilds_between_them(tmp_path: Path) -> None:
    fake, general0, general1 = await two_guilds()
    try:
        async with AsyncExitStack() as stack:
            (bot0, handled0) = await stack.enter_async_context(
                worker(tmp_path / "w0", fake, shard_ids=[0], shard_count=2))
            (bot1, handled1) = await stack.enter_async_context(
                worker(tmp_path / "w1", fake, shard_ids=[1], shard_count=2))
            ana = fake.add_user("ana")
            await fake.user_says(ana, "to A", channel=general0)
            await fake.user_says(ana, "to B", channel=general1)
            await fake.wait_for(lambda: "to A" in texts(handled0) and "to B" in texts(handled1),
                                what="each worker's guild")
            await bot0.lanes.wait_idle()
            await bot1.lanes.wait_idle()
            assert "to B" not in texts(handled0) and "to A" not in texts(handled1)
    finally:
        await fake.close()
