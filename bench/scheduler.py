"""Benchmark (c): 100,000 scheduled reminders for 10,000 participants — start-up time and
resident memory of the bot, against registering one APScheduler job per reminder.

Each measurement runs in a fresh subprocess, so memory readings are not polluted by the
set-up. The database is filled first (not timed): 10,000 participants with a Telegram
account each, 10 reminders each, spread over the next 90 days, a tenth of them recurring.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARTICIPANTS = 10_000
PER_PARTICIPANT = 10


async def fill(db_path: Path) -> None:
    from storage.db import Database

    db = Database(db_path)
    await db.open()
    now = time.time()
    rng = random.Random(7)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO participants (id, language, created_at) VALUES (?, ?, '2026-01-01')",
            [(i, rng.choice(["en", "fr", "es", "pt", "ar"])) for i in range(1, PARTICIPANTS + 1)])
        await tx.executemany(
            "INSERT INTO accounts (platform, user_id, participant_id, display_name, linked_at) "
            "VALUES ('telegram', ?, ?, ?, '2026-01-01')",
            [(str(100000 + i), i, f"p{i}") for i in range(1, PARTICIPANTS + 1)])
        rows = []
        for i in range(1, PARTICIPANTS + 1):
            for _ in range(PER_PARTICIPANT):
                recurring = rng.random() < 0.1
                rows.append((i, str(100000 + i), json.dumps({"text": "read unit 2"}),
                             "Europe/Rome", "0 10 * * mon" if recurring else None,
                             now + rng.uniform(60, 90 * 86400), now))
        await tx.executemany(
            "INSERT INTO schedules (kind, participant_id, platform, chat_id, chat_kind, payload, "
            "timezone, recurrence, next_at, created_at) "
            "VALUES ('reminder', ?, 'telegram', ?, 'private', ?, ?, ?, ?, ?)", rows)
    await db.close()


MEASURE_BOT = """
import asyncio, sys, time
sys.path.insert(0, {root!r})
from bench.common import rss_mib
before = rss_mib()
t0 = time.perf_counter()
from bot.app import Bot
from tests.harness import make_config
from pathlib import Path
imported = time.perf_counter()
async def main():
    config = make_config(Path({tmp!r}))
    t1 = time.perf_counter()
    bot = await Bot.create(config)
    ready = time.perf_counter()
    count = (await bot.services.db.fetchone(
        "SELECT COUNT(*) FROM schedules WHERE status = 'active'"))[0]
    rss = rss_mib()
    await bot.close()
    print(json.dumps({{"startup_s": ready - t1, "import_s": imported - t0,
                       "rss_mib": rss, "rss_before_import_mib": before,
                       "active_schedules": count}}))
import json
asyncio.run(main())
"""

MEASURE_APS = """
import asyncio, json, sqlite3, sys, time
from datetime import datetime, UTC
sys.path.insert(0, {root!r})
from bench.common import rss_mib
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
async def fire(schedule_id): pass
async def main():
    rows = sqlite3.connect({db!r}).execute(
        "SELECT id, next_at FROM schedules WHERE status = 'active'").fetchall()
    base = rss_mib()
    t0 = time.perf_counter()
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start()
    for schedule_id, next_at in rows:
        aps.add_job(fire, DateTrigger(datetime.fromtimestamp(next_at, UTC)),
                    args=[schedule_id], id=f"reminder:{{schedule_id}}",
                    replace_existing=True, misfire_grace_time=3600, coalesce=True)
    elapsed = time.perf_counter() - t0
    print(json.dumps({{"register_s": elapsed, "rss_added_mib": rss_mib() - base,
                       "jobs": len(aps.get_jobs())}}))
    aps.shutdown(wait=False)
asyncio.run(main())
"""


def run_child(code: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=600)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    from bench.common import write_result

    root = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bot.sqlite3"
        t0 = time.perf_counter()
        asyncio.run(fill(db_path))
        fill_s = time.perf_counter() - t0
        bot = run_child(MEASURE_BOT.format(root=root, tmp=tmp))
        aps = run_child(MEASURE_APS.format(root=root, db=str(db_path)))
    write_result("scheduler_startup", {
        "participants": PARTICIPANTS,
        "scheduled_reminders": int(bot["active_schedules"]),
        "bot_startup_s": bot["startup_s"],
        "bot_rss_mib": bot["rss_mib"],
        "python_and_imports_s": bot["import_s"],
        "one_aps_job_per_reminder_register_s": aps["register_s"],
        "one_aps_job_per_reminder_rss_added_mib": aps["rss_added_mib"],
        "db_fill_s_not_counted": fill_s,
    }, notes="bot_startup_s: Bot.create() on the filled database (open, migrations check, "
             "outbox re-queue, scheduler start with catch-up and re-arm), imports excluded. "
             "The one-job-per-reminder figures register every active reminder as an "
             "APScheduler DateTrigger job, for comparison with the single-job design.")


if __name__ == "__main__":
    main()
