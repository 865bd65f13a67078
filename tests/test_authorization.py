"""The authorization matrix (issue 9, item 4): every facilitator-only command, run by a
participant on the console, Telegram and Discord, is refused in their language and
audited; the same command by a facilitator is not refused. The list of commands comes from
the registry, so a command added later is covered without editing this test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import FEATURES
from bot.commands import CommandRegistry
from tests.harness import open_console
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram

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
