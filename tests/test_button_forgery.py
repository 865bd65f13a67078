"""Button data is checked, never trusted (issue 19, item 3).

A client may send any callback data (Telegram) or custom_id (Discord). Two layers answer:
buttons leave as short tokens bound to their reader (bot/buttons.py), so a forged or
someone else's token is refused before any handler; and every handler checks what the
data asks for against the state (the wave is open and theirs, slots are for the shortlist,
option numbers are options, numbers fit in SQLite), for the buttons that did reach it.

Forged presses are made both ways: written out (what an attacker types into a modified
client; refused by the tokens) and behind a token minted for the attacker (what a stale or
pre-upgrade button of theirs would carry; refused by the handler). Either way the database
is unchanged, apart from the rows the reply itself adds.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.model import Button, ChatKind, ChatRef, Event, EventKind, OutboundMessage, UserRef
from storage.db import Database
from storage.surveys import SurveyRepository
from tests.harness import ConsoleHarness, Reply, demo_cohort, open_console, table_names
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram, telegram_id
from tests.test_surveys import answer_impact_ana

# Rows a refused press may add: its reply (outbox), its reply's buttons, the activity
# counters and the audit log.
REPLY_TABLES = frozenset({"outbox", "outbox_pacing", "button_tokens", "activity", "audit_log"})
NO_LONGER = "This button no longer works"
NOT_OPEN = "is not open for you at the moment"
STALE = "That button belongs to an earlier step"
NOT_SHORTLISTED = "only for the participants invited to an interview"
HUGE = "99999999999999999999"  # above 2^63 - 1: never reaches SQLite
JUST_ABOVE = str(2**63)


def north_cohort() -> dict[str, object]:
    return demo_cohort(code="north", name="North cohort",
                       channels=[{"platform": "console", "chat_id": "north-room"}])


async def dump(db: Database, skip_participant: int | None = None
               ) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but those a reply adds; `skip_participant`'s own row (their
    language and consent are theirs to choose with any language or consent button)."""
    names = await table_names(db)
    found: dict[str, list[tuple[Any, ...]]] = {}
    for name in names:
        if name in REPLY_TABLES:
            continue
        rows = [tuple(r) for r in await db.fetchall(f'SELECT * FROM "{name}"')]
        if name == "participants" and skip_participant is not None:
            rows = [r for r in rows if r[0] != skip_participant]
        found[name] = sorted(rows, key=repr)
    return found


