"""The authorization matrix (issue 9, item 4): every facilitator-only command, run by a
participant on the console, Telegram and Discord, is refused in their language and
audited; the same command by a facilitator is not refused. The list of commands comes from
the registry, so a command added later is covered without editing this test."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import FEATURES
from bot.commands import Command, CommandRegistry
from bot.scope import Reach
from handlers.practices.template import repository as practice_repository
from handlers.surveys import engine as survey_engine
from storage.polls import PollRepository
from tests.harness import ConsoleHarness, Reply, open_console
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram, telegram_id

OPENERS: dict[str, Callable[..., Any]] = {
    "console": open_console, "telegram": open_telegram, "discord": open_discord}

# Facilitator sub-commands of commands participants may use.
SUBCOMMANDS = ["practice review", "practice approve 1", "practice return 1 needs sources",
               "practice export", "quiet list"]


def facilitator_commands() -> list[str]:
    registry = CommandRegistry()
    for feature in FEATURES:
        feature.setup(registry)
    only = sorted(c.name for c in registry.commands.values() if c.facilitator_only)
    subs = [s for s in SUBCOMMANDS if (c := registry.get(s.split()[0])) is not None
            and not c.facilitator_only]
    return only + subs


def test_the_matrix_is_not_empty() -> None:
    assert {"announce", "audit", "bridge", "schedule"} <= set(facilitator_commands())


@pytest.mark.parametrize("platform", list(OPENERS))
async def test_participants_are_refused_and_audited_everywhere(platform: str,
                                                                tmp_path: Path) -> None:
    commands = facilitator_commands()
    async with OPENERS[platform](tmp_path, facilitators=["fac"]) as h:
        await h.send("ana", "/help", language="fr")
        for command in commands:
            name = command.split()[0]
            replies = await h.send("ana", f"/{command}")
            texts = [r.text for r in replies]
            assert any(t.startswith("Désolé, ") and name in t and "facilitateurs" in t
                       for t in texts), (command, texts)
        audit = await h.bot.services.audit.latest(limit=len(commands) + 10)
        refused = {e.action for e in audit if e.outcome == "refused"}
        # A sub-command may be audited as "practice export" or as "practice".
        unaudited = [c for c in commands
                     if not refused & {c.split()[0], " ".join(c.split()[:2])}]
        assert unaudited == []
        for command in commands:
            replies = await h.send("fac", f"/{command}")
            assert not any("is for facilitators only" in r.text for r in replies), command


# --- cohort scope (issue 19, item 2) ------------------------------------------------------
# A facilitator of cohort B tries every facilitator command on cohort A's objects, made by
# a facilitator of every cohort ("chief") and by A's participant ("ana"): nothing of A may
# change, be shown or be reached. Every object of A carries MARK in its text.

MARK = "ZEBRA"
COHORT_A = {"code": "a", "name": "Cohort A", "face_to_face_start": 10,
            "channels": [{"platform": "console", "chat_id": "a-room"}]}
COHORT_B = {"code": "b", "name": "Cohort B", "face_to_face_start": 12,
            "channels": [{"platform": "console", "chat_id": "b-room"}],
            "facilitators": {"console": ["bfac"]}}
A_PEOPLE = {"ana", "chief", "carla", "#a-room"}  # chats B's facilitator must never reach
NOT_YOURS = "This chat is not one of your cohorts' chats"


def registered() -> CommandRegistry:
    registry = CommandRegistry()
    for feature in FEATURES:
        feature.setup(registry)
    return registry


def facilitator_forms() -> set[str]:
    return {form for c in registered().commands.values() for form in c.facilitator_forms()}


def test_every_facilitator_command_declares_its_scope() -> None:
    registry = registered()
    for command in registry.commands.values():
        if command.facilitator_only:
            assert command.scope is not None, command.name
    assert registry.get("announce").scope is Reach.COHORT  # type: ignore[union-attr]
    assert registry.get("facilitator").subcommands["add"] is Reach.ALL_COHORTS  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="declares no scope"):
        registry.add(Command("nameless", registry.commands["audit"].handler, "x",
                             facilitator_only=True))
    # The participants' matrix above covers every facilitator form of the registry too.
    assert {" ".join(s.split()[:2]) for s in SUBCOMMANDS} | \
        {c.name for c in registry.commands.values() if c.facilitator_only} <= facilitator_forms()


@dataclass
class World:
    h: ConsoleHarness
    ids: dict[str, int]
    submitted: int  # ana's practice waiting for review
    approved: int  # ana's approved practice
    seen: list[Reply]

    async def as_bfac(self, text: str, chat: str | None = None) -> list[Reply]:
        self.h.adapter._group = chat
        try:
            replies = await self.h.send("bfac", text, language="en")
        finally:
            self.h.adapter._group = None
        self.seen += replies
        return replies

    async def said(self, text: str, chat: str | None = None) -> str:
        """What B's facilitator read back, in their own chat (or `chat`)."""
        where = chat and f"#{chat}"
        return "\n".join(r.text for r in await self.as_bfac(text, chat)
                         if r.chat_id in ("bfac", where))


