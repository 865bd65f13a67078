"""The Discord platform: the real bot and the real discord.py against the fake Discord
server on 127.0.0.1."""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.adapters.base import PermanentFailure, RetryLater
from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord_render import TEXT_LIMIT
from bot.app import Bot
from bot.config import DiscordSection
from bot.delivery_timing import RetryPolicy
from bot.model import Button, ChatKind, ChatRef, Event, EventKind, OutboundMessage
from bot.platforms import command_menu
from tests.fakes.discord_server import TOKEN, FakeDiscord
from tests.harness import make_config
from tests.harness_discord import DiscordHarness, from_discord, open_discord


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with open_discord(tmp_path) as harness:
        yield harness


def group(channel_id: int) -> ChatRef:
    return ChatRef("discord", str(channel_id), ChatKind.GROUP)


def events(h: DiscordHarness, kind: EventKind) -> list[Event]:
    """What people did (the bot's own echoes left out)."""
    return [e for e in h.handled.events if e.kind is kind and not e.author.is_bot]


async def deliver(h: DiscordHarness, msg: OutboundMessage) -> int:
    item_id = await h.bot.services.outbox.enqueue(msg)
    assert item_id is not None
    assert await h.bot.services.outbox.wait_idle("discord", limit=10, include_delayed=True)
    return item_id


def paragraphs(total: int) -> str:
    """Readable text of about `total` characters: sentences, lines and paragraphs."""
    sentence = "Participants share practices of South-South cooperation and learn. "
    paras: list[str] = []
    while sum(len(p) + 2 for p in paras) < total:
        paras.append((f"Paragraph {len(paras) + 1}: " + sentence * (3 + len(paras) % 5)).strip())
    return "\n\n".join(paras)


# --- commands and replies -------------------------------------------------------------
async def test_a_text_command_in_a_guild_channel_is_answered_there(dc: DiscordHarness) -> None:
    alice = dc.user("alice")
    said = await dc.fake.user_says(alice, "!help", channel=dc.fake.general)
    await dc.settle(said["id"])

    [command] = events(dc, EventKind.COMMAND)
    assert (command.command, command.chat.kind, command.chat.title) == (
        "help", ChatKind.GROUP, "general")
    assert command.author.language_hint is None  # Discord says nothing for plain messages
    [reply] = dc.fake.sent_to(dc.fake.general)
    assert reply.via == "channel" and reply.reference_id == int(said["id"])
    assert "!help" in from_discord(reply.content) and "!start" in from_discord(reply.content)


async def test_the_echo_of_the_bots_own_message_is_not_answered(dc: DiscordHarness) -> None:
    said = await dc.fake.user_says(dc.user("alice"), "!help", channel=dc.fake.general)
    await dc.settle(said["id"])
    [reply] = dc.fake.sent_to(dc.fake.general)
    # The echo arrives over the gateway like any message; wait until it went through.
    await dc.settle(str(reply.message_id))
    echo = next(e for e in dc.handled.events if e.native_id == str(reply.message_id))
    assert echo.author.is_bot and echo.author.user_id == str(dc.fake.bot_user.id)
    assert len(dc.fake.sent) == 1


async def test_a_dm_is_a_private_chat_named_by_the_user_id(dc: DiscordHarness) -> None:
    replies = await dc.send("bob", "hello")
    [message] = events(dc, EventKind.MESSAGE)
    assert message.chat == ChatRef("discord", str(dc.user("bob").id), ChatKind.PRIVATE)
    assert [r.text for r in replies] == ["I answer commands. Type !help to see what I can do."]
    assert replies[0].chat_id == "bob"


async def test_a_slash_command_is_answered_through_its_interaction(dc: DiscordHarness) -> None:
    replies = await dc.send("alice", "/start", language="fr")

    [command] = events(dc, EventKind.COMMAND)
    assert command.author.language_hint == "fr" and command.command == "start"
    [interaction] = dc.fake.interactions.values()
    assert interaction.callbacks == [5]  # acknowledged at once: "thinking…"
    # The welcome fills the original response, the consent question follows up; nothing
    # else was posted to the channel.
    assert [s.via for s in dc.fake.sent] == ["interaction", "followup"]
    assert replies[0].text.startswith("Bienvenue")
    assert replies[1].buttons == ["J’accepte", "Non, merci"]


