"""Buttons on Discord, as its users see them: every button of a neutral message reaches the
user (a button, or an option of a select menu) within Discord's limits, which the fake
enforces (<= 5 rows, <= 5 buttons a row or one select menu, labels <= 80)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.model import Button, ChatKind, ChatRef, EventKind, OutboundMessage
from tests.harness_discord import DiscordHarness, open_discord


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with open_discord(tmp_path) as harness:
        yield harness


def shown(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


async def deliver(dc: DiscordHarness, buttons: list[list[Button]]) -> OutboundMessage:
    chat = ChatRef("discord", str(dc.user("ana").id), ChatKind.PRIVATE)
    msg = OutboundMessage(chat, "Choose all that apply, then press Done.", buttons=buttons)
    assert await dc.bot.services.outbox.enqueue(msg) is not None
    assert await dc.bot.services.outbox.wait_idle("discord", limit=10, include_delayed=True)
    return msg


def multiple_choice(options: int, label: str = "Option") -> list[list[Button]]:
    """The survey's multi-choice shape: one option a row, then Done, then Continue later."""
    return [*([Button(f"{label} {n}", f"sv:1:t:0:{n}")] for n in range(1, options + 1)),
            [Button("Done", "sv:1:d:0", control=True)],
            [Button("Continue later", "sv:1:p", control=True)]]


def single_choice(options: int) -> list[list[Button]]:
    return [*([Button(f"Choice {n}", f"sv:1:a:0:{n}")] for n in range(1, options + 1)),
            [Button("Skip", "sv:1:s:0", control=True),
             Button("Continue later", "sv:1:p", control=True)]]


def scale(high: int) -> list[list[Button]]:
    values = list(range(1, high + 1))
    return [*([Button(str(v), f"sv:1:a:0:{v}") for v in values[i:i + 6]]
              for i in range(0, len(values), 6)),
            [Button("Continue later", "sv:1:p", control=True)]]


SHAPES = {f"multiple-{n}": multiple_choice(n) for n in (3, 4, 5, 6, 9, 22, 23, 24, 25, 26, 60)}
SHAPES |= {f"single-{n}": single_choice(n) for n in (4, 5, 6, 24, 25, 26)}
SHAPES |= {"scale-10": scale(10), "scale-30": scale(30),
           "long-labels": multiple_choice(9, "A long option, " * 10),
           "one-row-of-30": [[Button(f"B{n}", f"x:{n}") for n in range(30)]]}


@pytest.mark.parametrize("name", list(SHAPES))
async def test_every_button_reaches_the_user(dc: DiscordHarness, name: str) -> None:
    buttons = SHAPES[name]
    await deliver(dc, buttons)
    [sent] = dc.fake.sent
    flat = [b for row in buttons for b in row]
    in_select = {label for label, _ in sent.choices}
    # Every button, in order, under a label Discord accepts (80 on a button, 100 on an
    # option of a select menu).
    assert [label for label, _ in sent.reachable] == [
        shown(b.label, 100 if shown(b.label, 100) in in_select else 80) for b in flat]
    data = [await dc.bot.services.outbox.tokens.repo.get(token)
            for _label, token in sent.reachable]
    assert [d.data if d else None for d in data] == [b.data for b in flat]
    # The controls ("Done", "Continue later") stay buttons, never inside a menu.
    controls = [b.label for b in flat if b.control]
    assert controls == sent.labels[len(sent.labels) - len(controls):]


async def test_a_choice_in_a_select_menu_is_a_press_of_its_button(dc: DiscordHarness) -> None:
    await deliver(dc, multiple_choice(30))
    [sent] = dc.fake.sent
    label, value = sent.choices[27]
    assert label == "Option 28"
    await dc.fake.choose(dc.user("ana"), sent.message_id, value)
    [press] = await dc.fake.wait_for(
        lambda: [e for e in dc.handled.events if e.kind is EventKind.CALLBACK],
        what="the choice")
    stored = await dc.bot.services.outbox.tokens.repo.get(press.callback_data or "")
    assert stored is not None and stored.data == "sv:1:t:0:28"
