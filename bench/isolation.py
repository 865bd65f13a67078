"""Isolation: a hanging translation engine costs the others nothing (issue 16).

The LibreTranslate fake never answers. 50 messages a second are written in a bridged
Discord channel (in English, relayed into a French Telegram group, so each needs a
translation), from 200 people, for `SECONDS` seconds, while 10 people send /help to the
bot in private Telegram chats, one after another. Measured:
- command reply latency: from the /help being queued at the fake Telegram to the reply
  reaching it (includes long-poll pickup), p50/p99/max;
- every relayed message: present in the Telegram group, once, with the "translation
  unavailable" mark, and how long after it was written (its lateness beyond the deadline);
- how many requests reached the engine (the circuit breaker stops asking it).
Everything in one process (bot and fakes), platform pacing lifted as in the relay
benchmark, the default 8 s translation deadline.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

SECONDS = float(os.environ.get("BENCH_ISOLATION_SECONDS", "20"))
RATE = 50.0
PEOPLE = 200
ASKERS = 10
MARK = "(traduction indisponible)"


def text_of(n: int) -> str:
    return f"Hello everyone, welcome to the session number {n} of our course."


async def run() -> dict[str, float | int]:
    from tests.test_relay_platforms import relay_world

    with tempfile.TemporaryDirectory() as tmp:
        async with relay_world(Path(tmp)) as w:
            w.lt.mode = "hang"
            deadline = w.config.translation.deadline_seconds
            writers = [w.dc.add_user(f"writer{i}", display_name=f"Writer {i}")
                       for i in range(PEOPLE)]
            askers = [w.tg.add_user(f"asker{i}", language_code="fr") for i in range(ASKERS)]
            written: dict[int, float] = {}
            latencies: list[float] = []
            total = int(SECONDS * RATE)

            async def write() -> None:
                start = time.monotonic()
                for n in range(total):
                    await asyncio.sleep(max(0.0, start + n / RATE - time.monotonic()))
                    written[n] = time.monotonic()
                    await w.dc.user_says(writers[n % PEOPLE], text_of(n), channel=w.dc.general)

            async def ask() -> None:
                await asyncio.sleep(1.0)  # the first relayed message is already stuck
                n = 0
                while time.monotonic() - started < SECONDS:
                    asker = askers[n % ASKERS]
                    n += 1
                    before = len(w.tg.bot_messages(asker["id"]))
                    sent = time.monotonic()
                    w.tg.push_text(asker, "/help")
                    await w.tg.wait_for(lambda a=asker, b=before:
                                        len(w.tg.bot_messages(a["id"])) > b, 30)
                    latencies.append(time.monotonic() - sent)
                    await asyncio.sleep(0.1)

            started = time.monotonic()
            await asyncio.gather(write(), ask())
            group = w.group["id"]
            last = f"session number {total - 1} "
            await w.tg.wait_for(lambda: any(
                last in str(c.params.get("text", "")) for c in w.tg.calls
                if c.method == "sendMessage" and str(c.params.get("chat_id")) == str(group)),
                deadline + 30)
            await asyncio.sleep(2)  # anything doubled would show up now
            posts = [c for c in w.tg.calls if c.method == "sendMessage" and c.status == 200
                     and str(c.params.get("chat_id")) == str(group)]
            arrived: dict[int, list[float]] = {}
            marked: set[int] = set()
            for call in posts:
                text = str(call.params.get("text", ""))
                for line_no, line in enumerate(text.split("\n")):
                    for n in _numbers_in(line):
                        arrived.setdefault(n, []).append(call.at)
                        following = text.split("\n")[line_no + 1:line_no + 2]
                        if MARK in line or (following and MARK in following[0]):
                            marked.add(n)
            delays = [arrived[n][0] - written[n] for n in written if n in arrived]
            q = statistics.quantiles(latencies, n=100)
            d = statistics.quantiles(delays, n=100)
            return {
                "seconds": SECONDS,
                "relayed_per_s": RATE,
                "deadline_s": deadline,
                "relayed_written": len(written),
                "relayed_lost": sum(n not in arrived for n in written),
                "relayed_doubled": sum(len(v) > 1 for v in arrived.values()),
                "relayed_without_mark": sum(n not in marked for n in arrived),
                "relay_delay_p50_s": d[49],
                "relay_delay_max_s": max(delays),
                "relayed_later_than_deadline_plus_1s": sum(x > deadline + 1 for x in delays),
                "engine_requests": len(w.lt.requests),
                "command_samples": len(latencies),
                "command_latency_p50_s": q[49],
                "command_latency_p99_s": q[98],
                "command_latency_max_s": max(latencies),
            }


def _numbers_in(line: str) -> list[int]:
    marker = "session number "
    found = []
    start = line.find(marker)
    while start >= 0:
        digits = ""
        for ch in line[start + len(marker):]:
            if not ch.isdigit():
                break
            digits += ch
        if digits:
            found.append(int(digits))
        start = line.find(marker, start + 1)
    return found


def main() -> None:
    from bench.common import write_result

    figures = asyncio.run(run())
    write_result("isolation", figures, notes=(
        "One process: bot, fake Discord, fake Telegram and a LibreTranslate fake that never "
        "answers. 50 English messages/s from 200 people in a Discord channel bridged with a "
        "French Telegram group (each needs a translation), pacing lifted; meanwhile 10 people "
        "send /help in private Telegram chats in turn. Command latency: from the update "
        "queued at the fake to the reply accepted by it. Relay delay: from the message "
        "written on Discord to its copy accepted by the fake Telegram."))


if __name__ == "__main__":
    main()