class Failures(logging.Handler):
    """The dispatcher's "handler failed" (which precedes the generic apology)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def failures() -> Iterator[Failures]:
    handler = Failures()
    logger = logging.getLogger("bot.dispatch")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


async def press_data(h: ConsoleHarness, user: str, data: str, *, token: bool) -> list[Reply]:
    """`user` presses a button carrying `data` in their private chat: written out, or
    behind a token minted for them (as if the bot had sent them that button)."""
    services = h.bot.services
    chat = ChatRef("console", user, ChatKind.PRIVATE)
    tokens = getattr(services.outbox, "tokens", None)
    if token and tokens is not None:
        sealed = await tokens.seal(OutboundMessage(chat, "", buttons=[[Button("x", data)]]))
        data = sealed.buttons[0][0].data
    event = Event(EventKind.CALLBACK, "console", chat, UserRef("console", user, user),
                  services.clock.now(), native_id=f"forged-{user}", callback_data=data)
    await h.bot.dispatcher.handle(event)
    return await h._new_replies()


@dataclass
class World:
    north_wave: int  # another cohort's wave
    planned_wave: int  # a wave not open yet
    demo_wave: int  # the attacker's own wave: she is at its multiple-choice question
    slot: int  # offered to ana, who is shortlisted
    ana: int
    eve: int


async def build_world(h: ConsoleHarness, eve_in_demo: bool = True) -> World:
    s = h.bot.services
    await h.send("ana", "/join demo", language="en")
    await h.send("bob", "/join north", language="en")
    await h.send("eve", "/start", language="en")
    if eve_in_demo:
        await h.send("eve", "/join demo")
    await h.send("fac", "/survey start impact demo")
    await h.send("fac", "/survey start impact north")
    await answer_impact_ana(h)
    if eve_in_demo:
        await h.press("eve", "Start")
        await h.press("eve", "3")  # now at the multiple-choice question (index 1)
    day = (s.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    await h.send("fac", f"/slots add {day} 10:00")
    repo = SurveyRepository(s.db)
    north = await repo.wave_for("impact", "north")
    demo = await repo.wave_for("impact", "demo")
    planned = await repo.waves(status="planned")
    [slot] = await repo.slots(s.clock.timestamp(), free_only=True)
    ana = await s.participants.account("console", "ana")
    eve = await s.participants.account("console", "eve")
    assert north and demo and planned and ana and eve
    return World(north.id, planned[0].id, demo.id, slot.id, ana.participant_id,
                 eve.participant_id)


# (data, what the attacker is told when the data reaches the handler behind a token)
CASES = [
    ("slot:{slot}", NOT_SHORTLISTED),  # a slot for someone never shortlisted
    ("slot:" + HUGE, NO_LONGER),
    ("slot:" + JUST_ABOVE, NO_LONGER),
    ("slot:-1", NO_LONGER),
    ("slot:²", NO_LONGER),
    ("slot:", NO_LONGER),
    ("sv:{north}:go", NOT_OPEN),  # another cohort's wave
    ("sv:{north}:a:0:3", NOT_OPEN),
    ("sv:{north}:ok", NOT_OPEN),
    ("sv:{planned}:go", NOT_OPEN),  # planned, not open yet
    ("sv:" + HUGE + ":go", NO_LONGER),
    ("sv:" + str(2**63 - 1) + ":go", NO_LONGER),
    ("sv:{demo}:t:1:999", STALE),  # out-of-range options
    ("sv:{demo}:t:1:0", STALE),
    ("sv:{demo}:t:1:" + HUGE, STALE),
    ("sv:{demo}:t:" + HUGE + ":1", STALE),
    ("sv:{demo}:a:1:1", STALE),  # a single answer to a multiple-choice question
    ("sv:{demo}:a:0:" + HUGE, STALE),
    ("sv:{demo}:zz", NO_LONGER),
    ("sv:{demo}", NO_LONGER),
    ("sv:abc:go", NO_LONGER),
    ("sv:", NO_LONGER),
    ("quiz:1:1:0:999", NO_LONGER),
    ("quiz:" + HUGE + ":1:0:1", NO_LONGER),
    ("quiz:1:" + HUGE + ":0:1", NO_LONGER),
    ("quiz:1:1:0", NO_LONGER),
    ("quiz:1:1:0:²", NO_LONGER),
    ("unit:open:" + HUGE, NO_LONGER),
    ("unit:open:²", NO_LONGER),
    ("unit:quiz:0", NO_LONGER),
    ("unit:delete:1", NO_LONGER),
    ("practice:submit:1", NO_LONGER),  # someone else's practice
    ("practice:submit:" + HUGE, NO_LONGER),
    ("practice:edit:1:title", NO_LONGER),
    ("forget:yes:{ana}:{now}", NO_LONGER),  # someone else's erasure
    ("forget:yes:" + HUGE + ":{now}", NO_LONGER),
    ("forget:maybe", NO_LONGER),
    ("consent:maybe", NO_LONGER),
    ("lang:xx", NO_LONGER),
    ("nosuchprefix:1", NO_LONGER),
    ("garbage", NO_LONGER),
    (":", NO_LONGER),
    ("", NO_LONGER),
]


async def test_forged_button_data_changes_nothing_and_is_answered(
        tmp_path: Path, failures: Failures) -> None:
    async with open_console(tmp_path, facilitators=["fac"],
                            cohorts=[demo_cohort(), north_cohort()]) as h:
        world = await build_world(h)
        db = h.bot.services.db
        values = dict(slot=world.slot, north=world.north_wave, planned=world.planned_wave,
                      demo=world.demo_wave, ana=world.ana,
                      now=int(h.bot.services.clock.timestamp()))
        before = await dump(db)
        answers = await SurveyRepository(db).responses([world.north_wave], anonymous=False)
        wrong: list[str] = []
        for template, expected in CASES:
            data = template.format(**values)
            for token, wanted in ((True, expected), (False, NO_LONGER)):
                replies = await press_data(h, "eve", data, token=token)
                text = "\n".join(r.text for r in replies)
                if wanted not in text:
                    wrong.append(f"{data!r} ({'token' if token else 'raw'}): {text!r}")
                if await dump(db) != before:
                    wrong.append(f"{data!r} ({'token' if token else 'raw'}) changed the "
                                 "database")
                    before = await dump(db)
        assert not wrong, "\n".join(wrong)
        assert not failures.records
        # Nothing counted in the other cohort's results, nobody booked the slot.
        assert await SurveyRepository(db).responses([world.north_wave], anonymous=False) \
            == answers
        slot = await SurveyRepository(db).slot(world.slot)
        assert slot is not None and slot.booked_by is None


async def test_someone_elses_button_is_refused(tmp_path: Path) -> None:
    """A token pressed by another person than the one it was sent to."""
    async with open_console(tmp_path, facilitators=["fac"],
                            cohorts=[demo_cohort(), north_cohort()]) as h:
        world = await build_world(h)
        db = h.bot.services.db
        row = await db.fetchone("SELECT token FROM button_tokens WHERE data = ?",
                                (f"slot:{world.slot}",))
        assert row is not None  # the slot offered to ana
        before = await dump(db)
        event = Event(EventKind.CALLBACK, "console", ChatRef("console", "eve"),
                      UserRef("console", "eve", "eve"), h.bot.services.clock.now(),
                      callback_data=row[0])
        await h.bot.dispatcher.handle(event)
        [reply] = await h._new_replies()
        assert reply.text.startswith(NO_LONGER)
        assert await dump(db) == before
        # Ana's own press still books it.
        booked = await h.press("ana", reply_label(await h.bot.services.db.fetchone(
            "SELECT payload FROM outbox WHERE payload LIKE ? ORDER BY id DESC LIMIT 1",
            (f'%{row[0]}%',))))
        assert "Booked" in booked[0].text


def reply_label(row: Any) -> str:
    """The label of the first button of an outbox row's message."""
    message = json.loads(row[0])
    return str(message["buttons"][0][0]["label"])