async def test_a_button_press_is_a_callback_acknowledged_silently(dc: DiscordHarness) -> None:
    await dc.send("alice", "/start", language="fr")
    replies = await dc.press("alice", "J’accepte")

    [callback] = events(dc, EventKind.CALLBACK)
    # The custom_id is a token standing for "consent:yes" (bot/buttons.py).
    assert callback.callback_data is not None and callback.author.language_hint == "fr"
    stored = await dc.bot.services.outbox.tokens.repo.get(callback.callback_data)
    assert stored is not None and stored.data == "consent:yes"
    press = list(dc.fake.interactions.values())[-1]
    assert press.type == 3 and press.callbacks == [6]  # deferred update, no "thinking…"
    assert [r.text for r in replies] == ["Merci ! Tapez !help pour voir ce que vous pouvez faire."]
    assert dc.fake.sent[-1].via == "followup"


async def test_a_slash_command_in_a_guild_reports_the_locale(dc: DiscordHarness) -> None:
    interaction = await dc.fake.slash(dc.user("carla"), "nosuchthing", "a b",
                                      channel=dc.fake.general, locale="es-ES")
    await dc.settle(f"interaction:{interaction.id}")

    [command] = events(dc, EventKind.COMMAND)
    assert (command.command, command.args, command.chat.kind) == (
        "nosuchthing", ["a", "b"], ChatKind.GROUP)
    assert command.author.language_hint == "es-ES"
    [reply] = dc.fake.sent
    assert reply.via == "interaction" and reply.channel_id == dc.fake.general
    assert "!help" in from_discord(reply.content)  # the dispatcher's "unknown command"


async def test_an_interaction_that_cannot_be_answered_falls_back_to_a_message(
        dc: DiscordHarness) -> None:
    # An answer for the asker alone goes to their DM, never to the channel.
    dc.fake.fail_next(404, path="/webhooks/", code=10015, message="Unknown Webhook")
    interaction = await dc.fake.slash(dc.user("alice"), "help", channel=dc.fake.general)
    await dc.settle(f"interaction:{interaction.id}")
    [reply] = dc.fake.sent
    assert reply.via == "channel" and reply.channel_id == dc.fake.dm_channel(dc.user("alice")).id
    # In a DM, the DM itself.
    dc.fake.fail_next(404, path="/webhooks/", code=10015, message="Unknown Webhook")
    interaction = await dc.fake.slash(dc.user("bob"), "help")
    await dc.settle(f"interaction:{interaction.id}")
    assert dc.fake.sent[-1].channel_id == dc.fake.dm_channel(dc.user("bob")).id


async def test_slash_commands_are_synced_to_the_guild_with_localisations(
        dc: DiscordHarness) -> None:
    menu = command_menu(dc.bot.services)
    commands = {c["name"]: c for c in dc.fake.commands[dc.fake.guild_id]}
    assert set(commands) == {name for name, _ in menu["en"]}
    french = dict(menu["fr"])

    def fit(text: str) -> str:  # Discord takes 100 characters; longer help is shortened
        return text if len(text) <= 100 else text[:99] + "…"

    for name, command in commands.items():
        assert command["description"] == fit(dict(menu["en"])[name])
        assert set(command["description_localizations"]) == {"fr", "es-ES", "pt-BR"}
        assert command["description_localizations"]["fr"] == fit(french[name])
        [option] = command["options"]
        assert (option["name"], option["type"], option["required"]) == ("arguments", 3, False)


# --- outbound -------------------------------------------------------------------------
async def test_long_text_is_split_at_2000_in_order_with_buttons_last(
        dc: DiscordHarness) -> None:
    text = paragraphs(4500)
    assert 4000 < len(text) < 5000
    await deliver(dc, OutboundMessage(group(dc.fake.general), text,
                                      buttons=[[Button("OK", "x:ok")]]))
    parts = dc.fake.sent_to(dc.fake.general)
    assert len(parts) == 3 and all(len(p.content) <= TEXT_LIMIT for p in parts)
    assert " ".join(from_discord(p.content) for p in parts).split() == text.split()
    assert [p.labels for p in parts] == [[], [], ["OK"]]


