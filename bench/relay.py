"""Benchmark of the translated relay (issue 7): results in bench/results/relay.json.

1. Bot-added latency per relayed message at 50 messages/s, Discord -> Telegram, with an
   instant translator: from the update reaching the dispatcher to the copy reaching the
   (loopback) Telegram server. Platform pacing is lifted: this measures the bot.
2. Translation requests per relayed message, with the LibreTranslate fake: a French message
   into a bridge with two English channels.
3. The burst case: 100 messages in one minute from a busy Discord channel into a Telegram
   group that takes 20 posts a minute (the fake enforces Telegram's limits with real 429s):
   posts per minute, posts, end-to-end delay, every message present and in order.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


class InstantTranslator:
    """Translation that costs nothing, so the figures are the bot's own."""

    async def translate_for(self, text: str, targets: set[str],
                            source_hint: str | None = None) -> Any:
        from bot.relay import Untranslated

        return Untranslated("en", {t: f"[{t}] {text}" for t in targets}, set())

    async def close(self) -> None:
        pass


async def latency(tmp: Path) -> dict[str, Any]:
    from tests.test_relay_platforms import relay_world

    received: dict[str, float] = {}

    def timing(handle: Any) -> Any:
        async def timed(event: Any) -> None:
            if event.text.startswith("bench "):
                received[event.text] = time.monotonic()
            await handle(event)
        return timed

    async with relay_world(tmp, group_per_minute=60_000.0, wrap_dispatch=timing) as w:
        w.bot.services.relay.translator = InstantTranslator()  # pacing lifted above
        people = [w.dc.add_user(f"p{i}", display_name=f"P{i}") for i in range(200)]
        n, rate = 1000, 50.0
        started = time.monotonic()
        for i in range(n):
            await w.dc.user_says(people[i % 200], f"bench {i:04d}", channel=w.dc.general)
            await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.monotonic()))
        await w.tg.wait_for(lambda: len(w.tg.bot_messages(w.group)) >= n, 120)
        arrived = {c.params["text"].split(": ", 1)[-1].removeprefix("[fr] "): c.at
                   for c in w.tg.calls if c.method == "sendMessage"}
        assert len(arrived) == n, "copies were merged: pacing was not lifted"
        delays = [(arrived[text] - t0) * 1000 for text, t0 in received.items()]
        q = statistics.quantiles(delays, n=100)
        return {"relay_messages": n, "offered_rate_per_s": rate,
                "bot_added_latency_p50_ms": q[49], "bot_added_latency_p99_ms": q[98],
                "bot_added_latency_max_ms": max(delays),
                "posts": len(w.tg.bot_messages(w.group))}


async def translation_requests(tmp: Path) -> dict[str, Any]:
    from tests.test_relay_platforms import FRENCH, relay_world

    async with relay_world(tmp, welcome_channel=True) as w:
        # 40 people (one person sending 20 at once would be slowed by the flood guard):
        # 20 distinct French messages, then the same 20 again.
        people = [w.tg.add_user(f"p{i}", language_code="fr") for i in range(40)]
        for i in range(20):
            w.tg.push_text(people[i], f"{FRENCH} Question {i}.", chat=w.group)
        await w.dc.wait_for(lambda: len(w.dc.sent_to(w.dc.welcome)) >= 20, 30, what="copies")
        first = len(w.lt.requests)
        for i in range(20):
            w.tg.push_text(people[20 + i], f"{FRENCH} Question {i}.", chat=w.group)
        await w.dc.wait_for(lambda: len(w.dc.sent_to(w.dc.welcome)) >= 40, 30, what="copies")
        return {"translation_requests_per_message": first / 20,
                "target_channels_per_message": 2,
                "translation_requests_per_repeated_message": (len(w.lt.requests) - first) / 20}


async def burst(tmp: Path) -> dict[str, Any]:
    from tests.fakes.telegram_limits import FloodLimits
    from tests.test_relay_platforms import relay_world

    async with relay_world(tmp, group_per_minute=20.0) as w:
        w.tg.limits = FloodLimits(overall_per_second=30, per_chat_per_second=1,
                                  per_group_per_minute=20)
        people = [w.dc.add_user(f"p{i}", display_name=f"P{i}") for i in range(25)]
        started = time.monotonic()
        for i in range(100):  # 100 messages in one minute
            await w.dc.user_says(people[i % 25], f"burst {i:03d}", channel=w.dc.general)
            await asyncio.sleep(max(0.0, started + (i + 1) * 0.6 - time.monotonic()))
        last_said = time.monotonic()

        def lines() -> list[str]:
            return list(itertools.chain.from_iterable(
                m["text"].split("\n") for m in w.tg.bot_messages(w.group)))

        await w.tg.wait_for(lambda: len(lines()) >= 100, 240)
        done = max(c.at for c in w.tg.calls if c.method == "sendMessage" and c.status == 200)
        numbers = [line.rsplit(" ", 1)[-1] for line in lines()]
        posts = sorted(c.at for c in w.tg.calls if c.method == "sendMessage"
                       and c.status == 200)
        per_minute = max(sum(1 for t in posts[i:] if t < first + 60.0)
                         for i, first in enumerate(posts))
        return {"burst_messages": 100, "burst_seconds": last_said - started,
                "burst_posts": len(posts), "burst_max_posts_in_any_minute": per_minute,
                "burst_in_order_and_complete": numbers == [f"{i:03d}" for i in range(100)],
                "burst_last_delivery_after_first_message_s": done - started,
                "burst_last_delivery_after_last_message_s": done - last_said,
                "burst_429": w.tg.limits.refused}


def main() -> None:
    from bench.common import write_result

    figures: dict[str, Any] = {}
    for part in (latency, translation_requests, burst):
        with tempfile.TemporaryDirectory() as tmp:
            figures.update(asyncio.run(part(Path(tmp))))
    write_result("relay", figures, notes=(
        "One process: the bot with python-telegram-bot and discord.py, the fake Telegram and "
        "Discord servers and the LibreTranslate fake on 127.0.0.1. Latency: Discord -> "
        "Telegram with an instant in-process translator and platform pacing lifted, from the "
        "dispatcher receiving the update to the copy's request arriving at the Telegram "
        "server. Burst: 25 people, 100 messages in 60 s, Telegram's 20 posts/min enforced."))


if __name__ == "__main__":
    main()