async def test_a_button_sent_before_tokens_works_in_its_own_chat_only(tmp_path: Path) -> None:
    """Buttons sent before the upgrade carry their data written out: honoured when that
    very data was sent to that chat, refused anywhere else or once too old."""
    async with open_console(tmp_path) as h:
        await h.send("eve", "/start", language="en")
        await h.send("ana", "/start", language="en")
        db, s = h.bot.services.db, h.bot.services
        old = OutboundMessage(ChatRef("console", "eve", ChatKind.PRIVATE), "Do you agree?",
                              buttons=[[Button("I agree", "consent:yes")]])
        cur = await db.execute(
            "INSERT INTO outbox (platform, chat_id, payload, priority, status, created_at) "
            "VALUES ('console', 'eve', ?, 0, 'sent', ?)", (old.to_json(),
                                                          s.clock.timestamp() - 86400))
        await db.execute("UPDATE meta SET value = ? WHERE key = 'raw_buttons_until'",
                         (str(cur.lastrowid),))
        eve = await s.participants.account("console", "eve")
        assert eve is not None
        for user, data in (("ana", "consent:yes"), ("eve", "consent:no")):
            [refused] = await press_data(h, user, data, token=False)
            assert refused.text.startswith(NO_LONGER), (user, data)
        [thanks] = await press_data(h, "eve", "consent:yes", token=False)
        assert thanks.text.startswith("Thank you!")
        participant = await s.participants.get(eve.participant_id)
        assert participant is not None and participant.consent == "given"
        await db.execute("UPDATE meta SET value = ? WHERE key = 'raw_buttons_at'",
                         (str(s.clock.timestamp() - 121 * 86400),))
        [expired] = await press_data(h, "eve", "consent:yes", token=False)
        assert expired.text.startswith(NO_LONGER)


# --- every registered prefix ----------------------------------------------------------
class Forger(tuple):  # type: ignore[type-arg]
    """(loop, harness, world), shown short in hypothesis' reports."""

    def __repr__(self) -> str:
        return "forger"


@pytest.fixture
def forger(tmp_path: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, ConsoleHarness,
                                             World]]:
    """One bot for all the examples: eve belongs to no cohort, so no button can be hers
    to press (except her own language and consent)."""
    loop = asyncio.new_event_loop()
    manager = open_console(tmp_path, facilitators=["fac"],
                           cohorts=[demo_cohort(), north_cohort()])
    harness = loop.run_until_complete(manager.__aenter__())
    try:
        world = loop.run_until_complete(build_world(harness, eve_in_demo=False))
        yield Forger((loop, harness, world))
    finally:
        loop.run_until_complete(manager.__aexit__(None, None, None))
        loop.close()