async def test_plain_text_shows_as_typed_and_links_stay_intact(dc: DiscordHarness) -> None:
    text = "1. see https://example.org/a_b_c\n- *not bold* and [not](a link) # ok"
    await deliver(dc, OutboundMessage(group(dc.fake.general), text))
    [sent] = dc.fake.sent
    assert "https://example.org/a_b_c" in sent.content  # a backslash would break it
    assert "\\*not bold\\*" in sent.content and sent.content.startswith("1\\. ")
    assert from_discord(sent.content) == text


async def test_nothing_goes_out_before_the_connection_is_up(tmp_path: Path) -> None:
    adapter = DiscordAdapter(DiscordSection(), TOKEN)
    with pytest.raises(RetryLater):
        await adapter.send(OutboundMessage(group(1), "too early"))
    await adapter.stop()  # never started: nothing to do


async def test_no_message_can_ping_anyone(dc: DiscordHarness) -> None:
    mallory = dc.fake.add_user("mallory", display_name="@everyone", member=False)
    await dc.fake.member_joins(mallory)
    await dc.fake.wait_for(lambda: events(dc, EventKind.MEMBER_JOINED), what="join event")
    assert await dc.bot.services.outbox.wait_idle("discord", limit=10)
    await deliver(dc, OutboundMessage(group(dc.fake.general),
                                      f"hi <@{mallory.id}> @here @everyone"))

    welcome, hello = dc.fake.sent
    assert "@everyone" in welcome.content and f"<@{mallory.id}>" in hello.content
    for sent in dc.fake.sent:
        assert sent.allowed_mentions == {"parse": []}
        assert not sent.mention_everyone and sent.mentioned_user_ids == []


async def test_a_new_member_is_welcomed_in_the_system_channel(dc: DiscordHarness) -> None:
    await dc.fake.member_joins(dc.fake.add_user("dora", display_name="Dora", member=False))
    [welcome] = await dc.fake.wait_for(lambda: dc.fake.sent_to(dc.fake.welcome),
                                       what="the welcome")
    text = from_discord(welcome.content)
    assert "Dora" in text and "!start" in text


async def test_a_429_with_via_is_retried_and_the_message_arrives_once(
        dc: DiscordHarness) -> None:
    dc.fake.fail_next(429, path=f"/channels/{dc.fake.general}/messages", method="POST",
                      retry_after=0.05)
    item_id = await deliver(dc, OutboundMessage(group(dc.fake.general), "once"))
    assert [s.content for s in dc.fake.sent] == ["once"]
    assert len(dc.fake.calls("POST", f"/channels/{dc.fake.general}/messages")) == 2
    # discord.py waited and retried by itself: the outbox saw one successful attempt.
    item = await dc.bot.services.outbox.repo.get(item_id)
    assert item is not None and (item.status, item.attempts, item.error) == ("sent", 1, None)


async def test_edit_and_delete(dc: DiscordHarness) -> None:
    chat = ChatRef("discord", str(dc.user("erin").id), ChatKind.PRIVATE)
    message_id = await dc.adapter.send(OutboundMessage(chat, "pick", buttons=[
        [Button("A", "x:a")]]))
    await dc.adapter.edit(chat, message_id, OutboundMessage(chat, "picked A"))
    [sent] = dc.fake.sent
    assert (sent.content, sent.labels, sent.edited) == ("picked A", [], True)
    await dc.adapter.delete(chat, message_id)
    assert sent.deleted
    await dc.adapter.delete(chat, message_id)  # already gone: nothing to do


