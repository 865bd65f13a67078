"""Benchmarks (a) and (b): a broadcast to 5,000 Telegram private chats through the real
outbox, the real python-telegram-bot and the fake Telegram server enforcing Telegram's
limits with real 429s (30/s overall with Telegram's 10% slack, i.e. at most 33 sends in any
second; 1/s per chat, 20/min per group), with the default pacing; and, during it, the
latency of replies to commands sent by ten other people.

(a) achieved rate as a fraction of the configured rate (and of Telegram's 30/s), messages
lost, duplicated, and 429s provoked. (b) command-reply latency p50/p99, from the update
being available to the bot until the reply reaches the server.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "5000"))
ASKERS = 10
SENDERS = int(os.environ.get("BENCH_SENDERS", "8"))
TEXT = "Welcome to the academy"
TELEGRAM_LIMIT = 30  # documented sends per second
TELEGRAM_SLACK = 3  # +10%: the fake refuses the 34th send within one second


async def run() -> dict[str, float | int]:
    from bot.adapters.telegram import TelegramAdapter
    from bot.app import Bot
    from bot.platforms import command_menu
    from storage.participants import ParticipantRepository
    from tests.fakes.telegram_limits import FloodLimits
    from tests.fakes.telegram_server import TOKEN, FakeTelegram
    from tests.harness import make_config
    from tests.harness_telegram import telegram_id

    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegram() as fake:
            fake.limits = FloodLimits(overall_per_second=TELEGRAM_LIMIT + TELEGRAM_SLACK,
                                      per_chat_per_second=1,
                                      per_group_per_minute=20)
            ids = [telegram_id(f"p{i}") for i in range(RECIPIENTS)]
            for i, uid in enumerate(ids):
                fake.add_user(f"p{i}", user_id=uid)
            askers = [fake.add_user(f"asker{i}", user_id=telegram_id(f"asker{i}"))
                      for i in range(ASKERS)]
            facilitator = fake.add_user("fac", user_id=telegram_id("fac"))
            config = make_config(
                Path(tmp), telegram={"api_base_url": fake.api_base_url,
                                     "file_base_url": fake.file_base_url, "poll_timeout": 1},
                facilitators={"telegram": [str(facilitator["id"])]},
                outbox={"senders_per_platform": SENDERS})
            bot = await Bot.create(config)
            repo = ParticipantRepository(bot.services.db)
            for i, uid in enumerate(ids):
                await repo.ensure("telegram", str(uid), f"p{i}", datetime.now(UTC))
            await bot.add_platform(TelegramAdapter(config.telegram, TOKEN,
                                                   command_menu(bot.services)))
            configured = config.telegram.messages_per_second
            try:
                fake.push_command(facilitator, "announce", f"participants {TEXT}")
                latencies: list[float] = []

                async def ask() -> None:
                    await asyncio.sleep(3)  # the broadcast is under way
                    n = 0
                    while len(latencies) < 100:
                        asker = askers[n % ASKERS]
                        n += 1
                        before = len(fake.bot_messages(asker))
                        started = time.monotonic()
                        fake.push_command(asker, "help")
                        await fake.wait_for(lambda a=asker, b=before:
                                            len(fake.bot_messages(a)) > b, 30)
                        latencies.append(time.monotonic() - started)
                        await asyncio.sleep(0.15)

                asker_task = asyncio.create_task(ask())
                # Cheap progress check (this loop is shared with the bot being measured):
                # look only at the server's new calls, twice a second.
                reached: set[str] = set()
                seen = 0
                deadline = time.monotonic() + 600
                while len(reached) < RECIPIENTS and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    new, seen = fake.calls[seen:], len(fake.calls)
                    reached.update(str(c.params.get("chat_id")) for c in new
                                   if c.method == "sendMessage" and c.status == 200
                                   and TEXT in str(c.params.get("text", "")))
                await asker_task
                await asyncio.sleep(2)  # anything late or doubled would show up now
            finally:
                await bot.close()
            sends = sorted(c.at for c in fake.calls
                           if c.method == "sendMessage" and c.status == 200
                           and TEXT in str(c.params.get("text", "")))
            counts = [sum(TEXT in m.get("text", "") for m in fake.bot_messages(u)) for u in ids]
            duration = sends[-1] - sends[0]
            rate = (len(sends) - 1) / duration
            # The limit is per bot: replies to commands share it with the broadcast.
            all_sends = [c.at for c in fake.calls if c.method == "sendMessage"
                         and c.status == 200 and sends[0] <= c.at <= sends[-1]]
            total_rate = (len(all_sends) - 1) / duration
            q = statistics.quantiles(latencies, n=100)
            return {
                "recipients": RECIPIENTS,
                "senders": SENDERS,
                "configured_rate_per_s": configured,
                "telegram_limit_per_s": TELEGRAM_LIMIT,
                "fake_refuses_above_per_s": TELEGRAM_LIMIT + TELEGRAM_SLACK,
                "broadcast_duration_s": duration,
                "broadcast_rate_per_s": rate,
                "all_sends_rate_per_s": total_rate,
                "fraction_of_configured_rate": total_rate / configured,
                "fraction_of_telegram_limit": total_rate / TELEGRAM_LIMIT,
                "broadcast_fraction_of_telegram_limit": rate / TELEGRAM_LIMIT,
                "broadcast_fraction_of_configured_rate": rate / configured,
                "lost": sum(c == 0 for c in counts),
                "duplicated": sum(c > 1 for c in counts),
                "provoked_429": fake.limits.refused,
                "provoked_429_by_limit": dict(fake.limits.refused_by),
                "reply_samples": len(latencies),
                "reply_latency_p50_s": q[49],
                "reply_latency_p99_s": q[98],
                "reply_latency_max_s": max(latencies),
            }


def main() -> None:
    from bench.common import write_result

    figures = asyncio.run(run())
    write_result("delivery", figures, notes=(
        "One process: bot, outbox (8 senders), python-telegram-bot 22 and the fake Telegram "
        "server on 127.0.0.1 enforcing 30/s overall (+10% slack: it refuses the 34th send "
        "within any second), 1/s per chat, 20/min per group with real 429s; default pacing. "
        "Rates over the span from the first to the last accepted announcement: "
        "all_sends counts every accepted sendMessage in that span (the broadcast and the "
        "replies to commands share the bot's limit); broadcast counts announcements only. "
        "Reply "
        "latency: ten people send /help in turn during the broadcast; from the update being "
        "queued at the server to the reply being accepted by it (includes long-poll pickup)."))


if __name__ == "__main__":
    main()
