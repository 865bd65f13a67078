"""Webhook against long polling, one worker (issue 18 item 3).

`PEOPLE` people each send `EACH` /help commands at once to the bot on the fake Telegram,
first polled, then by webhook (the fake posts like the Bot API server: one update per chat
in flight, up to `webhook_max_connections` at once, the next of a chat after the answer).
Measured: commands handled per second (from the first pushed to the last reply
delivered) and the reply latency per command, p50/p99. Everything in one process, pacing
lifted (as in the relay benchmark) so that the bot, not Telegram's limits, is measured.
The webhook waits for each update to be handled before the chat's next one: that is the
price of per-chat order across workers, measured here on one worker.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

PEOPLE = int(os.environ.get("BENCH_WEBHOOK_PEOPLE", "100"))
EACH = int(os.environ.get("BENCH_WEBHOOK_EACH", "5"))


async def one_mode(webhook: bool) -> dict[str, float]:
    from tests.harness_telegram import open_telegram

    with tempfile.TemporaryDirectory() as tmp:
        async with open_telegram(Path(tmp), webhook=webhook) as tg:
            people = [tg.user(f"person{i}") for i in range(PEOPLE)]
            await tg.send("person0", "/start")  # warm up: the first command loads things
            before = {p["id"]: len(tg.fake.bot_messages(p)) for p in people}
            pushed: dict[int, list[float]] = {p["id"]: [] for p in people}
            start = time.perf_counter()
            for _ in range(EACH):
                for person in people:
                    tg.fake.push_text(person, "/help")
                    pushed[person["id"]].append(time.perf_counter())
            latencies: list[float] = []
            seen = dict(before)

            def count() -> bool:
                now = time.perf_counter()
                for person in people:
                    replies = len(tg.fake.bot_messages(person))
                    while seen[person["id"]] < replies:
                        n = seen[person["id"]] - before[person["id"]]
                        if n < EACH:
                            latencies.append(now - pushed[person["id"]][n])
                        seen[person["id"]] += 1
                return len(latencies) >= PEOPLE * EACH

            await tg.fake.wait_for(count, timeout=300)
            elapsed = time.perf_counter() - start
    latencies.sort()
    return {"commands_per_second": PEOPLE * EACH / elapsed,
            "latency_p50_s": statistics.median(latencies),
            "latency_p99_s": latencies[int(len(latencies) * 0.99) - 1]}


async def run() -> dict[str, float | int]:
    figures: dict[str, float | int] = {"people": PEOPLE, "commands_each": EACH}
    for name, webhook in (("polling", False), ("webhook", True)):
        for key, value in (await one_mode(webhook)).items():
            figures[f"{name}_{key}"] = round(value, 4)
    return figures


def main() -> None:
    from bench.common import write_result

    figures = asyncio.run(run())
    write_result("webhook", figures, notes=(
        f"{PEOPLE} people x {EACH} /help at once, one worker, fake Telegram, pacing lifted; "
        "latency from the push at the fake to the reply stored there"))


if __name__ == "__main__":
    main()
