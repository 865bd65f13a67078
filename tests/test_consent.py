"""Consent means consent (issue 15 item 2): without it the bot keeps the account, the
language and the choice itself, nothing more, whatever feature is asked for; "I agree"
records consent and carries on. Also facilitators are participants only by choice (item
5), and the audit log records what a facilitator command really did (item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from tests.harness import ConsoleHarness, Reply, demo_cohort, open_console
from tests.test_erasure_ownership import say

pytestmark = pytest.mark.real_consent

REFUSAL = "you have not agreed to that"
# What the bot may keep about someone who has not agreed: their account, language and
# choice (participants, accounts), the chat they write in, the bot's own messages to them
# and the buttons on those, counts without a link to them, and a /mydata export's expiry.
ALLOWED = {"participants", "accounts", "chats", "outbox", "outbox_mentions", "button_tokens",
           "activity", "meta", "schedules", "schema_version"}
# Arguments tried on every command a participant can type: enough to reach the parts
# that store (a cohort code, a unit number, a time, "new", a zone, a survey's name).
SAMPLE_ARGS = ["", "demo", "1", "new", "in 2 hours call Li", "Europe/Paris", "impact",
               "pre-assessment"]


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def counts(db: Database) -> dict[str, int]:
    tables = [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: (await db.fetchone(f'SELECT COUNT(*) FROM "{t}"'))[0]  # type: ignore[index]
            for t in tables}


async def refuse_consent(h: ConsoleHarness, user: str) -> None:
    asked = await h.send(user, "/start", language="en")
    assert "Do you agree?" in text_of(asked)
    await h.press(user, "No, thanks")


@pytest.mark.parametrize("answer", ["declined", "not answered"])
async def test_no_command_stores_more_without_consent(tmp_path: Path, answer: str) -> None:
    """Every command a participant can type, with arguments that reach what it stores:
    nothing is written beyond the account, the language and the choice."""
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        db = h.bot.services.db
        await h.send("fac", "/survey start impact")  # an open survey to answer
        if answer == "declined":
            await refuse_consent(h, "ana")
        else:
            await h.send("ana", "/start", language="en")
        commands = [c for c in h.bot.services.registry.visible_to(False)
                    if c.name not in ("forgetme",)]
        before = await counts(db)
        refused = []
        for command in commands:
            for args in SAMPLE_ARGS:
                replies = await h.send("ana", f"/{command.name} {args}".strip())
                if REFUSAL in text_of(replies):
                    refused.append(command.name)
        after = await counts(db)
        grew = {t: (before.get(t, 0), n) for t, n in after.items()
                if t not in ALLOWED and n != before.get(t, 0)}
        assert grew == {}, grew
        schedules = [r[0] for r in await db.fetchall(
            "SELECT DISTINCT kind FROM schedules WHERE participant_id IS NOT NULL")]
        assert set(schedules) <= {"mydata-expiry"}, schedules
        for name in ("join", "unit", "assessment", "remind", "timezone", "practice", "link",
                     "survey"):
            assert name in refused, name
        assert (await db.fetchone("SELECT COUNT(*) FROM enrolments"))[0] == 0  # type: ignore[index]


async def test_a_survey_answered_after_declining_is_not_stored(tmp_path: Path) -> None:
    """Someone who agreed, was invited, then pressed "No, thanks" on the old question (on
    Telegram, where an old button still works): their survey buttons and typed answers
    are refused, and nothing is recorded."""
    from tests.harness_telegram import open_telegram

    async with open_telegram(tmp_path, facilitators=["fac"],
                             cohorts=[demo_cohort(channels=[])]) as h:
        db = h.bot.services.db
        await h.send("ana", "/start", language="en")
        await h.press("ana", "I agree")
        await h.send("ana", "/join demo")
        await h.send("fac", "/survey start impact", language="en")
        await h.press("ana", "Start")
        await h.press("ana", "No, thanks")  # the privacy question is still in the chat
        sessions = [tuple(r) for r in await db.fetchall("SELECT * FROM survey_sessions")]
        pressed = await h.press("ana", "4")
        assert REFUSAL in text_of(pressed)
        typed = await h.send("ana", "I set up a cooperation with Li")
        assert "I answer commands" in text_of(typed)
        assert [tuple(r) for r in await db.fetchall("SELECT * FROM survey_sessions")] \
            == sessions
        assert (await db.fetchone("SELECT COUNT(*) FROM survey_responses"))[0] == 0  # type: ignore[index]


async def test_i_agree_records_consent_and_carries_on(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        db = h.bot.services.db
        await refuse_consent(h, "ana")
        refused = await h.send("ana", "/join demo")
        assert REFUSAL in text_of(refused) and refused[-1].buttons == ["I agree"]
        agreed = await h.press("ana", "I agree")
        said = text_of(agreed)
        assert "Thank you!" in said and "Welcome to SSTC Academy — demo cohort!" in said
        assert (await db.fetchone("SELECT consent FROM participants"))[0] == "given"  # type: ignore[index]
        assert (await db.fetchone("SELECT COUNT(*) FROM enrolments"))[0] == 1  # type: ignore[index]
        # Carried on once: pressing again does not run /join a second time.
        again = await h.press("ana", "I agree")
        assert "Welcome to SSTC Academy" not in text_of(again)


async def test_refused_in_french_with_a_french_button(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        replies = await h.send("ana", "/remind dans 2 heures appeler Li", language="fr")
        [refusal] = [r for r in replies if r.buttons]
        assert "vous n’avez pas donné votre accord" in refusal.text
        assert refusal.buttons == ["J’accepte"]
        assert (await h.bot.services.db.fetchone(
            "SELECT COUNT(*) FROM schedules WHERE kind = 'reminder'"))[0] == 0  # type: ignore[index]


async def test_whoami_says_asked_and_not_answered(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        fresh = await h.send("ana", "/whoami", language="en")
        assert "Consent: not asked yet" in text_of(fresh)
        await h.send("ana", "/start")
        await h.send("ana", "/start")
        asked = text_of(await h.send("ana", "/whoami"))
        assert "Consent: asked on " in asked and "not answered yet" in asked
        assert "not asked yet" not in asked
        await h.press("ana", "No, thanks")
        assert "Consent: declined on " in text_of(await h.send("ana", "/whoami"))


async def test_the_refusal_and_i_agree_over_telegram(tmp_path: Path) -> None:
    from tests.harness_telegram import open_telegram

    async with open_telegram(tmp_path, cohorts=[demo_cohort(channels=[])]) as h:
        refused = await h.send("ana", "/join demo", language="en")
        assert REFUSAL in text_of(refused)
        agreed = await h.press("ana", "I agree")
        assert "Welcome to SSTC Academy — demo cohort!" in text_of(agreed)
        assert (await h.bot.services.db.fetchone(
            "SELECT COUNT(*) FROM enrolments"))[0] == 1  # type: ignore[index]


# Where the bot is reached without consent, and why that stores nothing more. Any other
# command, button, message or event handler must declare `needs_consent=True`: a new
# feature has to be added to one or the other, so it cannot forget to ask.
WITHOUT_CONSENT = {
    "commands": {"start", "language", "help", "whoami", "mydata", "forgetme", "leave",
                 "units", "practices", "original",
                 # They reach a conversation only: its own declaration decides (below).
                 "skip", "cancel"},
    # The language and consent choices themselves; /forgetme's confirmation.
    "callbacks": {"lang", "consent", "forget"},
    # Enrolling by writing in a cohort chat checks consent itself; the relay (a bridged
    # chat carries a notice; who declined is not relayed).
    "messages": {"cohort channel members", "relay"},
    # A typed /forgetme answer (bot/conversations.py).
    "conversations": {"forgetme"},
    # The group greeting (and enrolment, which checks consent itself), the relay's edits
    # and deletions, group polls (votes counted per poll; see the README).
    "events": {"onboarding.member_joined", "cohorts.enrol_channel_member",
               "relay.relay_edit", "relay.relay_delete", "polls.on_poll_answer",
               "polls.on_poll_totals"},
}


async def test_every_entry_point_either_asks_for_consent_or_is_known_not_to_store(
        tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        r = h.bot.services.registry
        commands = {c.name for c in r.visible_to(False) if not c.needs_consent}
        callbacks = set(r.callbacks) - r.consent_callbacks
        messages = {name for name, _ in r.message_handlers} - r.consent_messages
        events = {f"{fn.__module__.split('.')[1]}.{fn.__name__}"  # feature.handler
                  for fns in r.event_handlers.values() for fn in fns
                  if id(fn) not in r.consent_events}
        conversations = {k for k, c in r.conversations.items() if not c.needs_consent}
        assert {"commands": commands, "callbacks": callbacks, "messages": messages,
                "conversations": conversations, "events": events} == WITHOUT_CONSENT
        gated = {c.name for c in r.visible_to(False) if c.needs_consent}
        assert {"join", "unit", "assessment", "remind", "survey", "practice"} <= gated


# --- facilitators are participants only by choice (issue 15 item 5) ---------------------


async def test_a_facilitator_is_not_enrolled_unless_they_choose(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        db = h.bot.services.db
        for user in ("ana", "bea"):
            await h.send(user, "/start", language="en")
            await h.press(user, "I agree")
        await h.send("ana", "/join demo")
        await say(h, "academy", "bea", "Hello everyone")  # a participant: enrolled
        await h.send("fac", "/start", language="en")
        await h.press("fac", "I agree")
        await say(h, "academy", "fac", "Welcome all, I am your facilitator")
        asked = await h.send("fac", "/join demo")
        assert "You facilitate SSTC Academy — demo cohort" in text_of(asked)
        assert asked[-1].buttons == ["Join as a participant"]
        assert (await db.fetchone("SELECT COUNT(*) FROM enrolments"))[0] == 2  # type: ignore[index]
        report = text_of(await h.send("fac", "/progress"))
        assert "enrolled: 2" in report
        # The survey goes to the participants only.
        started = await h.send("fac", "/survey start impact")
        assert "fac" not in {r.chat_id for r in started if r.buttons}
        # By choice, they take part.
        joined = await h.press("fac", "Join as a participant")
        assert "Welcome to SSTC Academy — demo cohort!" in text_of(joined)
        assert "enrolled: 3" in text_of(await h.send("fac", "/progress"))


# --- the audit log records the real outcome (issue 15 item 6) ---------------------------


async def test_a_refused_facilitator_command_is_audited_as_refused(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        answer = text_of(await h.send("fac", "/facilitator add @nobody", language="en"))
        assert 'I know nobody called "@nobody"' in answer
        await h.send("ana", "/start", language="en")
        await h.send("fac", "/facilitator add ana")
        rows = await h.bot.services.db.fetchall(
            "SELECT action, outcome FROM audit_log ORDER BY id")
        assert [tuple(r) for r in rows] == [
            ("facilitator", "refused"), ("facilitator add", "done"), ("facilitator", "done")]


async def test_the_refusal_and_i_agree_over_discord(tmp_path: Path) -> None:
    from tests.harness_discord import open_discord

    async with open_discord(tmp_path, cohorts=[demo_cohort(channels=[])]) as h:
        refused = await h.send("ana", "!remind in 2 hours call Li", language="en")
        assert REFUSAL in text_of(refused)
        agreed = await h.press("ana", "I agree")
        assert "Thank you!" in text_of(agreed)
        assert (await h.bot.services.db.fetchone(
            "SELECT COUNT(*) FROM schedules WHERE kind = 'reminder'"))[0] == 1  # type: ignore[index]