@pytest.mark.parametrize(("status", "code", "expected", "unreachable"), [
    (403, 50007, PermanentFailure, True),  # cannot send messages to this user
    (404, 10003, PermanentFailure, True),  # unknown channel
    (400, 50035, PermanentFailure, False),  # invalid form body: our mistake
    (503, 0, RetryLater, None),
])
async def test_delivery_errors_are_classified(dc: DiscordHarness, status: int, code: int,
                                              expected: type, unreachable: bool | None) -> None:
    dc.fake.fail_next(status, path="/messages", code=code)
    with pytest.raises(expected) as caught:
        await dc.adapter.send(OutboundMessage(group(dc.fake.general), "x"))
    if unreachable is not None:
        assert caught.value.recipient_unreachable is unreachable
    assert "TOKEN" not in str(caught.value)


# --- inbound events -------------------------------------------------------------------
async def test_edits_deletions_and_poll_votes_become_events(dc: DiscordHarness) -> None:
    alice = dc.user("alice")
    said = await dc.fake.user_says(alice, "hello all", channel=dc.fake.general)
    await dc.settle(said["id"])
    await dc.fake.user_edits(int(said["id"]), "hello everyone")
    await dc.fake.user_deletes(int(said["id"]))
    assert dc.adapter.client is not None
    poll = discord.Poll(question="Tea or coffee?", duration=timedelta(hours=1))
    poll.add_answer(text="Tea")
    poll.add_answer(text="Coffee")
    posted = await dc.adapter.client.get_partial_messageable(dc.fake.general).send(poll=poll)
    await dc.fake.vote(alice, posted.id, answer_id=2)
    await dc.fake.wait_for(lambda: events(dc, EventKind.POLL_ANSWER), what="the vote")

    [edit] = events(dc, EventKind.EDIT)
    assert (edit.native_id, edit.text, edit.author.user_id) == (
        said["id"], "hello everyone", str(alice.id))
    [delete] = events(dc, EventKind.DELETE)
    assert delete.native_id == said["id"] and delete.chat.chat_id == str(dc.fake.general)
    [vote] = events(dc, EventKind.POLL_ANSWER)
    assert (vote.poll_id, vote.option_ids, vote.text, vote.author.user_id) == (
        str(posted.id), [1], "add", str(alice.id))


# --- lifecycle ------------------------------------------------------------------------
async def test_a_bad_token_fails_start_so_supervise_retries(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        settings = DiscordSection(api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
        adapter = DiscordAdapter(settings, "WRONG.TOKEN", guild_ready_timeout=0.05)

        async def publish(event: Event) -> None: ...

        with pytest.raises(discord.LoginFailure):
            await adapter.start(publish)
        await adapter.stop()
        assert not fake.connected
        # Bot.supervise keeps trying with backoff.
        bot = await Bot.create(make_config(tmp_path))
        try:
            bot.supervise(DiscordAdapter(settings, "WRONG.TOKEN"),
                          RetryPolicy(base_delay=0.01, max_delay=0.01))
            await fake.wait_for(lambda: len(fake.calls("GET", "/users/@me")) >= 3,
                                what="three login attempts")
        finally:
            await bot.close()


async def test_stop_leaves_no_unclosed_session_or_pending_task(
        caplog: pytest.LogCaptureFixture) -> None:
    async with FakeDiscord() as fake:
        settings = DiscordSection(api_base_url=fake.api_base_url, gateway_url=fake.gateway_url)
        received: list[Event] = []

        async def publish(event: Event) -> None:
            received.append(event)

        adapter = DiscordAdapter(settings, TOKEN, {"en": [("help", "Help")]},
                                 guild_ready_timeout=0.05)
        with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
            warnings.simplefilter("always")
            await adapter.start(publish)
            assert fake.connected
            await adapter.send(OutboundMessage(group(fake.general), "bye"))
            await fake.wait_for(lambda: received, what="the echo")
            await adapter.stop()
            await adapter.stop()  # twice is fine
            gc.collect()
        assert adapter.client is None
        await fake.wait_for(lambda: not fake.connected, what="the gateway to close")
    problems = [r.getMessage() for r in caplog.records
                if "Unclosed" in r.getMessage() or "destroyed" in r.getMessage()]
    assert problems == [] and [w for w in caught if w.category is ResourceWarning] == []