PIECES = ["go", "a", "t", "d", "ok", "c", "s", "p", "yes", "no", "open", "quiz", "submit",
          "edit", "title", "en", "fr", "0", "1", "2", "3", "-1", "999", HUGE, JUST_ABOVE,
          str(2**63 - 1), "²", "١", "", " ", "\u0000", "1e3", "0x10", "+1"]


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=st.data())
def test_no_forged_press_of_any_registered_button_changes_the_database(
        forger: tuple[asyncio.AbstractEventLoop, ConsoleHarness, World],
        failures: Failures, data: st.DataObject) -> None:
    loop, h, world = forger
    prefixes = sorted(h.bot.services.registry.callbacks)  # a new button is covered too
    ids = [str(world.north_wave), str(world.planned_wave), str(world.demo_wave),
           str(world.slot), str(world.ana), str(world.eve)]
    prefix = data.draw(st.sampled_from(prefixes), label="prefix")
    # Mostly what real data is made of (the world's ids, actions, numbers), some noise.
    piece = st.one_of(st.sampled_from(ids), st.sampled_from(PIECES),
                      st.integers(-2**70, 2**70).map(str), st.text(max_size=6))
    parts = data.draw(st.lists(piece, max_size=4), label="parts")
    token = data.draw(st.booleans(), label="token")
    payload = ":".join([prefix, *parts])
    failures.records.clear()  # one fixture for every example
    before = loop.run_until_complete(dump(h.bot.services.db, skip_participant=world.eve))
    replies = loop.run_until_complete(press_data(h, "eve", payload, token=token))
    after = loop.run_until_complete(dump(h.bot.services.db, skip_participant=world.eve))
    assert after == before, payload
    assert not failures.records, payload
    assert replies, f"{payload!r} got no answer"


# --- over the real adapters -----------------------------------------------------------
async def test_forged_callback_data_over_telegram_is_refused(tmp_path: Path) -> None:
    async with open_telegram(tmp_path, facilitators=["fac"]) as tg:
        await tg.send("ana", "/start", language="en")
        await tg.send("eve", "/start", language="en")
        day = (tg.bot.services.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
        await tg.send("fac", f"/slots add {day} 10:00")
        db = tg.bot.services.db
        before = await dump(db)
        eve = tg.user("eve")
        carrier = tg.fake.bot_messages(eve)[-1]  # the consent question
        ana_consent = tg.fake.bot_messages(tg.user("ana"))[-1]
        ana_token = ana_consent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        for data in ("slot:1", "consent:yes", "sv:1:go", f"sv:{HUGE}:go", ana_token,
                     "~AAAAAAAAAAAAAAAA", ""):
            tg.fake.press_forged(eve, carrier, data)
            await tg.settle(tg.fake.last_update_id)
            [reply] = tg.new_replies(eve)
            assert reply.text.startswith(NO_LONGER), (data, reply.text)
        assert await dump(db) == before
        assert telegram_id("eve") == eve["id"]


async def test_forged_custom_id_over_discord_is_refused(tmp_path: Path) -> None:
    async with open_discord(tmp_path, facilitators=["fac"]) as dc:
        await dc.send("ana", "/start", language="en")
        await dc.send("eve", "/start", language="en")
        day = (dc.bot.services.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
        await dc.send("fac", f"/slots add {day} 10:00")
        db = dc.bot.services.db
        before = await dump(db)
        eve, ana = dc.user("eve"), dc.user("ana")
        carrier = dc.fake.sent_to(dc.fake.dm_channel(eve).id)[-1]  # the consent question
        ana_token = dict(dc.fake.sent_to(dc.fake.dm_channel(ana).id)[-1].buttons)["I agree"]
        for data in ("slot:1", "consent:yes", "sv:1:go", f"sv:{HUGE}:go", ana_token,
                     "~AAAAAAAAAAAAAAAA"):
            dc.replies()
            interaction = await dc.fake.press_forged(eve, carrier.message_id, data)
            await dc.settle(f"interaction:{interaction.id}")
            [reply] = dc.replies("eve")
            assert reply.text.startswith(NO_LONGER), (data, reply.text)
        assert await dump(db) == before
