"""The relay core on the console: bridges, attribution, replies, edits, merging, floods.
(Across Telegram and Discord, with translation: tests/test_relay_platforms.py.)"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from datetime import UTC, datetime
from pathlib import Path

from bot.app import Bot
from bot.clock import Clock
from bot.model import ChatKind, ChatRef, Event, EventKind, OutboundMessage, UserRef
from bot.outbox import RELAY, Outbox
from bot.pacing import Limits
from storage.db import Database
from storage.outbox import OutboxRepository
from tests.harness import make_config, open_console
from tests.test_outbox import RecordingPlatform


def group_event(kind: EventKind, chat: str, user: str, native_id: str, text: str,
                reply_to: str | None = None) -> Event:
    return Event(kind, "console", ChatRef("console", f"#{chat}", ChatKind.GROUP, title=chat),
                 UserRef("console", user, user.capitalize()), datetime.now(UTC),
                 native_id=native_id, text=text, reply_to_native_id=reply_to)


BRIDGE = {"bridges": [{"name": "academy", "channels": [
    {"platform": "console", "chat_id": "lobby", "language": "en"},
    {"platform": "console", "chat_id": "salon", "language": "fr"},
]}]}


async def test_a_bridge_from_the_config_relays_with_attribution(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        h.bot.services.config = make_config(tmp_path, **BRIDGE)
        from bot.app import sync_bridges

        await sync_bridges(h.bot.services.config, h.bot.services)
        h.adapter._group = "lobby"
        replies = await h.send("ana", "Hello from the lobby")
        assert [(r.chat_id, r.text) for r in replies] == [
            ("#salon", "ana · Console: Hello from the lobby")]
        h.adapter._group = "salon"
        back = await h.send("remi", "Bonjour")
        assert [(r.chat_id, r.text) for r in back] == [("#lobby", "remi · Console: Bonjour")]


async def test_bridges_are_managed_in_chat_by_facilitators(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        await h.send("fac", "/language en")
        [created] = await h.send("fac", "/bridge create academy")
        assert created.text.startswith("Bridge academy created.")
        h.adapter._group = "lobby"
        [joined] = await h.send("fac", "/bridge join academy en")
        assert "linked to the bridge academy, in English" in joined.text
        h.adapter._group = "salon"
        [joined_fr] = await h.send("fac", "/bridge join academy fr")
        assert "academy" in joined_fr.text and joined_fr.chat_id == "#salon"
        [listing] = await h.send("fac", "/bridge list")
        assert "academy: 2 chats" in listing.text and "This chat is in academy." in listing.text
        [refused] = await h.send("ana", "/bridge leave")  # no language of her own: the chat's
        assert refused.text == "Désolé, /bridge est réservé aux facilitateurs."
        relayed = await h.send("ana", "Salut à tous")
        assert [r.chat_id for r in relayed] == ["#lobby"]
        [left] = await h.send("fac", "/bridge leave")
        assert left.text == "This chat is no longer linked."
        assert await h.send("ana", "encore là ?") == []


async def test_replies_edits_and_deletes_follow_every_copy_also_after_a_restart(
        tmp_path: Path) -> None:
    config = make_config(tmp_path, **BRIDGE)
    clock = Clock()
    bot = await Bot.create(config, clock)
    d = bot.dispatcher
    await d.handle(group_event(EventKind.MESSAGE, "lobby", "ana", "m1", "Who joins the panel?"))
    rows = await bot.services.db.fetchall(
        "SELECT id FROM outbox WHERE chat_id = '#salon' AND status = 'pending'")
    assert len(rows) == 1
    # The copy is "sent" by the console platform: the map records its native id.
    import io

    from bot.adapters.console import ConsoleAdapter, ConsoleUser

    out = io.StringIO()
    console = ConsoleAdapter(user=ConsoleUser("x"), reader=io.StringIO(), writer=out)
    await bot.add_platform(console)
    assert await bot.services.outbox.wait_idle("console", limit=5)
    await bot.close()

    bot = await Bot.create(config, clock)  # restart: the map is on disk
    try:
        out = io.StringIO()
        console = ConsoleAdapter(user=ConsoleUser("x"), reader=io.StringIO(), writer=out)
        await bot.add_platform(console)
        [copy] = (await bot.services.relay.relay_map.copies("console:#lobby:m1"))[1:]
        assert copy.chat_id == "#salon"
        # Remi answers the copy in the salon: the answer threads to the origin in the lobby.
        await bot.dispatcher.handle(group_event(EventKind.MESSAGE, "salon", "remi", "m2",
                                                "Moi !", reply_to=copy.native_id))
        await bot.dispatcher.handle(group_event(EventKind.EDIT, "lobby", "ana", "m1",
                                                "Who joins the panel on Friday?"))
        await bot.dispatcher.handle(group_event(EventKind.DELETE, "lobby", "ana", "m1", ""))
        assert await bot.services.outbox.wait_idle("console", limit=5)
        rows = await bot.services.db.fetchall(
            "SELECT payload FROM outbox WHERE status = 'sent' ORDER BY id")
        import json

        sent = [json.loads(r[0]) for r in rows]
        answer = next(m for m in sent if m["chat"]["chat_id"] == "#lobby")
        assert answer["reply_to_native_id"] == "m1" and answer["attribution"] == "Remi · Console"
        edit = next(m for m in sent if m["action"] == "edit")
        assert (edit["target_native_id"], edit["text"]) == (copy.native_id,
                                                            "Who joins the panel on Friday?")
        delete = next(m for m in sent if m["action"] == "delete")
        assert delete["target_native_id"] == copy.native_id
    finally:
        await bot.close()


async def test_the_bots_own_copies_are_not_relayed_back(tmp_path: Path) -> None:
    config = make_config(tmp_path, **BRIDGE)
    bot = await Bot.create(config)
    try:
        echo = group_event(EventKind.MESSAGE, "salon", "bot", "c9", "Ana · Console: hi")
        echo = dataclasses.replace(echo, author=UserRef("console", "bot", "bot", is_bot=True))
        await bot.dispatcher.handle(echo)
        row = await bot.services.db.fetchone("SELECT COUNT(*) FROM outbox")
        assert row is not None and row[0] == 0
    finally:
        await bot.close()


async def test_a_burst_into_a_paced_chat_is_merged_in_order(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    outbox = Outbox(OutboxRepository(db), Clock(), senders=4)
    edge = RecordingPlatform()
    chat = ChatRef("test", "-100", ChatKind.GROUP)
    # One post a second: 30 waiting messages are a backlog of 30 s, well past the 5 s after
    # which the outbox merges.
    outbox.attach(edge, Limits(overall_per_second=100.0, per_group_per_minute=60.0))
    for i in range(30):
        await outbox.enqueue(OutboundMessage(chat, f"message {i}", attribution=f"P{i % 3}",
                                             relay_ids=[f"r{i}"], mergeable=True),
                             priority=RELAY, dedupe_key=f"relay:r{i}:test:-100")
        await asyncio.sleep(0.01)
    assert await outbox.wait_idle("test", limit=20, include_delayed=True)
    await outbox.stop()
    await db.close()
    posts = [text for _, _, text in edge.sent]
    assert len(posts) < 30  # merged
    lines = list(itertools.chain.from_iterable(p.split("\n") for p in posts))
    assert lines[0] == "message 0" or lines[0] == "P0: message 0"
    assert [line.split(": ", 1)[-1] for line in lines] == [f"message {i}" for i in range(30)]
    times = [t for t, _, _ in edge.sent]
    assert all(b - a >= 1.0 - 0.002 for a, b in itertools.pairwise(times))


async def test_a_flooding_participant_is_slowed_and_told_not_dropped(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        h.bot.services.config = make_config(tmp_path, **BRIDGE)
        from bot.app import sync_bridges

        await sync_bridges(h.bot.services.config, h.bot.services)
        h.bot.services.relay.flood.limit = 3
        h.adapter._group = "lobby"
        for i in range(5):
            await h.bot.dispatcher.handle(h.adapter.event_for(f"msg {i}"))
        rows = await h.bot.services.db.fetchall(
            "SELECT not_before, chat_id FROM outbox WHERE dedupe_key LIKE 'relay:%' ORDER BY id")
        delays = [r[0] for r in rows]
        assert len(rows) == 5 and delays[:3] == [0.0, 0.0, 0.0] and delays[3] > 0
        notice = await h.bot.services.db.fetchall(
            "SELECT payload FROM outbox WHERE chat_id = 'nobody'")
        assert len(notice) == 1 and "Nothing is lost" in notice[0][0]
