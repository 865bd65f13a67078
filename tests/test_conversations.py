"""Conversations as one registry (bot/conversations.py, issue 14 item 5), over the console:
the practice walk-through, a survey's free-text answers and the /forgetme question take
the reader's next private text, /skip and /cancel, whatever the order of the features;
a survey left half-answered does not swallow the answers of a practice begun later."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from bot.app import FEATURES
from bot.model import ChatRef, OutboundMessage
from handlers.surveys import engine
from storage.practices import PracticeRepository
from tests.harness import ConsoleHarness, demo_cohort, migrated_before, open_console
from tests.test_typed_answers import _at_question
from tests.test_units import pid


async def _say(h: ConsoleHarness, text: str, seen: list[str]) -> str:
    replies = "\n".join(r.text for r in await h.send("ana", text) if r.chat_id == "ana")
    seen.append(replies)
    return replies


async def _survey_answers(h: ConsoleHarness) -> dict[str, object]:
    repo = engine.repository(h.bot.services)
    [wave] = await repo.waves(survey="impact")
    session = await repo.session(wave.id, await pid(h, "ana"))
    return dict(session.answers) if session else {}


async def _title_of_draft(h: ConsoleHarness) -> str:
    repo = PracticeRepository(h.bot.services.db)
    draft = await repo.draft_of(await pid(h, "ana"))
    assert draft is not None
    practice = await repo.get(draft.practice_id)
    assert practice is not None
    return practice.title


async def _flows(tmp_path: Path, features: Iterable[ModuleType]) -> list[str]:
    """Every flow that waits for an answer, with /skip and /cancel in each; what Ana read."""
    seen: list[str] = []
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            features=features) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        # A survey left at a free-text question, then a practice begun: the practice
        # takes what she types.
        await _at_question(h, "ana", "impact", "initiative-details")
        await _say(h, "/practice new", seen)
        await _say(h, "Green jobs exchange", seen)
        assert await _title_of_draft(h) == "Green jobs exchange"
        assert "initiative-details" not in await _survey_answers(h)
        assert "needed for every practice" in await _say(h, "/skip", seen)  # required
        assert "Paused" in await _say(h, "/cancel", seen)
        assert "I answer commands" in await _say(h, "hello", seen)  # nothing waits now
        # The survey, resumed: its free text, /skip on an optional question, /cancel.
        await _at_question(h, "ana", "impact", "initiative-details")
        await _say(h, "A project with Brazil", seen)
        assert (await _survey_answers(h))["initiative-details"] == "A project with Brazil"
        await _at_question(h, "ana", "impact", "suggestions")
        skipped = await _say(h, "/skip", seen)
        assert "nothing to skip" not in skipped
        assert (await _survey_answers(h))["suggestions"] is None
        await _at_question(h, "ana", "impact", "initiative-details")
        assert "Paused" in await _say(h, "/cancel", seen)
        assert "I answer commands" in await _say(h, "still there?", seen)
        # The /forgetme question: a typed answer it does not understand, then /cancel.
        await _say(h, "/forgetme", seen)
        assert "I did not understand" in await _say(h, "maybe", seen)
        assert "nothing to skip" in await _say(h, "/skip", seen)
        assert "Nothing was deleted" in await _say(h, "/cancel", seen)
        assert "I answer commands" in await _say(h, "Yes, delete everything", seen)
        assert await h.bot.services.participants.account("console", "ana") is not None
    return seen


async def test_the_order_of_the_features_does_not_change_any_conversation(
        tmp_path: Path) -> None:
    forward = await _flows(tmp_path / "forward", FEATURES)
    backward = await _flows(tmp_path / "backward", tuple(reversed(FEATURES)))
    assert forward == backward


async def test_a_forgotten_survey_does_not_swallow_a_practice_answer(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await _at_question(h, "ana", "impact", "initiative-details")
        await h.send("ana", "/practice new")
        await h.send("ana", "Peer learning on green jobs")
        assert await _title_of_draft(h) == "Peer learning on green jobs"
        assert "initiative-details" not in await _survey_answers(h)
        # The survey, taken up again, is the one waiting: it gets the next text.
        await h.send("ana", "/survey impact")
        await h.send("ana", "Details for the survey")
        assert (await _survey_answers(h))["initiative-details"] == "Details for the survey"
        assert await _title_of_draft(h) == "Peer learning on green jobs"


async def test_the_owner_survives_a_restart(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        await h.send("ana", "/forgetme", language="en")
    async with open_console(tmp_path) as h:
        replies = "\n".join(r.text for r in await h.send("ana", "/cancel"))
        assert "Nothing was deleted" in replies


async def test_a_question_asked_before_the_upgrade_still_takes_its_answer(
        tmp_path: Path) -> None:
    payload = OutboundMessage(ChatRef("console", "ana"), "Delete everything?").to_json()
    with migrated_before(tmp_path / "bot.sqlite3", "intents_conversations") as conn:
        conn.execute("INSERT INTO participants (id, language, created_at) "
                     "VALUES (1, 'en', '2026-01-01T00:00:00+00:00')")
        conn.execute("INSERT INTO accounts (platform, user_id, participant_id, display_name, "
                     "linked_at) VALUES ('console', 'ana', 1, 'ana', '2026-01-01')")
        conn.execute("INSERT INTO outbox (platform, chat_id, payload, priority, dedupe_key, "
                     "status, created_at) VALUES ('console', 'ana', ?, 0, "
                     "'forgetme-ask:0a1b', 'sent', ?)", (payload, time.time()))
        conn.commit()
    async with open_console(tmp_path) as h:
        replies = "\n".join(r.text for r in await h.send("ana", "/cancel"))
        assert "Nothing was deleted" in replies
