"""The real bot as a process against the fake Telegram, for the tests that kill it mid-broadcast
(tests/test_crash.py, tests/test_workers_postgres.py)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.telegram_server import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 300
SENDERS = 8
TEXT = "The academy opens on Monday"


async def start_bot(config: Path, log: Path) -> asyncio.subprocess.Process:
    """`python -m bot run` on `config`, Telegram only, its log appended to `log`."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_LOG_LEVEL": "INFO"}
    env.pop("DISCORD_BOT_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=log.open("ab"))


def delivered(fake: FakeTelegram, uid: int) -> int:
    """How many copies of the broadcast `uid` received."""
    return sum(TEXT in m.get("text", "") for m in fake.bot_messages(uid))
