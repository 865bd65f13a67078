"""A broadcast survives SIGKILL: the real bot process, killed mid-broadcast and restarted,
delivers to every recipient; only a send in flight at the instant of the kill (accepted by
the platform, not yet recorded by the bot) may arrive twice — at most one per sender."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from storage.db import Database
from storage.participants import ParticipantRepository
from tests.bot_process import RECIPIENTS, SENDERS, TEXT, delivered, start_bot
from tests.fakes.telegram_limits import FloodLimits
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.harness_telegram import telegram_id


async def test_a_broadcast_killed_midway_is_completed_after_restart(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        fake.limits = FloodLimits(overall_per_second=100)
        ids = [telegram_id(f"p{i}") for i in range(RECIPIENTS)]
        for i, uid in enumerate(ids):
            fake.add_user(f"p{i}", user_id=uid)
        facilitator = fake.add_user("fac", user_id=telegram_id("fac"))
        config = tmp_path / "config.toml"
        config.write_text(
            f'[storage]\npath = "bot.sqlite3"\n'
            f'[telegram]\napi_base_url = "{fake.api_base_url}"\n'
            f'file_base_url = "{fake.file_base_url}"\npoll_timeout = 1\n'
            f'messages_per_second = 90\n'
            f'[outbox]\nsenders_per_platform = {SENDERS}\n'
            f'[facilitators]\ntelegram = [{facilitator["id"]}]\n', encoding="utf-8")
        db = Database(tmp_path / "bot.sqlite3")  # participants who met the bot before
        await db.open()
        repo = ParticipantRepository(db)
        from datetime import UTC, datetime

        for i, uid in enumerate(ids):
            await repo.ensure("telegram", str(uid), f"p{i}", datetime.now(UTC))
        await db.close()

        log = tmp_path / "bot.log"
        bot = await start_bot(config, log)
        try:
            fake.push_command(facilitator, "announce", f"participants {TEXT}")
            await fake.wait_for(lambda: sum(delivered(fake, u) > 0 for u in ids) >= 100, 30)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            before = sum(delivered(fake, u) > 0 for u in ids)
            assert before < RECIPIENTS, "the broadcast finished before the kill"

            bot = await start_bot(config, log)
            await fake.wait_for(lambda: all(delivered(fake, u) for u in ids), 60)
            bot.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(bot.wait(), 10) == 0
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
        counts = [delivered(fake, u) for u in ids]
        twice = sum(c == 2 for c in counts)
        assert min(counts) == 1 and max(counts) <= 2
        assert twice <= SENDERS, f"{twice} recipients got it twice"
        assert fake.limits.refused == 0
        print(f"\nkilled after {before}/{RECIPIENTS}; delivered twice: {twice}")
        text = log.read_text()
        assert "Traceback" not in text and TOKEN not in text