async def build_world(h: ConsoleHarness, tmp_path: Path) -> World:
    async def say(user: str, text: str, chat: str | None = None) -> None:
        h.adapter._group = chat
        try:
            await h.send(user, text, language="en")
        finally:
            h.adapter._group = None

    await say("ana", "/join a")
    await say("bo", "/join b")
    await say("carla", "/help")
    await say("bfac", "hello", "b-room")
    await say("chief", f"/announce {MARK} news for everyone")
    await say("chief", f"/poll {MARK} which day? | Monday | Tuesday", "a-room")
    day = (h.bot.services.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    await say("chief", f"/slots add {day} 10:00")
    await say("chief", f"/schedule {day} 9:00 {MARK} morning post", "a-room")
    await say("chief", "/bridge create a-bridge")
    await say("chief", "/bridge join a-bridge", "a-room")
    await say("chief", "/survey start impact a")
    await say("chief", "/facilitator add carla")
    await say("ana", "/audit")  # refused: an audit entry by A's participant
    s = h.bot.services
    ids = {}
    for name in ("ana", "bo", "bfac", "chief", "carla"):
        account = await s.participants.account("console", name)
        assert account is not None
        ids[name] = account.participant_id
    repo = practice_repository(s)
    now = s.clock.now()
    submitted = await repo.create(ids["ana"], "en", now, fields={"title": f"{MARK} waiting"})
    await repo.submit(submitted, now)
    approved = await repo.create(ids["ana"], "en", now, fields={"title": f"{MARK} approved"})
    await repo.submit(approved, now)
    await repo.review(approved, "approved", ids["chief"], None, now)
    await h._new_replies()
    return World(h, ids, submitted, approved, [])


async def a_state(w: World) -> dict[str, object]:
    """Everything of cohort A that B's facilitator must not change."""
    s = w.h.bot.services
    polls = PollRepository(s.db)
    bridge_id = await s.relay.bridges.id_of("a-bridge")
    practices = practice_repository(s)
    return {
        "polls": [(p.id, p.closed_at) for p in await polls.latest(50)],
        "copies": [(c.platform, c.chat_id) for c in await polls.copies(1)],
        "slots": [(sl.id, sl.status, sl.booked_by)
                  for sl in await survey_engine.repository(s).slots(0)],
        "posts": [x.id for x in await s.schedules.active(kind="post")],
        "bridges": await s.relay.bridges.names(),
        "a-bridge": [(c.platform, c.chat_id) for c in await s.relay.bridges.channels(
            bridge_id or 0)],
        "practices": [(p.id, p.status) for p in [await practices.get(w.submitted),
                                                  await practices.get(w.approved)] if p],
        "waves": [(x.id, x.survey, x.status) for x in
                  await survey_engine.repository(s).waves(cohort="a")],
        "roles": sorted(await s.roles.holders("facilitator")),
        "enrolled": [m.participant_id for m in await s.cohorts.repo.members("a")],
    }


Probe = Callable[[World], Awaitable[None]]


async def probe_announce(w: World) -> None:
    await w.as_bfac("/announce Hello cohort B")
    reached = {r.chat_id for r in w.seen if r.text.endswith("Hello cohort B")}
    # bfac wrote in b's room but, a facilitator, is not enrolled by it (issue 15 item 5).
    assert reached == {"#b-room", "bo"}, reached
    status = await w.said("/announce status")
    assert "#1 (" not in status and "#2 (" in status, status


async def probe_audit(w: World) -> None:
    await w.said("/progress")
    lines = (await w.said("/audit 50")).splitlines()[1:]
    assert lines, "B's facilitator's own actions are shown"
    assert all(line.split(" · ")[1] == "bfac" for line in lines), lines
    everything = await w.h.send("chief", "/audit 50")
    assert "· ana ·" in everything[0].text  # the entries exist: only hidden from B


async def probe_bridge(w: World) -> None:
    listed = await w.said("/bridge list")
    assert "a-bridge" not in listed, listed
    joined = await w.said("/bridge join a-bridge", "b-room")
    assert joined.startswith("There is no bridge called a-bridge."), joined
    left = await w.said("/bridge leave", "a-room")
    assert left.startswith(NOT_YOURS), left


async def probe_poll(w: World) -> None:
    assert MARK not in await w.said("/poll list")
    for sub in ("results", "close"):
        answer = await w.said(f"/poll {sub} 1")
        assert answer == "There is no poll #1. See /poll list.", answer
    posted = await w.said("/poll Which room? | x | y", "a-room")
    assert posted.startswith(NOT_YOURS), posted
    bridged = await w.said("/poll bridge a-bridge Which room? | x | y")
    assert bridged.startswith("There is no bridge called a-bridge."), bridged


async def probe_slots(w: World) -> None:
    listed = await w.said("/slots list")
    assert listed.startswith("No interview time is planned."), listed
    cancelled = await w.said("/slots cancel 1")
    assert cancelled.startswith("There is no interview time #1."), cancelled


async def probe_schedule(w: World) -> None:
    [post] = await w.h.bot.services.schedules.active(kind="post")
    for text in ("/schedule list", f"/schedule cancel {post.id}",
                 "/schedule tomorrow 9:00 our post"):
        answer = await w.said(text, "a-room")
        assert answer.startswith(NOT_YOURS), answer


async def probe_practice_review(w: World) -> None:
    assert MARK not in await w.said("/practice review")
    read = await w.said(f"/practice {w.submitted}")
    assert read.startswith(f"There is no approved practice #{w.submitted}."), read


async def probe_practice_approve(w: World) -> None:
    answer = await w.said(f"/practice approve {w.submitted}")
    assert answer.startswith(f"Practice #{w.submitted} is not waiting for review."), answer


async def probe_practice_return(w: World) -> None:
    answer = await w.said(f"/practice return {w.submitted} needs sources")
    assert answer.startswith(f"Practice #{w.submitted} is not waiting for review."), answer


async def probe_practice_export(w: World) -> None:
    replies = [r for r in await w.as_bfac("/practice export") if r.chat_id == "bfac"]
    files = [Path(line[2:].strip()) for r in replies for line in r.text.splitlines()
             if line.startswith("📎 ")]
    assert files, [r.text for r in replies]
    for path in files:
        assert MARK not in path.read_text(encoding="utf-8"), path


async def probe_dashboard(w: World) -> None:
    # Its pages are scoped like the reports: tests/test_web_routes.py logs B's facilitator in.
    answer = await w.said("/dashboard")
    assert answer.startswith("The web dashboard is not switched on"), answer


def refuses_cohort_a(command: str) -> Probe:
    async def probe(w: World) -> None:
        answer = await w.said(command)
        assert 'There is no cohort "a" among yours: b.' in answer, (command, answer)
    return probe


async def probe_stats(w: World) -> None:
    answer = await w.said("/stats")
    # bo only: bfac wrote in b's chat, but a facilitator is not enrolled by it (issue 15)
    assert "Cohorts: b\n" in answer and "Active participants: 1 of 1 enrolled" in answer, answer


async def probe_quiet_list(w: World) -> None:
    assert "ana" not in await w.said("/quiet list")


async def probe_survey_shortlist(w: World) -> None:
    assert "ana" not in await w.said("/survey shortlist impact")


async def probe_facilitator(w: World) -> None:
    await w.said("/facilitator list")


def cannot_change_roles(command: str) -> Probe:
    async def probe(w: World) -> None:
        answer = await w.said(command)
        assert answer.startswith("Only a facilitator of every cohort can give or take"), answer
    return probe


# One probe per facilitator command and sub-command of the registry (the test fails when
# a new one has none).
PROBES: dict[str, Probe] = {
    "announce": probe_announce,
    "audit": probe_audit,
    "bridge": probe_bridge,
    "poll": probe_poll,
    "slots": probe_slots,
    "schedule": probe_schedule,
    "practice review": probe_practice_review,
    "practice approve": probe_practice_approve,
    "practice return": probe_practice_return,
    "practice export": probe_practice_export,
    "progress": refuses_cohort_a("/progress a"),
    "gaps": refuses_cohort_a("/gaps a"),
    "feedback": refuses_cohort_a("/feedback post a"),
    "feedback preview": refuses_cohort_a("/feedback preview a"),
    "electives": refuses_cohort_a("/electives a"),
    "survey start": refuses_cohort_a("/survey start impact a"),
    "survey status": refuses_cohort_a("/survey status impact a"),
    "survey results": refuses_cohort_a("/survey results impact a"),
    "survey export": refuses_cohort_a("/survey export impact a"),
    "survey shortlist": probe_survey_shortlist,
    "stats": probe_stats,
    "quiet list": probe_quiet_list,
    "facilitator": probe_facilitator,
    "dashboard": probe_dashboard,
    "facilitator add": cannot_change_roles("/facilitator add ana"),
    "facilitator remove": cannot_change_roles("/facilitator remove carla"),
}


def test_every_facilitator_command_has_a_cohort_probe() -> None:
    assert set(PROBES) == facilitator_forms()


@pytest.mark.parametrize("form", sorted(PROBES))
async def test_a_cohort_facilitator_reaches_nothing_of_another_cohort(form: str,
                                                                     tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["chief"],
                            cohorts=[COHORT_A, COHORT_B]) as h:
        w = await build_world(h, tmp_path)
        before = await a_state(w)
        await PROBES[form](w)
        assert await a_state(w) == before
        # Only the refusal of a command typed in A's chat is answered there (or the note
        # that it was answered privately).
        reached = {r.chat_id for r in w.seen if not r.text.startswith(
            (NOT_YOURS, "I have answered you in a private message."))} & A_PEOPLE
        assert reached == set(), (form, reached)
        shown = [r.text for r in w.seen if MARK in r.text]
        assert shown == [], (form, shown)


async def test_over_telegram_a_cohort_facilitator_announces_and_polls_only_in_their_cohort(
        tmp_path: Path) -> None:
    room_a, room_b = -1_001_001, -1_001_002
    cohorts = [{"code": "a", "name": "Cohort A", "face_to_face_start": 10,
                "channels": [{"platform": "telegram", "chat_id": room_a}]},
               {"code": "b", "name": "Cohort B", "face_to_face_start": 12,
                "channels": [{"platform": "telegram", "chat_id": room_b}],
                "facilitators": {"telegram": [str(telegram_id("bfac"))]}}]
    async with open_telegram(tmp_path, facilitators=["chief"], cohorts=cohorts) as h:
        fake = h.fake
        group_a = fake.add_group("A room", chat_id=room_a)
        group_b = fake.add_group("B room", chat_id=room_b)
        await h.join_group("chief", group_a, language="en")
        await h.join_group("bfac", group_a, language="en")
        await h.join_group("bfac", group_b, language="en")
        await h.send("ana", "/join a", language="en")
        await h.send("bo", "/join b", language="en")
        fake.push_command(h.user("chief"), "poll", f"{MARK} which day? | Monday | Tuesday",
                          chat=group_a)
        await h.settle(fake.last_update_id)
        [poll] = [m for m in fake.bot_messages(group_a) if "poll" in m]
        before = {chat: len(fake.bot_messages(chat)) for chat in
                  (room_a, h.user("ana")["id"], h.user("chief")["id"])}
        h.new_replies(group_b)

        sent = [r.text for r in await h.send("bfac", "/announce Hello cohort B")]
        # B's chat and bo: bfac joined its chat, but a facilitator is not enrolled by it
        assert any(t.startswith("Announcement #1 is on its way to 2 chats.") for t in sent), sent
        assert await h.bot.services.outbox.wait_idle("telegram", limit=10)
        assert [r.text for r in h.new_replies(group_b)] == [
            "📢 Announcement from the facilitators:\nHello cohort B"]
        assert h.new_replies(h.user("bo"))[-1].text.endswith("Hello cohort B")

        listed = await h.send("bfac", "/poll list")
        assert MARK not in "\n".join(r.text for r in listed)
        for sub in ("results", "close"):
            [answer] = await h.send("bfac", f"/poll {sub} 1")
            assert answer.text == "There is no poll #1. See /poll list.", answer.text
        fake.push_command(h.user("bfac"), "poll", "Which room? | x | y", chat=group_a)
        await h.settle(fake.last_update_id)
        # The refusal goes to the one who typed it, privately, not into A's chat.
        assert [r.text for r in h.new_replies(group_a)][-1] == \
            "I have answered you in a private message."
        [refused] = h.new_replies(h.user("bfac"))[-1:]
        assert refused.text.startswith(NOT_YOURS), refused.text

        record = await PollRepository(h.bot.services.db).get(1)
        assert record is not None and record.is_open and poll["poll"]["question"].startswith(MARK)
        assert [p.id for p in await PollRepository(h.bot.services.db).latest(5)] == [1]
        after = {chat: len(fake.bot_messages(chat)) for chat in before}
        after[room_a] -= 1  # the note that the refusal went privately
        assert after == before
