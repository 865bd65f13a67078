"""Soak (issue 9, item 6): a simulated community against the bot for SOAK_SECONDS (default
600), then a drain; results in bench/results/soak.json.

Two processes, so the bot's memory is the bot's alone:
- the community (a child process): the fake Telegram and Discord servers with Telegram's
  flood limits on, 250 people on each platform. Every second, at an accelerated pace, they
  write in a Telegram group and a Discord channel linked by a bridge (relayed both ways),
  send private commands (/help, /whoami, /units, /remind in 1 minute …, /remind list), and
  a facilitator launches a survey that people answer as they get its questions;
- the bot (this process): the real bot, SQLite file, scheduler and outbox, connected to the
  child's servers over loopback.

Every 15 s the bot's side samples resident memory, Python objects and tasks, the outbox's
unfinished messages per platform and the database size; the child reports what people sent
and received and how many 429s the servers answered. "No unbounded growth" is judged on the
second half of the run: memory slope and whether the queue drains once people stop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import rss_mib, write_result

PEOPLE = 250  # on each platform
SAMPLE_EVERY = 15.0


# --- the community (child process) ---------------------------------------------------------
def community(conn: Connection, seconds: float, seed: int) -> None:
    asyncio.run(_community(conn, seconds, seed))


async def _community(conn: Connection, seconds: float, seed: int) -> None:
    from tests.fakes.discord_server import FakeDiscord
    from tests.fakes.telegram_limits import FloodLimits
    from tests.fakes.telegram_server import FakeTelegram

    rng = random.Random(seed)
    async with FakeTelegram() as tg:
        tg.limits = FloodLimits()
        dc = await FakeDiscord().start()
        group = tg.add_group("Academy FR")
        languages = ["fr", "es", "pt", "ar", "en"]
        tg_people = [tg.add_user(f"TG{i}", language_code=languages[i % 5])
                     for i in range(PEOPLE)]
        dc_people = [dc.add_user(f"dc{i}", display_name=f"DC{i}") for i in range(PEOPLE)]
        facilitator = tg.add_user("Facilitator", language_code="en")
        conn.send({"telegram": (tg.api_base_url, tg.file_base_url), "group": group["id"],
                   "discord": (dc.api_base_url, dc.gateway_url), "general": dc.general,
                   "facilitator": facilitator["id"]})
        await asyncio.to_thread(conn.recv)  # the bot is up (its loop must keep serving)
        counts = {"group_posts": 0, "channel_posts": 0, "private_commands": 0,
                  "survey_answers": 0}
        answered: dict[int, int] = {}  # person -> id of the last bot message answered
        started = time.monotonic()
        next_report = started + SAMPLE_EVERY
        tick = 0
        while (now := time.monotonic()) < started + seconds:
            tick += 1
            # ~3 group posts, ~2 channel posts and ~2 private commands a second.
            if rng.random() < 0.6:
                tg.push_text(rng.choice(tg_people), f"message {tick} on Telegram, merci !",
                             group)
                counts["group_posts"] += 1
            if rng.random() < 0.4:
                await dc.user_says(rng.choice(dc_people), f"message {tick} from Discord",
                                   channel=dc.general)
                counts["channel_posts"] += 1
            if rng.random() < 0.4:
                person = rng.choice(tg_people)
                command = rng.choice(["help", "whoami", "units", "remind list",
                                      f"remind in 1 minute soak note {tick}"])
                name, _, args = command.partition(" ")
                tg.push_command(person, name, args)
                counts["private_commands"] += 1
            if tick == 50:
                tg.push_command(facilitator, "survey", "start impact")
            if tick % 10 == 0:
                counts["survey_answers"] += _answer_surveys(tg, tg_people[:60], answered, rng)
            if now >= next_report:
                next_report += SAMPLE_EVERY
                conn.send({"at": now - started, **counts, **_received(tg, dc, group)})
                _forget(tg, dc)
            await asyncio.sleep(0.2)
        conn.send({"at": time.monotonic() - started, "done": True, **counts})
        await asyncio.to_thread(conn.recv)  # drained or given up: report
        conn.send({"final": True, **counts, **_received(tg, dc, group),
                   "telegram_429s_by_limit": dict(tg.limits.refused_by)})
        await asyncio.to_thread(conn.recv)  # the bot has stopped: the servers may go
        await dc.close()


def _answer_surveys(tg: Any, people: list[Any], answered: dict[int, int],
                    rng: random.Random) -> int:
    """Whoever got a new question from the bot answers it: a button if it has some, else
    a few words."""
    done = 0
    for person in people:
        mine = tg.messages.get(person["id"], [])
        last = next((m for m in reversed(mine) if m.get("from", {}).get("is_bot")), None)
        if last is None or answered.get(person["id"]) == last["message_id"]:
            continue
        answered[person["id"]] = last["message_id"]
        rows = last.get("reply_markup", {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row if b.get("callback_data")]
        if buttons:
            tg.press_button(person, last, rng.choice(buttons)["callback_data"])
            done += 1
        elif "?" in last.get("text", ""):
            tg.push_text(person, "We started a small exchange with a partner ministry.")
            done += 1
    return done


_seen = {"telegram": 0, "discord": 0}


def _received(tg: Any, dc: Any, group: Any) -> dict[str, int]:
    _seen["telegram"] += sum(1 for c in tg.calls if c.method.startswith("send")
                             and c.status == 200)
    _seen["discord"] += len(dc.sent)
    return {"bot_messages_telegram": _seen["telegram"], "bot_messages_discord": _seen["discord"],
            "telegram_429s": tg.limits.refused if tg.limits else 0}


def _forget(tg: Any, dc: Any) -> None:
    """The fakes keep every request; a 10-minute run would fill this process, and the
    counts above are kept as running totals instead."""
    tg.calls.clear()
    dc.sent.clear()
    if hasattr(dc, "requests"):
        dc.requests.clear()
    for chat_id, messages in tg.messages.items():
        if len(messages) > 50:
            tg.messages[chat_id] = messages[-50:]


# --- the bot (this process) ----------------------------------------------------------------
async def soak(tmp: Path, seconds: float) -> dict[str, Any]:
    from bot.adapters.discord import DiscordAdapter
    from bot.adapters.telegram import TelegramAdapter
    from bot.app import Bot
    from bot.platforms import command_menu
    from tests.fakes.discord_server import TOKEN as DISCORD_TOKEN
    from tests.fakes.telegram_server import TOKEN as TELEGRAM_TOKEN
    from tests.harness import demo_cohort, make_config

    errors = _ErrorCounter()
    logging.getLogger().addHandler(errors)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=community, args=(child, seconds, 7), daemon=True)
    proc.start()
    world = parent.recv()
    config = make_config(
        tmp,
        telegram={"api_base_url": world["telegram"][0], "file_base_url": world["telegram"][1],
                  "poll_timeout": 1},
        discord={"api_base_url": world["discord"][0], "gateway_url": world["discord"][1]},
        facilitators={"telegram": [str(world["facilitator"])]},
        cohorts=[demo_cohort(channels=[{"platform": "telegram", "chat_id": world["group"]},
                                       {"platform": "discord", "chat_id": world["general"]}])],
        bridges=[{"name": "academy", "channels": [
            {"platform": "telegram", "chat_id": world["group"], "language": "fr"},
            {"platform": "discord", "chat_id": world["general"], "language": "en"}]}])
    bot = await Bot.create(config)
    menu = command_menu(bot.services)
    await bot.add_platform(TelegramAdapter(config.telegram, TELEGRAM_TOKEN, menu))
    await bot.add_platform(DiscordAdapter(config.discord, DISCORD_TOKEN, menu,
                                          ready_timeout=20, guild_ready_timeout=0.05))
    gc.collect()
    parent.send("go")
    samples: list[dict[str, Any]] = []
    community_counts: dict[str, Any] = {}
    started = time.monotonic()
    try:
        while True:
            await asyncio.sleep(0.5)
            while parent.poll():
                community_counts = parent.recv()
            if community_counts.get("done") or time.monotonic() - started > seconds + 60:
                break
            if not samples or time.monotonic() - started >= samples[-1]["at"] + SAMPLE_EVERY:
                samples.append(await _sample(bot, started, community_counts))
        # People stop; the bot drains what it still owes them (group pacing: 20/min).
        drained_at = None
        for _ in range(240):
            left = sum([await bot.services.outbox.repo.unfinished(p)
                        for p in ("telegram", "discord")])
            if left == 0:
                drained_at = time.monotonic() - started
                break
            await asyncio.sleep(1)
        samples.append(await _sample(bot, started, community_counts))
        parent.send("report")
        final = await asyncio.to_thread(parent.recv)
    finally:
        await bot.close()
        parent.send("bye")
        proc.join(10)
        logging.getLogger().removeHandler(errors)
    return _figures(samples, final, drained_at, seconds, errors.count)


async def _sample(bot: Any, started: float, counts: dict[str, Any]) -> dict[str, Any]:
    repo = bot.services.outbox.repo
    db = bot.services.config.database_path
    return {
        "at": round(time.monotonic() - started, 1),
        "rss_mib": round(rss_mib(), 1),
        "python_objects": len(gc.get_objects()),
        "tasks": len(asyncio.all_tasks()),
        "outbox_unfinished": {p: await repo.unfinished(p) for p in ("telegram", "discord")},
        "db_mib": round(sum(f.stat().st_size for f in db.parent.glob(db.name + "*"))
                        / 2**20, 2),
        "community": {k: v for k, v in counts.items() if k != "at"},
    }


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope, per minute."""
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var \
        if var else 0.0


