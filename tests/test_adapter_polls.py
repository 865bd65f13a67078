"""Native polls through the adapters: Telegram sendPoll / stopPoll / poll_answer, Discord
polls / expire / MESSAGE_POLL_VOTE_ADD and _REMOVE, console numbered options; and the
contract that `poll_key(send())` is what POLL_ANSWER events carry."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest

from bot.adapters.base import PermanentFailure
from bot.adapters.console import ConsoleAdapter, ConsoleUser
from bot.commands import CommandRegistry
from bot.context import Context
from bot.model import (
    ChatKind,
    ChatRef,
    EventKind,
    OutboundMessage,
    Poll,
    poll_key,
)
from tests.harness import open_console
from tests.harness_discord import DiscordHarness, open_discord
from tests.harness_telegram import TelegramHarness, open_telegram, telegram_adapter, telegram_id


def test_poll_key_is_the_part_answers_carry() -> None:
    assert poll_key("17:5000000123") == "5000000123"
    assert poll_key("1234567890123") == "1234567890123"
    assert poll_key("console-3") == "console-3"


# --- Telegram -------------------------------------------------------------------------


def chat_of(chat: dict[str, object]) -> ChatRef:
    kind = ChatKind.PRIVATE if chat["type"] == "private" else ChatKind.GROUP
    return ChatRef("telegram", str(chat["id"]), kind)


async def test_telegram_poll_answers_carry_the_key_of_what_send_returned() -> None:
    async with telegram_adapter() as (fake, adapter, events):
        ana, bea = fake.add_user("Ana"), fake.add_user("Bea")
        group = fake.add_group("Cohort 1")
        native_id = await adapter.send(OutboundMessage(chat_of(group), "", poll=Poll(
            "Which days suit you?", ["Mon", "Tue", "Wed"], anonymous=False, multiple=True)))
        (message,) = fake.bot_messages(group)
        poll = message["poll"]
        assert native_id == f"{message['message_id']}:{poll['id']}"
        (call,) = fake.calls_to("sendPoll")
        assert (call.params["is_anonymous"], call.params["allows_multiple_answers"],
                call.params["type"]) == (False, True, "regular")
        assert "open_period" not in call.params

        fake.vote(ana, message, [0, 2])
        fake.vote(bea, message, [1])
        fake.vote(ana, message, [])  # Ana takes her vote back
        await fake.wait_for(lambda: adapter.handled_update_id >= fake.last_update_id)
    assert [(e.kind, e.poll_id, e.author.display_name, e.option_ids) for e in events] == [
        (EventKind.POLL_ANSWER, poll_key(native_id), "Ana", [0, 2]),
        (EventKind.POLL_ANSWER, poll_key(native_id), "Bea", [1]),
        (EventKind.POLL_ANSWER, poll_key(native_id), "Ana", [])]


async def test_telegram_anonymous_poll_counts_arrive_as_totals() -> None:
    """An anonymous poll names no voter: each change of its counts (and its stop) comes as
    a `poll` update, which becomes POLL_TOTALS with the whole current state."""
    async with telegram_adapter() as (fake, adapter, events):
        ana, bea, cem = fake.add_user("Ana"), fake.add_user("Bea"), fake.add_user("Cem")
        group = fake.add_group("Cohort 1")
        native_id = await adapter.send(OutboundMessage(chat_of(group), "", poll=Poll(
            "Which days suit you?", ["Mon", "Tue", "Wed"], anonymous=True, multiple=True)))
        (message,) = fake.bot_messages(group)
        assert fake.calls_to("sendPoll")[0].params["is_anonymous"] is True
        fake.vote(ana, message, [0, 2])
        fake.vote(bea, message, [1])
        fake.vote(cem, message, [2])
        fake.vote(bea, message, [0, 1])  # Bea changes her vote: replaced, not added
        fake.vote(cem, message, [])  # Cem takes his back
        await fake.wait_for(lambda: adapter.handled_update_id >= fake.last_update_id)
        assert {"poll", "poll_answer"} <= fake.allowed_updates  # what getUpdates asked for
        await adapter.stop_poll(chat_of(group), native_id)
        await fake.wait_for(lambda: adapter.handled_update_id >= fake.last_update_id)
    assert {e.kind for e in events} == {EventKind.POLL_TOTALS}
    assert {e.poll_id for e in events} == {poll_key(native_id)}
    assert [(e.option_counts, e.voter_count) for e in events] == [
        ([1, 0, 1], 1), ([1, 1, 1], 2), ([1, 1, 2], 3), ([2, 1, 2], 3), ([2, 1, 1], 2),
        ([2, 1, 1], 2)]  # the last one: the stopped poll's final state
    # Telegram says neither who nor where: no author, no chat a reply could go to.
    assert all((e.author.user_id, e.chat.chat_id, e.option_ids) == ("", "", [])
               for e in events)


async def test_telegram_quiz_and_its_closing_time() -> None:
    async with telegram_adapter() as (fake, adapter, _events):
        ana = fake.add_user("Ana")
        await adapter.send(OutboundMessage(chat_of(fake.chats[ana["id"]]), "", poll=Poll(
            "2 + 2?", ["3", "4", "5"], kind="quiz", correct_option=1,
            explanation="Count them.", close_after_seconds=60)))
        await adapter.send(OutboundMessage(chat_of(fake.chats[ana["id"]]), "", poll=Poll(
            "Again?", ["yes", "no"], close_after_seconds=3600)))
        quiz, long_one = fake.calls_to("sendPoll")
        assert (quiz.params["type"], quiz.params["correct_option_ids"],
                quiz.params["explanation"], quiz.params["open_period"]) == (
            "quiz", [1], "Count them.", 60)
        assert quiz.params.get("allows_multiple_answers") in (None, False)
        # Over Telegram's 600 s the bot closes the poll itself: no open_period.
        assert "open_period" not in long_one.params and long_one.params["type"] == "regular"
        quiz_message = fake.bot_messages(ana)[0]
        assert quiz_message["poll"]["correct_option_ids"] == [1]


async def test_telegram_refuses_an_impossible_poll_before_asking() -> None:
    async with telegram_adapter() as (fake, adapter, _events):
        ana = fake.add_user("Ana")
        chat = chat_of(fake.chats[ana["id"]])
        for poll in (Poll("Pick", [str(i) for i in range(13)]),
                     Poll("Quiz", ["a", "b"], kind="quiz"),
                     Poll("x" * 301, ["a", "b"])):
            with pytest.raises(PermanentFailure, match="invalid poll"):
                await adapter.send(OutboundMessage(chat, "", poll=poll))
        assert fake.calls_to("sendPoll") == []


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    async with open_telegram(tmp_path) as harness:
        yield harness


async def deliver(outbox: object, msg: OutboundMessage, platform: str) -> tuple[str, str]:
    """Through the real outbox: (status, native id or error)."""
    item_id = await outbox.enqueue(msg)  # type: ignore[attr-defined]
    assert item_id is not None
    assert await outbox.wait_idle(platform, limit=10, include_delayed=True)  # type: ignore[attr-defined]
    item = await outbox.repo.get(item_id)  # type: ignore[attr-defined]
    assert item is not None
    return item.status, item.native_id or item.error or ""


async def test_telegram_stop_poll_and_delete_through_the_outbox(tg: TelegramHarness) -> None:
    tg.user("ana")
    chat = ChatRef("telegram", str(telegram_id("ana")), ChatKind.PRIVATE)
    outbox = tg.bot.services.outbox
    status, native_id = await deliver(outbox, OutboundMessage(
        chat, "", poll=Poll("Tea?", ["yes", "no"])), "telegram")
    assert status == "sent" and ":" in native_id
    (message,) = tg.fake.bot_messages(telegram_id("ana"))
    stop = OutboundMessage(chat, "", action="stop_poll", target_native_id=native_id)
    assert (await deliver(outbox, stop, "telegram"))[0] == "sent"
    assert message["poll"]["is_closed"]
    # Closing again is what was wanted: no failure.
    assert (await deliver(outbox, OutboundMessage(
        chat, "", action="stop_poll", target_native_id=native_id,
        dedupe_key="again"), "telegram"))[0] == "sent"
    assert [c.status for c in tg.fake.calls_to("stopPoll")] == [200, 400]
    assert (await deliver(outbox, OutboundMessage(
        chat, "", action="delete", target_native_id=native_id), "telegram"))[0] == "sent"
    assert tg.fake.deleted == [(telegram_id("ana"), message["message_id"])]


# --- Discord ----------------------------------------------------------------------------
@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with open_discord(tmp_path) as harness:
        yield harness


def general(h: DiscordHarness) -> ChatRef:
    return ChatRef("discord", str(h.fake.general), ChatKind.GROUP)


def poll_bodies(h: DiscordHarness) -> list[dict[str, object]]:
    return [body["poll"] for method, path, body in h.fake.requests
            if method == "POST" and path.endswith("/messages") and body and "poll" in body]


async def test_discord_poll_votes_carry_the_key_of_what_send_returned(dc: DiscordHarness
                                                                      ) -> None:
    outbox = dc.bot.services.outbox
    status, native_id = await deliver(outbox, OutboundMessage(general(dc), "", poll=Poll(
        "Tea or coffee?", ["Tea", "Coffee", "Water"], multiple=True,
        close_after_seconds=600)), "discord")
    assert status == "sent"
    [sent] = dc.fake.sent_to(dc.fake.general)
    assert native_id == str(sent.message_id) and sent.poll is not None
    assert sent.poll["question"] == {"text": "Tea or coffee?"}
    assert [a["poll_media"]["text"] for a in sent.poll["answers"]] == ["Tea", "Coffee", "Water"]
    assert sent.poll["allow_multiselect"] is True
    assert poll_bodies(dc)[0]["duration"] == 1  # 600 s, rounded up to Discord's hours

    alice = dc.user("alice")
    await dc.fake.vote(alice, sent.message_id, answer_id=2)
    await dc.fake.vote(alice, sent.message_id, answer_id=3)
    await dc.fake.vote(alice, sent.message_id, answer_id=2, remove=True)
    votes = await dc.fake.wait_for(
        lambda: len(e := [x for x in dc.handled.events if x.kind is EventKind.POLL_ANSWER]) == 3
        and e, what="three vote events")
    assert [(v.poll_id, v.option_ids, v.text, v.author.user_id) for v in votes] == [
        (poll_key(native_id), [1], "add", str(alice.id)),
        (poll_key(native_id), [2], "add", str(alice.id)),
        (poll_key(native_id), [1], "remove", str(alice.id))]
    # The chat is the poll's channel (it has a title too).
    assert {(v.chat.chat_id, v.chat.kind) for v in votes} == {
        (str(dc.fake.general), ChatKind.GROUP)}


async def test_discord_poll_durations(dc: DiscordHarness) -> None:
    outbox = dc.bot.services.outbox
    for seconds in (None, 3601, 100 * 24 * 3600):
        await deliver(outbox, OutboundMessage(general(dc), "", dedupe_key=str(seconds),
                                              poll=Poll("Q?", ["a", "b"],
                                                        close_after_seconds=seconds)),
                      "discord")
    assert [p["duration"] for p in poll_bodies(dc)] == [768, 2, 768]


async def test_discord_stop_poll_ends_it_once_and_quiz_is_refused(dc: DiscordHarness) -> None:
    outbox = dc.bot.services.outbox
    _status, native_id = await deliver(outbox, OutboundMessage(
        general(dc), "", poll=Poll("Q?", ["a", "b"])), "discord")
    for key in ("first", "second"):
        status, _ = await deliver(outbox, OutboundMessage(
            general(dc), "", action="stop_poll", target_native_id=native_id, dedupe_key=key),
            "discord")
        assert status == "sent"
    expires = dc.fake.calls("POST", f"/polls/{native_id}/expire")
    assert len(expires) == 2
    assert dc.fake.messages[int(native_id)]["poll"]["results"]["is_finalized"]
    with pytest.raises(ValueError, match="ended"):
        await dc.fake.vote(dc.user("bob"), int(native_id), answer_id=1)

    status, error = await deliver(outbox, OutboundMessage(general(dc), "", poll=Poll(
        "2 + 2?", ["3", "4"], kind="quiz", correct_option=1)), "discord")
    assert status == "failed" and "quiz" in error
    status, error = await deliver(outbox, OutboundMessage(general(dc), "", poll=Poll(
        "Q?", ["a" * 56, "b"])), "discord")
    assert status == "failed" and "55" in error
    assert len(poll_bodies(dc)) == 1


# --- console ----------------------------------------------------------------------------
def console() -> tuple[ConsoleAdapter, io.StringIO]:
    out = io.StringIO()
    return ConsoleAdapter(ConsoleUser("ana"), reader=io.StringIO(""), writer=out), out


async def test_console_poll_is_numbered_and_a_typed_number_answers_it() -> None:
    adapter, out = console()
    chat = ChatRef("console", "ana")
    native_id = await adapter.send(OutboundMessage(chat, "", poll=Poll(
        "Which days?", ["Mon", "Tue", "Wed"], multiple=True)))
    assert out.getvalue() == "[bot → ana] Which days?\n  [1] Mon   [2] Tue   [3] Wed\n"
    one = adapter.event_for("2")
    several = adapter.event_for("1, 3")
    assert (one.kind, one.poll_id, one.option_ids) == (
        EventKind.POLL_ANSWER, poll_key(native_id), [1])
    assert (several.kind, several.option_ids) == (EventKind.POLL_ANSWER, [0, 2])
    assert adapter.event_for("4").kind is EventKind.MESSAGE  # no such option
    await adapter.stop_poll(chat, native_id)
    assert out.getvalue().endswith("(poll closed)\n")
    assert adapter.event_for("2").kind is EventKind.MESSAGE


async def test_console_single_choice_poll_takes_one_number() -> None:
    adapter, _out = console()
    await adapter.send(OutboundMessage(ChatRef("console", "ana"), "", poll=Poll(
        "Tea?", ["yes", "no"])))
    assert adapter.event_for("1,2").kind is EventKind.MESSAGE
    assert adapter.event_for("1").option_ids == [0]


# --- the harnesses: a poll reads as question + options, and people can vote ----------
def poll_echo() -> ModuleType:
    """A feature that answers every POLL_ANSWER with what was chosen."""
    feature = ModuleType("poll_echo")

    async def echo(ctx: Context) -> None:
        await ctx.reply(f"chosen {ctx.event.option_ids} on {ctx.event.poll_id}")

    def setup(registry: CommandRegistry) -> None:
        registry.add_event_handler(EventKind.POLL_ANSWER.value, echo)

    feature.setup = setup  # type: ignore[attr-defined]
    return feature


async def test_console_harness_votes_like_a_person_types(tmp_path: Path) -> None:
    async with open_console(tmp_path, features=[poll_echo()]) as h:
        chat = ChatRef("console", "ana")
        await h.bot.services.outbox.enqueue(OutboundMessage(chat, "", poll=Poll(
            "Which days?", ["Mon", "Tue", "Wed"], multiple=True)))
        await h.send("ana", "hello")  # reads the poll into ana's history
        reply = h._history["ana"][0]
        assert (reply.text, reply.buttons) == ("Which days?", ["Mon", "Tue", "Wed"])
        (answer,) = await h.vote("ana", ["Mon", "Wed"])
        assert answer.text == "chosen [0, 2] on console-1"


async def test_telegram_harness_reads_polls_and_votes(tg: TelegramHarness) -> None:
    tg.user("ana")
    chat = ChatRef("telegram", str(telegram_id("ana")), ChatKind.PRIVATE)
    await deliver(tg.bot.services.outbox, OutboundMessage(chat, "", poll=Poll(
        "Tea?", ["yes", "no"], anonymous=False)), "telegram")
    (reply,) = tg.new_replies(telegram_id("ana"), "ana")
    assert (reply.text, reply.buttons) == ("Tea?", ["yes", "no"])
    await tg.vote("ana", ["no"])
    (message,) = tg.fake.bot_messages(telegram_id("ana"))
    assert [o["voter_count"] for o in message["poll"]["options"]] == [0, 1]


async def test_discord_harness_reads_polls_and_votes(dc: DiscordHarness) -> None:
    dm = ChatRef("discord", str(dc.user("ana").id), ChatKind.PRIVATE)
    await deliver(dc.bot.services.outbox, OutboundMessage(dm, "", poll=Poll(
        "Tea?", ["yes", "no"], multiple=True)), "discord")
    (reply,) = dc.replies("ana")
    assert (reply.text, reply.buttons) == ("Tea?", ["yes", "no"])
    await dc.vote("ana", ["yes", "no"])
    votes = [e for e in dc.handled.events if e.kind is EventKind.POLL_ANSWER]
    assert [(v.option_ids, v.chat.is_private) for v in votes] == [([0], True), ([1], True)]
