"""Slash commands on Discord, as their users see them: every interaction is answered (no
"The application did not respond"), and what answers one person in a channel is theirs
alone (ephemeral) or sent to their DM, never shown to the channel. The fake holds
Discord's rules (tests/fakes/discord_server.py: `FakeInteraction.responded`)."""

from __future__ import annotations

from pathlib import Path

from bot.content.academy import load_academy
from bot.model import EventKind
from tests.fakes.discord_server import FakeInteraction, SentMessage
from tests.harness import SAMPLE_ACADEMY, demo_cohort
from tests.harness_discord import DiscordHarness, from_discord, open_discord

SAMPLE, _problems = load_academy(SAMPLE_ACADEMY)
assert SAMPLE is not None


async def slash(dc: DiscordHarness, user: str, command: str, arguments: str | None = None,
                *, channel: int | None = None) -> tuple[FakeInteraction, list[SentMessage]]:
    """`user` runs /command; what the bot made appear meanwhile (edits included)."""
    before = {s.message_id for s in dc.fake.sent}
    interaction = await dc.fake.slash(dc.user(user), command, arguments, channel=channel)
    await dc.settle(f"interaction:{interaction.id}")
    return interaction, [s for s in dc.fake.sent if s.message_id not in before
                         or s.interaction_id == interaction.id]


async def test_every_slash_command_is_answered_in_a_channel_and_in_a_dm(
        tmp_path: Path) -> None:
    async with open_discord(tmp_path, facilitators=["fatou"]) as dc:
        names = sorted(c["name"] for c in dc.fake.commands[dc.fake.guild_id])
        assert {"whoami", "link", "remind", "survey", "join", "mydata"} <= set(names)
        shown_to_channel: list[str] = []
        for user in ("ana", "fatou"):
            for name in names:
                if name == "forgetme":
                    continue  # run last: it erases the person
                for channel in (dc.fake.general, None):
                    _, appeared = await slash(dc, user, name, channel=channel)
                    shown_to_channel += [
                        f"/{name}: {from_discord(s.content)[:60]}" for s in appeared
                        if user == "ana" and s.channel_id == dc.fake.general
                        and not s.ephemeral]
            for channel in (dc.fake.general, None):
                await slash(dc, user, "forgetme", channel=channel)
        assert len(dc.fake.interactions) == 2 * 2 * len(names)
        unanswered = dc.fake.unanswered()
        assert [(i.user.name, i.channel.name or "DM", i.id) for i in unanswered] == []
        # A participant's commands answer them alone: nothing appears in the channel.
        assert shown_to_channel == []


async def test_whoami_and_link_in_a_channel_answer_privately_and_say_so(
        tmp_path: Path) -> None:
    async with open_discord(tmp_path) as dc:
        for command in ("whoami", "link"):
            interaction, appeared = await slash(dc, "ana", command, channel=dc.fake.general)
            assert interaction.responded(dc.fake.messages)
            dm = dc.fake.dm_channel(dc.user("ana")).id
            in_channel = [s for s in appeared if s.channel_id == dc.fake.general]
            assert [s.ephemeral for s in in_channel] == [True]
            assert from_discord(in_channel[0].content) == \
                "I have answered you in a private message."
            assert any(s.channel_id == dm for s in appeared)


async def test_personal_answers_in_a_channel_are_ephemeral(tmp_path: Path) -> None:
    async with open_discord(tmp_path, cohorts=[demo_cohort()]) as dc:
        await dc.send("ana", "/start", language="en")
        await dc.press("ana", "I agree")
        for command, arguments in (("join", "demo"), ("remind", "list"), ("survey", None),
                                   ("help", None)):
            interaction, appeared = await slash(dc, "ana", command, arguments,
                                                channel=dc.fake.general)
            in_channel = [s for s in appeared if s.channel_id == dc.fake.general]
            assert in_channel and all(s.ephemeral for s in in_channel), command
            assert interaction.responded(dc.fake.messages)
        # The channel heard nothing of it: no echo of an ephemeral message reached the bot.
        assert not [e for e in dc.handled.events if e.kind is EventKind.MESSAGE
                    and e.chat.chat_id == str(dc.fake.general)]


async def test_a_multi_choice_question_shows_every_option_and_toggles_in_place(
        tmp_path: Path) -> None:
    """The impact survey's question 2 (9 topics): every topic, Done and Continue later
    reach the person; pressing a topic edits the question, it is not posted again."""
    topics = {q["id"]: q for q in SAMPLE.surveys["impact"]["questions"]}["topics"]
    topics_en = topics["options"]["en"]
    async with open_discord(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as dc:
        await dc.send("ana", "/join demo", language="en")
        await dc.send("fac", "/survey start impact", language="en")
        await dc.press("ana", "Start")
        [question] = await dc.press("ana", "4")
        assert question.buttons == [*topics_en, "Done", "Continue later"]
        [asked] = [s for s in dc.fake.sent_to(dc.fake.dm_channel(dc.user("ana")).id)
                   if s.labels and s.labels[-1] == "Continue later"][-1:]

        assert await dc.press("ana", topics_en[6]) == []  # no new copy
        assert await dc.press("ana", topics_en[1]) == []
        assert asked.edited and asked.labels == [
            *(("✓ " if n in (1, 6) else "") + t for n, t in enumerate(topics_en)),
            "Done", "Continue later"]
        assert f"{topics_en[1]}; {topics_en[6]}" in from_discord(asked.content)
        after = await dc.press("ana", "Done")
        assert after and "Since the academy" in after[-1].text