def _figures(samples: list[dict[str, Any]], final: dict[str, Any], drained_at: float | None,
             seconds: float, errors: int) -> dict[str, Any]:
    load = [s for s in samples if s["at"] <= seconds]
    second_half = [s for s in load if s["at"] >= seconds / 2]
    depth = [sum(s["outbox_unfinished"].values()) for s in load]
    return {
        "seconds_of_load": seconds,
        "participants": 2 * PEOPLE,
        "rss_mib_first_sample": samples[0]["rss_mib"],
        "rss_mib_at_half": second_half[0]["rss_mib"] if second_half else None,
        "rss_mib_end_of_load": load[-1]["rss_mib"] if load else None,
        "rss_mib_after_drain": samples[-1]["rss_mib"],
        "rss_slope_mib_per_min_second_half": round(
            _slope([(s["at"], s["rss_mib"]) for s in second_half]), 3),
        "objects_slope_per_min_second_half": round(
            _slope([(s["at"], s["python_objects"]) for s in second_half]), 1),
        "tasks_max": max(s["tasks"] for s in samples),
        "outbox_depth_max": max(depth, default=0),
        "outbox_depth_end_of_load": depth[-1] if depth else None,
        "outbox_drained_after_load_s": round(drained_at - seconds, 1)
        if drained_at is not None else None,
        "db_mib_end": samples[-1]["db_mib"],
        "errors_logged": errors,
        "community": final,
        "samples": samples,
    }


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def main() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(soak(Path(tmp), seconds))
    write_result("soak", figures, notes=(
        "Bot in this process, community (fake Telegram with flood limits + fake Discord, "
        f"{2 * PEOPLE} people) in a child process. Slopes are least squares over the second "
        "half of the load. The Telegram group takes 20 posts a minute: relayed Discord "
        "messages are merged, so the queue depth is bounded by pacing, not by load."))


if __name__ == "__main__":
    main()
