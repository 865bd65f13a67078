"""Secrets and personal data stay out of the logs: `python -m bot` at DEBUG, on Telegram and
Discord with a bridge translated by DeepL, as a user would run it (issue 9, item 5)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.deepl_server import FakeDeepL
from tests.fakes.discord_server import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
DEEPL_KEY = "deepl-log-secret-5566778899:fx"
# What participants write: none of it may reach the log, at any level.
TG_PHRASE = "Le jardin violet de Mariette chante 7781"
DC_PHRASE = "purple elephants whisper quietly 4412"
REMINDER = "appeler Zanzibar 9931"


async def test_debug_logs_hold_no_token_key_or_message_text(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, FakeDeepL(api_key=DEEPL_KEY) as deepl:
        dc = await FakeDiscord().start()
        try:
            group = tg.add_group("Académie FR")
            config = tmp_path / "config.toml"
            config.write_text(
                f'[storage]\npath = "bot.sqlite3"\n'
                f'[telegram]\napi_base_url = "{tg.api_base_url}"\n'
                f'file_base_url = "{tg.file_base_url}"\npoll_timeout = 1\n'
                f'[discord]\napi_base_url = "{dc.api_base_url}"\n'
                f'gateway_url = "{dc.gateway_url}"\n'
                f'[translation]\nengine = "deepl"\nurl = "{deepl.url}"\n'
                f'api_key_env = "DEEPL_TEST_KEY"\n'
                f'[[bridges]]\nname = "academy"\n'
                f'[[bridges.channels]]\nplatform = "telegram"\nchat_id = {group["id"]}\n'
                f'language = "fr"\n'
                f'[[bridges.channels]]\nplatform = "discord"\nchat_id = {dc.general}\n'
                f'language = "en"\n', encoding="utf-8")
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
                   "DISCORD_BOT_TOKEN": DISCORD_TOKEN, "DEEPL_TEST_KEY": DEEPL_KEY,
                   "BOT_LOG_LEVEL": "DEBUG"}
            log = tmp_path / "bot.log"
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(config), cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log.open("wb"))
            try:
                await dc.wait_for(lambda: any(r[1].endswith("/commands") for r in dc.requests),
                                  timeout=60, what="the bot connected to Discord")
                marie = tg.add_user("Marie", language_code="fr")
                tg.push_command(marie, "start")
                tg.push_command(marie, "remind", f"demain à 9h {REMINDER}")
                await tg.wait_for(lambda: len(tg.bot_messages(marie)) >= 3 or None, 30)
                tg.push_text(marie, TG_PHRASE, group)
                await dc.wait_for(lambda: [m for m in dc.sent_to(dc.general)
                                           if "7781" in m.content] or None, 30,
                                  what="the relayed Telegram message")
                lucia = dc.add_user("lucia", display_name="Lucía")
                await dc.user_says(lucia, DC_PHRASE, channel=dc.general)
                await tg.wait_for(lambda: [m for m in tg.bot_messages(group)
                                           if "4412" in m.get("text", "")] or None, 30)
            finally:
                proc.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(proc.wait(), 10)
            text = log.read_text(encoding="utf-8")
            assert code == 0, text
            assert "DEBUG" in text, "the bot did not log at DEBUG: the test proves nothing"
            assert "translat" in text.lower() or "relay" in text.lower()
            for secret in (TELEGRAM_TOKEN, DISCORD_TOKEN, DEEPL_KEY):
                assert secret not in text
            for words in (TG_PHRASE, DC_PHRASE, REMINDER, "Mariette", "Zanzibar",
                          "elephants whisper", "7781", "4412"):
                assert words not in text, f"{words!r} reached the log"
        finally:
            await dc.close()
