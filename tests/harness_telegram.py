"""The Telegram harness: the real bot and the real python-telegram-bot against the fake
Telegram server (tests/fakes/telegram_server.py), driven like the console harness.

People are names; each gets a stable numeric Telegram id (a CRC of the name), and a
private chat with the bot whose Reply.chat_id is the name, as on the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.adapters.telegram import TelegramAdapter
from bot.app import Bot
from bot.config import TelegramSection
from bot.model import Event
from bot.platforms import command_menu
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.harness import Reply, make_config

Json = dict[str, Any]
# Scenario tests send many messages into one chat; Telegram's ~1/s per chat pacing would
# make each exchange wait a second. Tests of pacing itself pass `paced=True`.
UNPACED = {"messages_per_second": 1000.0, "messages_per_chat_per_second": 100.0,
           "group_messages_per_minute": 1000.0}


def telegram_id(name: str) -> int:
    """A stable, positive Telegram user id for a test person."""
    return 100_000 + zlib.crc32(name.encode()) % 900_000_000


@dataclass
class TelegramHarness:
    bot: Bot
    adapter: TelegramAdapter
    fake: FakeTelegram
    platform: str = "telegram"
    timeout: float = 10.0
    _seen: dict[int, int] = field(default_factory=dict)  # chat id -> bot messages read

    def user(self, name: str, language: str | None = None) -> Json:
        """The person's Telegram account, created on first use; `language` is what their
        Telegram app reports (kept until changed)."""
        uid = telegram_id(name)
        known = self.fake.users.get(uid)
        if known is not None and (language is None or known.get("language_code") == language):
            return known
        language = language or (known or {}).get("language_code")
        return self.fake.add_user(name, user_id=uid, language_code=language)

    async def settle(self, update_id: int) -> None:
        """Wait until the bot has handled update `update_id` and sent what it answers."""
        await self.fake.wait_for(lambda: self.adapter.handled_update_id >= update_id,
                                 self.timeout)
        # The adapter hands the update to the bot's chat lanes; wait for them to handle it.
        await asyncio.wait_for(self.bot.lanes.wait_idle(), self.timeout)
        assert await self.bot.services.outbox.wait_idle("telegram", limit=self.timeout)

    def new_replies(self, chat: Json | int, label: str | None = None) -> list[Reply]:
        """Bot messages in `chat` not returned before, as a person reads them."""
        chat_id = chat if isinstance(chat, int) else chat["id"]
        messages = self.fake.bot_messages(chat_id)
        new = messages[self._seen.get(chat_id, 0):]
        self._seen[chat_id] = len(messages)
        return [as_reply(m, label or str(chat_id)) for m in new]

    async def send(self, user: str, text: str, *, language: str | None = None) -> list[Reply]:
        account = self.user(user, language)
        self.fake.push_text(account, text)
        await self.settle(self.fake.last_update_id)
        return self.new_replies(account, user)

    async def press(self, user: str, label: str) -> list[Reply]:
        account = self.user(user)
        for message in reversed(self.fake.bot_messages(account)):
            data = button_data(message, label)
            if data is not None:
                self.fake.press_button(account, message, data)
                await self.settle(self.fake.last_update_id)
                return self.new_replies(account, user)
        raise AssertionError(f"no button {label!r} in {user}'s chat")

    async def vote(self, user: str, labels: list[str]) -> list[Reply]:
        """`user` answers the newest poll in their private chat that has these options
        (an empty list retracts their vote)."""
        account = self.user(user)
        for message in reversed(self.fake.bot_messages(account)):
            options = [o["text"] for o in message.get("poll", {}).get("options", [])]
            if options and all(label in options for label in labels):
                self.fake.vote(account, message, [options.index(label) for label in labels])
                await self.settle(self.fake.last_update_id)
                return self.new_replies(account, user)
        raise AssertionError(f"no poll with {labels!r} in {user}'s chat")

    async def join_group(self, user: str, group: Json, *, language: str | None = None
                         ) -> list[Reply]:
        """`user` joins `group` (from `fake.add_group`); returns the bot's new messages
        in the group."""
        self.fake.add_member(group, self.user(user, language))
        await self.settle(self.fake.last_update_id)
        return self.new_replies(group, group["title"])


def button_data(message: Json, label: str) -> str | None:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") == label:
                return str(button.get("callback_data"))
    return None


def as_reply(message: Json, chat_label: str) -> Reply:
    # The fake stores text as Telegram does: tags stripped, entities decoded. A poll reads
    # as its question with the options as buttons (as on the console); a file as its
    # caption and a line "📎 name".
    if "poll" in message:
        poll = message["poll"]
        return Reply(chat_label, poll["question"], [o["text"] for o in poll["options"]])
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    text = message.get("text", message.get("caption", ""))
    if "document" in message or "photo" in message:
        name = message["document"].get("file_name", "document") if "document" in message \
            else "photo"
        text = "\n".join(line for line in (text, f"📎 {name}") if line)
    return Reply(chat_label, text, [b["text"] for row in rows for b in row])


WEBHOOK_SECRET = "test-webhook-secret_0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_settings(port: int | None = None) -> Json:
    """[telegram] keys for webhook mode on 127.0.0.1 (the fake posts over plain HTTP)."""
    port = port or free_port()
    return {"mode": "webhook", "webhook_listen_port": port,
            "webhook_url": f"http://127.0.0.1:{port}/telegram/webhook"}


@asynccontextmanager
async def open_telegram(tmp_path: Path, facilitators: list[str] = (),  # type: ignore[assignment]
                        *, paced: bool = False, webhook: bool = False,
                        fake: FakeTelegram | None = None, **sections: object
                        ) -> AsyncIterator[TelegramHarness]:
    """The bot on the fake Telegram; `sections` are extra config, e.g. cohorts=[...].
    `webhook`: Telegram posts updates to the bot instead of being polled. `fake`: one
    already running (a test that restarts the bot keeps its Telegram)."""
    async with contextlib.AsyncExitStack() as stack:
        if fake is None:
            fake = await stack.enter_async_context(FakeTelegram(TOKEN))
        config = make_config(
            tmp_path,
            telegram={"api_base_url": fake.api_base_url, "file_base_url": fake.file_base_url,
                      "poll_timeout": 1, **({} if paced else UNPACED),
                      **(webhook_settings() if webhook else {})},
            facilitators={"telegram": [str(telegram_id(name)) for name in facilitators]},
            **sections,
        )
        bot = await Bot.create(config)
        adapter = TelegramAdapter(config.telegram, TOKEN, command_menu(bot.services),
                                  WEBHOOK_SECRET if webhook else None)
        try:
            await bot.add_platform(adapter)
            yield TelegramHarness(bot, adapter, fake)
        finally:
            await bot.close()


@asynccontextmanager
async def telegram_adapter() -> AsyncIterator[tuple[FakeTelegram, TelegramAdapter,
                                                    list[Event]]]:
    """The Telegram adapter alone against a fake, without the bot: the events it publishes
    are collected in the list."""
    events: list[Event] = []

    async def publish(event: Event) -> None:
        events.append(event)

    async with FakeTelegram() as fake:
        adapter = TelegramAdapter(TelegramSection(
            api_base_url=fake.api_base_url, file_base_url=fake.file_base_url, poll_timeout=1),
            fake.token)
        await adapter.start(publish)
        try:
            yield fake, adapter, events
        finally:
            await adapter.stop()
