"""The Telegram platform: the real bot and the real python-telegram-bot against the fake
Telegram server on 127.0.0.1."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InputFile
from telegram.error import BadRequest, InvalidToken, NetworkError

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram_render import TEXT_LIMIT, render_parts
from bot.app import Bot
from bot.config import TelegramSection
from bot.delivery_timing import RetryPolicy
from bot.model import Button, ChatKind, ChatRef, Event, EventKind, OutboundMessage
from bot.platforms import command_menu
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import make_config
from tests.harness_telegram import TelegramHarness, open_telegram, telegram_id

PICKER_LABELS = {"English", "Français", "Español", "Português", "العربية"}



@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    async with open_telegram(tmp_path) as harness:
        yield harness


def private(name: str) -> ChatRef:
    return ChatRef("telegram", str(telegram_id(name)), ChatKind.PRIVATE)


def paragraphs(total: int) -> str:
    """Readable text of about `total` characters: sentences, lines and paragraphs."""
    sentence = "Participants share practices of South-South cooperation and learn. "
    paras, size, n = [], 0, 0
    while size < total:
        n += 1
        para = f"Paragraph {n}: " + sentence * (3 + n % 5)
        paras.append(para.strip())
        size += len(para) + 2
    return "\n\n".join(paras)


async def deliver(tg: TelegramHarness, msg: OutboundMessage) -> int:
    item_id = await tg.bot.services.outbox.enqueue(msg)
    assert item_id is not None
    assert await tg.bot.services.outbox.wait_idle("telegram", limit=10, include_delayed=True)
    return item_id


# --- outbound -------------------------------------------------------------------------
async def test_long_message_is_split_in_order_with_buttons_on_the_last_part(
        tg: TelegramHarness) -> None:
    tg.user("ana")
    text = paragraphs(10_000)
    item_id = await deliver(tg, OutboundMessage(private("ana"), text,
                                                buttons=[[Button("OK", "ok:1")]]))
    parts = tg.fake.bot_messages(telegram_id("ana"))
    assert len(parts) == 3
    assert all(len(p["text"]) <= TEXT_LIMIT for p in parts)
    assert re.sub(r"\s+", "", "".join(p["text"] for p in parts)) == re.sub(r"\s+", "", text)
    assert [("reply_markup" in p) for p in parts] == [False, False, True]
    # Split at paragraph boundaries: each part ends a paragraph, each starts one.
    assert all(p["text"].startswith("Paragraph ") for p in parts)
    item = await tg.bot.services.outbox.repo.get(item_id)
    assert item is not None and item.native_id == str(parts[0]["message_id"])


async def test_escaping_that_lengthens_a_part_is_split_again(tg: TelegramHarness) -> None:
    tg.user("ana")
    text = "a&b<c " * 1200  # 7,200 characters; as HTML each "&" and "<" grows
    await deliver(tg, OutboundMessage(private("ana"), text))
    sent = [c.params["text"] for c in tg.fake.calls_to("sendMessage")]
    assert all(len(html) <= TEXT_LIMIT for html in sent)
    assert len(sent) == 4  # 15,600 characters of HTML; 2 parts would do as text
    shown = "".join(m["text"] for m in tg.fake.bot_messages(telegram_id("ana")))
    assert shown.replace(" ", "") == text.replace(" ", "")


@given(st.text(alphabet=st.sampled_from("a&<>\"' \n*_"), max_size=200),
       st.integers(min_value=8, max_value=50))
def test_rendered_parts_fit_and_keep_the_text(text: str, limit: int) -> None:
    parts = render_parts(text, "plain", limit)
    assert all(len(p) <= limit and p.strip() for p in parts)
    shown = "".join(html.unescape(p) for p in parts)
    assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", text)


async def test_participant_text_cannot_inject_markup(tg: TelegramHarness) -> None:
    name = '<b>Bob & "Co"</b>'
    welcome, *_ = await tg.send(name, "/start", language="en")
    assert f'Welcome, {name}!' in welcome.text
    message = tg.fake.bot_messages(telegram_id(name))[0]
    assert message.get("entities", []) == []  # nothing turned bold


async def test_markdown_becomes_telegram_formatting(tg: TelegramHarness) -> None:
    tg.user("ana")
    await deliver(tg, OutboundMessage(private("ana"), "**Unit 1** is _open_: see [it](https://x.org/u?a=1&b=2)",
                                      format="markdown"))
    message = tg.fake.bot_messages(telegram_id("ana"))[0]
    assert message["text"] == "Unit 1 is open: see it"
    assert [e["type"] for e in message["entities"]] == ["bold", "italic", "text_link"]
    assert message["entities"][2]["url"] == "https://x.org/u?a=1&b=2"
    assert message["link_preview_options"] == {"is_disabled": True}


async def test_rate_limit_is_waited_out_and_nothing_is_sent_twice(tg: TelegramHarness) -> None:
    tg.user("ana")
    # The second part of a long message hits 429: the first part must not be repeated.
    tg.fake.fail_next("sendMessage", status=429, retry_after=1, after=1)
    await deliver(tg, OutboundMessage(private("ana"), paragraphs(6000)))
    calls = tg.fake.calls_to("sendMessage")
    assert [c.status for c in calls] == [200, 429, 200]
    assert calls[2].at - calls[1].at >= 0.9  # waited for retry_after
    assert calls[2].params["text"] == calls[1].params["text"]
    assert len(tg.fake.bot_messages(telegram_id("ana"))) == 2


async def test_blocked_bot_marks_the_participant_unreachable(tg: TelegramHarness) -> None:
    await tg.send("carla", "/help", language="en")
    tg.fake.block(telegram_id("carla"))
    item_id = await deliver(tg, OutboundMessage(private("carla"), "A reminder"))
    item = await tg.bot.services.outbox.repo.get(item_id)
    assert item is not None and item.status == "failed" and "blocked" in (item.error or "")
    account = await tg.bot.services.participants.account("telegram", str(telegram_id("carla")))
    assert account is not None
    participant = await tg.bot.services.participants.get(account.participant_id)
    assert participant is not None and participant.unreachable_reason


async def test_unknown_chat_fails_for_good(tg: TelegramHarness) -> None:
    item_id = await deliver(tg, OutboundMessage(ChatRef("telegram", "-100999", ChatKind.GROUP),
                                                "hello"))
    item = await tg.bot.services.outbox.repo.get(item_id)
    assert item is not None and item.status == "failed" and item.attempts == 1


async def test_edit_and_delete(tg: TelegramHarness) -> None:
    tg.user("ana")
    chat = private("ana")
    await deliver(tg, OutboundMessage(chat, "Vote: 0", buttons=[[Button("+1", "vote:1")]]))
    (message,) = tg.fake.bot_messages(telegram_id("ana"))
    native_id = str(message["message_id"])
    edited = OutboundMessage(chat, "Vote: **1**", format="markdown")
    await tg.adapter.edit(chat, native_id, edited)
    await tg.adapter.edit(chat, native_id, edited)  # unchanged: not an error
    assert message["text"] == "Vote: 1" and "reply_markup" not in message
    await tg.adapter.delete(chat, native_id)
    await tg.adapter.delete(chat, native_id)  # already gone: not an error
    assert tg.fake.bot_messages(telegram_id("ana")) == []


# --- inbound --------------------------------------------------------------------------
async def test_commands_for_this_bot_are_answered_and_others_ignored(
        tg: TelegramHarness) -> None:
    username = tg.fake.bot_user["username"]
    assert await tg.send("ana", f"/help@{username}", language="en")
    assert await tg.send("ana", f"/HELP@{username.upper()}")
    assert await tg.send("ana", "/help@otherbot") == []
    group = tg.fake.add_group("Cohort 1")
    tg.fake.push_text(tg.user("ana"), "/help@otherbot", group)
    tg.fake.push_text(tg.user("ana"), "/start", group)
    await tg.settle(tg.fake.last_update_id)
    (answer,) = tg.new_replies(group)
    assert "private chat" in answer.text  # /start in a group, not /help@otherbot


async def test_buttons_become_callbacks_and_are_answered(tg: TelegramHarness) -> None:
    (picker,) = await tg.send("dina", "/start")  # no language from Telegram: the picker
    assert set(picker.buttons) == PICKER_LABELS
    markup = tg.fake.calls_to("sendMessage")[-1].params["reply_markup"]
    # The button carries a short token standing for "lang:en" (bot/buttons.py).
    english = markup["inline_keyboard"][0][0]
    assert english["text"] == "English" and english["callback_data"].startswith("~")
    assert len(english["callback_data"].encode()) <= 64
    stored = await tg.bot.services.outbox.tokens.repo.get(english["callback_data"])
    assert stored is not None and stored.data == "lang:en"
    replies = await tg.press("dina", "English")
    assert replies[0].text.startswith("Welcome, dina!")
    assert len(replies[-1].buttons) == 2  # consent
    (answer,) = tg.fake.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] in tg.fake.callback_answers


async def test_telegram_language_skips_the_picker(tg: TelegramHarness) -> None:
    replies = await tg.send("eloise", "/start", language="fr-FR")
    labels = [label for r in replies for label in r.buttons]
    assert not PICKER_LABELS & set(labels)
    assert len(replies) == 2 and len(replies[-1].buttons) == 2  # welcome, then consent
    assert "eloise" in replies[0].text
    account = await tg.bot.services.participants.account("telegram",
                                                          str(telegram_id("eloise")))
    assert account is not None
    participant = await tg.bot.services.participants.get(account.participant_id)
    assert participant is not None and participant.language == "fr"


async def test_new_group_member_is_welcomed_in_the_group(tg: TelegramHarness) -> None:
    group = tg.fake.add_group("Cohort 1")
    (welcome,) = await tg.join_group("femi", group)
    assert welcome.chat_id == "Cohort 1" and "femi" in welcome.text
    # Another bot joining is not welcomed.
    tg.fake.add_member(group, tg.fake.add_user("Helper", is_bot=True))
    await tg.settle(tg.fake.last_update_id)
    assert tg.new_replies(group) == []


@asynccontextmanager
async def recording_adapter() -> AsyncIterator[tuple[FakeTelegram, TelegramAdapter,
                                                     list[Event]]]:
    """A started adapter against a fresh fake, publishing into a list."""
    events: list[Event] = []

    async def publish(event: Event) -> None:
        events.append(event)

    async with FakeTelegram() as fake:
        adapter = TelegramAdapter(settings(fake), fake.token)
        await adapter.start(publish)
        try:
            yield fake, adapter, events
        finally:
            await adapter.stop()


async def test_updates_become_neutral_events(tmp_path: Path) -> None:
    async with recording_adapter() as (fake, adapter, events):
        ana = fake.add_user("Ana", last_name="Silva", language_code="pt-BR")
        group = fake.add_group("Cohort 1")
        said = fake.push_text(ana, "Olá a todos", group)
        fake.push_command(ana, "Remind", "tomorrow  9am", group,
                          to_bot=fake.bot_user["username"])
        fake.edit_text(ana, said, "Olá!")
        fake.add_member(group, fake.add_user("Bea"), fake.add_user("Bot", is_bot=True))
        await fake.wait_for(lambda: adapter.handled_update_id >= fake.last_update_id)
    message, command, edit, joined = events
    assert (message.kind, message.text, message.native_id) == (EventKind.MESSAGE,
                                                               "Olá a todos", "1")
    assert message.chat == ChatRef("telegram", str(group["id"]), ChatKind.GROUP,
                                   title="Cohort 1")
    assert message.author.display_name == "Ana Silva"
    assert message.author.language_hint == "pt-BR" and not message.author.is_bot
    assert (command.kind, command.command, command.args) == (EventKind.COMMAND, "remind",
                                                             ["tomorrow", "9am"])
    assert (edit.kind, edit.native_id, edit.text) == (EventKind.EDIT, "1", "Olá!")
    assert (joined.kind, joined.author.display_name) == (EventKind.MEMBER_JOINED, "Bea")


async def test_poll_answers_become_events(tmp_path: Path) -> None:
    async with recording_adapter() as (fake, adapter, events):
        ana = fake.add_user("Ana")
        poll = await adapter._bot().send_poll(ana["id"], "Which day?", ["Mon", "Tue"],
                                             is_anonymous=False,
                                             allows_multiple_answers=True)
        (sent,) = fake.bot_messages(ana)
        fake.vote(ana, sent, [0, 1])
        await fake.wait_for(lambda: adapter.handled_update_id >= fake.last_update_id)
    (answer,) = events
    assert (answer.kind, answer.poll_id, answer.option_ids) == (
        EventKind.POLL_ANSWER, poll.poll.id, [0, 1])  # type: ignore[union-attr]
    assert answer.author.user_id == str(ana["id"])


async def test_fake_takes_uploads_and_serves_them_back() -> None:
    # The fake's file support, which document and relay features build on.
    async with FakeTelegram() as fake:
        adapter = TelegramAdapter(settings(fake), fake.token)
        await adapter.start(_ignore)
        try:
            ana = fake.add_user("Ana")
            bot = adapter._bot()
            sent = await bot.send_document(ana["id"], InputFile(b"hello", filename="notes.txt"),
                                           caption="<b>Notes</b>", parse_mode="HTML")
            assert sent.document is not None and sent.caption == "Notes"
            file = await bot.get_file(sent.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"hello"
            with pytest.raises(BadRequest, match="not found"):
                await bot.do_api_request("noSuchMethod")
        finally:
            await adapter.stop()


# --- lifecycle ------------------------------------------------------------------------
def settings(fake: FakeTelegram) -> TelegramSection:
    return TelegramSection(api_base_url=fake.api_base_url, file_base_url=fake.file_base_url,
                           poll_timeout=1)


async def test_command_menu_is_set_for_every_language(tg: TelegramHarness) -> None:
    menu = command_menu(tg.bot.services)
    scope = '{"type": "default"}'
    for code, entries in menu.items():
        expected = [{"command": n, "description": d} for n, d in entries]
        assert tg.fake.commands[(scope, code)] == expected
    assert tg.fake.commands[(scope, "")] == tg.fake.commands[(scope, "en")]
    assert len(tg.fake.calls_to("setMyCommands")) == len(menu) + 1


async def test_start_raises_when_telegram_is_unreachable() -> None:
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    adapter = TelegramAdapter(TelegramSection(api_base_url=f"{base}/bot",
                                              file_base_url=f"{base}/file/bot"), "123:TEST")
    with pytest.raises(NetworkError):
        await adapter.start(_ignore)
    await adapter.stop()
    await adapter.stop()  # twice is fine: the supervisor stops after every failed start


async def test_wrong_token_raises_invalid_token_without_showing_it() -> None:
    async with FakeTelegram() as fake:
        adapter = TelegramAdapter(settings(fake), "999:SECRET-WRONG")
        with pytest.raises(InvalidToken) as caught:
            await adapter.start(_ignore)
        await adapter.stop()
        assert "SECRET" not in str(caught.value) and "SECRET" not in repr(adapter)
        assert [c.method for c in fake.calls] == ["getMe"]


async def test_supervisor_retries_a_platform_that_cannot_connect(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with FakeTelegram() as fake:
        bot = await Bot.create(make_config(tmp_path))
        try:
            task = bot.supervise(TelegramAdapter(settings(fake), "999:SECRET-WRONG"),
                                 RetryPolicy(base_delay=0.01, max_delay=0.01))
            await fake.wait_for(lambda: len(fake.calls_to("getMe")) >= 3)
            assert not task.done()  # still trying
        finally:
            await bot.close()
    retries = [r.getMessage() for r in caplog.records if "cannot connect" in r.getMessage()]
    assert retries and all("InvalidToken" in m for m in retries)
    assert not any("SECRET" in r.getMessage() for r in caplog.records)


async def _ignore(event: Event) -> None:
    pass
