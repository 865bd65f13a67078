"""Telegram and Discord in one process: one identity across both, one platform down not
stopping the other, and `python -m bot` as a user would run it."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import Bot
from bot.delivery_timing import RetryPolicy
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.platforms import command_menu
from tests.fakes.discord_server import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import make_config

ROOT = Path(__file__).resolve().parent.parent
FAST = {"messages_per_second": 1000.0}


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there


async def test_linking_a_telegram_account_from_discord(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        dc = await FakeDiscord().start()
        try:
            config = make_config(
                tmp_path,
                telegram={"api_base_url": tg.api_base_url, "file_base_url": tg.file_base_url,
                          "poll_timeout": 1, **FAST, "messages_per_chat_per_second": 100.0},
                discord={"api_base_url": dc.api_base_url, "gateway_url": dc.gateway_url,
                         **FAST, "messages_per_channel_per_second": 100.0})
            bot = await Bot.create(config)
            try:
                menu = command_menu(bot.services)
                await bot.add_platform(TelegramAdapter(config.telegram, TELEGRAM_TOKEN, menu))
                await bot.add_platform(DiscordAdapter(config.discord, DISCORD_TOKEN, menu,
                                                      ready_timeout=10,
                                                      guild_ready_timeout=0.05))
                ana_tg = tg.add_user("Ana", language_code="es")
                tg.push_command(ana_tg, "link")
                code_msg = await tg.wait_for(lambda: tg.bot_messages(ana_tg), 10)
                code = re.search(r"\b[A-Z2-9]{8}\b", code_msg[-1]["text"])
                assert code is not None and "código de vinculación" in code_msg[-1]["text"]

                ana_dc = dc.add_user("ana_dc", display_name="Ana")
                await dc.user_says(ana_dc, f"!link {code.group(0)}")
                dm = dc.dm_channel(ana_dc).id
                asked = await dc.wait_for(lambda: dc.sent_to(dm), what="the question")
                # Whose account it joins, and only Confirm merges (issue 19).
                assert asked[-1].content.startswith("You are about to join this account to "
                                                    "Ana on Telegram.")
                assert asked[-1].labels == ["Confirm", "Cancel"]
                await dc.press_button(ana_dc, asked[-1].message_id, asked[-1].buttons[0][1])
                done = await dc.wait_for(lambda: dc.sent_to(dm)[1:], what="the link reply")
                # Discord gave no language; after the merge she reads her Telegram Spanish.
                assert done[-1].content.startswith("Listo: sus cuentas están vinculadas.")
                account = await bot.services.participants.account("discord", str(ana_dc.id))
                assert account is not None
                accounts = await bot.services.participants.accounts_of(account.participant_id)
                assert {a.platform for a in accounts} == {"telegram", "discord"}
            finally:
                await bot.close()
        finally:
            await dc.close()


async def test_one_platform_down_does_not_stop_the_other(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    caplog.set_level(logging.WARNING, logger="bot.app")
    port = dead_port()
    async with FakeTelegram() as tg:
        config = make_config(
            tmp_path,
            telegram={"api_base_url": tg.api_base_url, "file_base_url": tg.file_base_url,
                      "poll_timeout": 1, **FAST},
            discord={"api_base_url": f"http://127.0.0.1:{port}/api/v10",
                     "gateway_url": f"ws://127.0.0.1:{port}/gateway"})
        bot = await Bot.create(config)
        try:
            menu = command_menu(bot.services)
            bot.supervise(DiscordAdapter(config.discord, DISCORD_TOKEN, menu, ready_timeout=2),
                          RetryPolicy(base_delay=0.05, max_delay=0.2))
            bot.supervise(TelegramAdapter(config.telegram, TELEGRAM_TOKEN, menu))
            # A message for Discord waits in the outbox while Discord is unreachable.
            await bot.services.outbox.enqueue(OutboundMessage(
                ChatRef("discord", "42", ChatKind.GROUP), "for later"))
            ana = tg.add_user("Ana", language_code="en")
            tg.push_command(ana, "help")
            replies = await tg.wait_for(lambda: tg.bot_messages(ana), 10)
            assert replies[0]["text"].startswith("What I can do for you:")
            await asyncio.sleep(0.5)
            retries = [r for r in caplog.records if "discord: cannot connect" in r.getMessage()]
            assert len(retries) >= 2
            assert DISCORD_TOKEN not in caplog.text
            assert await bot.services.outbox.repo.unfinished("discord") == 1
        finally:
            await asyncio.wait_for(bot.close(), 5)


async def test_python_m_bot_runs_both_platforms_and_stops_cleanly(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        dc = await FakeDiscord().start()
        try:
            config = tmp_path / "config.toml"
            config.write_text(
                f'[storage]\npath = "bot.sqlite3"\n'
                f'[telegram]\napi_base_url = "{tg.api_base_url}"\n'
                f'file_base_url = "{tg.file_base_url}"\npoll_timeout = 1\n'
                f'[discord]\napi_base_url = "{dc.api_base_url}"\n'
                f'gateway_url = "{dc.gateway_url}"\n', encoding="utf-8")
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
                   "DISCORD_BOT_TOKEN": DISCORD_TOKEN, "PYTHONWARNINGS": "always"}
            log = tmp_path / "bot.log"
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(config), cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log.open("wb"))
            try:
                marie = tg.add_user("Marie", language_code="fr")
                tg.push_command(marie, "start")
                tg.push_command(marie, "help")
                texts = await tg.wait_for(
                    lambda: [m["text"] for m in tg.bot_messages(marie)]
                    if len(tg.bot_messages(marie)) >= 3 else None, 30)
                assert texts[0].startswith("Bienvenue, Marie !")
                assert texts[2].startswith("Ce que je peux faire pour vous :")

                lucia = dc.add_user("lucia", display_name="Lucía")
                general = dc.general
                # The bot connects to Discord in the background; it is ready once it has
                # synced its slash commands to the guild.
                await dc.wait_for(lambda: any(r[1].endswith("/commands") for r in dc.requests),
                                  what="the bot connected")
                await dc.user_says(lucia, "!help", channel=general)
                [answer] = await dc.wait_for(lambda: dc.sent_to(general), what="!help answer")
                assert answer.content.startswith("What I can do for you:")
                assert "!whoami" in answer.content
            finally:
                proc.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(proc.wait(), 5)
            stderr = log.read_text()
            assert code == 0, stderr
            for bad in ("Traceback", "Task was destroyed", "Unclosed", TELEGRAM_TOKEN,
                        DISCORD_TOKEN):
                assert bad not in stderr
        finally:
            await dc.close()
