"""Platform knowledge stays in the adapters (issue 14): each adapter declares what its
platform can do and its limits (bot/capabilities.py), and features follow the declaration
of the platform they write to; mentions are rendered as the person's platform declares."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.adapters.capabilities import CONSOLE, DISCORD, TELEGRAM
from bot.model import Mention
from handlers.surveys.commands import how_to_reach
from tests.harness import ConsoleHarness, Reply, open_console

LONG = "An option far longer than twenty characters"


async def _poll(h: ConsoleHarness) -> list[Reply]:
    h.adapter._group = "team"
    return await h.send("fac", f"/poll Which one? | {LONG} | Short", language="en")


def _shown(replies: list[Reply]) -> str:
    return "\n".join([r.text for r in replies] + [b for r in replies for b in r.buttons])


async def test_a_poll_option_is_cut_to_the_length_the_platform_declares(
        tmp_path: Path) -> None:
    async with open_console(tmp_path / "as-declared", facilitators=["fac"]) as h:
        assert LONG in _shown(await _poll(h))
    async with open_console(tmp_path / "shorter", facilitators=["fac"]) as h:
        h.adapter.capabilities = replace(CONSOLE, poll_option_length=20)
        shown = _shown(await _poll(h))
        assert LONG not in shown and LONG[:19] + "…" in shown


async def test_a_vote_is_acknowledged_only_where_the_platform_shows_nothing(
        tmp_path: Path) -> None:
    for silent in (True, False):
        async with open_console(tmp_path / str(silent), facilitators=["fac"]) as h:
            h.adapter.capabilities = replace(CONSOLE, silent_votes=silent)
            await _poll(h)
            voted = _shown(await h.send("ana", "2", language="en"))
            assert ("Your vote is counted" in voted) is silent


async def test_people_are_named_as_their_platform_links_to_them(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        services = h.bot.services
        assert how_to_reach(services, "telegram", "42") == "Telegram · tg://user?id=42"
        assert how_to_reach(services, "discord", "42") == "Discord · <@42>"
        assert how_to_reach(services, "console", "ana") == "Console · ana"
        h.adapter.capabilities = replace(CONSOLE, name="Console", mention_syntax="@{user_id}")
        assert how_to_reach(services, "console", "ana") == "Console · @ana"
        assert services.mentioned_user("<@!2002>") == "2002"
        assert services.mentioned_user("2002") is None


def test_each_platform_declares_its_own_syntax_and_limits() -> None:
    assert TELEGRAM.mention(Mention("telegram", "7")) == "tg://user?id=7"
    assert DISCORD.mention(Mention("discord", "7")) == "<@7>"
    assert (DISCORD.poll_option_length, DISCORD.button_rows) == (55, 5)
    assert "quiz_polls" in TELEGRAM and "quiz_polls" not in DISCORD
    assert DISCORD.fit_label("x" * 100) == "x" * 79 + "…"


async def test_the_asker_is_warned_where_a_poll_cannot_hide_its_voters(tmp_path: Path) -> None:
    for hides in (True, False):
        async with open_console(tmp_path / str(hides), facilitators=["fac"]) as h:
            h.adapter.capabilities = replace(CONSOLE, anonymous_polls=hides)
            h.adapter._group = "team"
            posted = _shown(await h.send("fac", "/poll --anonymous Q? | a | b", language="en"))
            assert "Poll #1 is posted" in posted
            assert ("always shows who voted" in posted) is not hides
