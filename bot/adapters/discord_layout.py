"""Neutral button rows -> Discord components, within Discord's limits.

Discord takes at most 5 action rows of at most 5 buttons (25 in all) per message, button
labels of at most 80 characters and custom_ids of at most 100; a string select fills a
row alone and holds at most 25 options (labels and values of at most 100 characters).
Handlers lay buttons out one option per row, with control rows ("Done", "Continue
later") last; a view that kept only the first 5 rows lost exactly those controls.

The rules, so that every button stays reachable. The *controls* are the trailing rows
made only of `Button.control` buttons (without any, the last row when there are several):
1. the rows as given, when they fit;
2. otherwise the choices packed 5 a row, each control row on its own below them (all
   buttons packed 5 a row if that is still too many rows);
3. more than 25 buttons: the choices become select menus (one option per button, its
   value the button's data) above the control rows; what 5 rows cannot hold (over 100
   choices) is dropped and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

from bot.model import Button

log = logging.getLogger("bot.discord")
MAX_ROWS, PER_ROW, PER_SELECT = 5, 5, 25
LABEL_LIMIT, OPTION_LIMIT, CUSTOM_ID_LIMIT = 80, 100, 100
SELECT_PREFIX = "select:"  # a select's own custom_id; what counts is the chosen value


@dataclass(frozen=True, slots=True)
class Row:
    buttons: list[Button]
    select: bool = False  # one select menu offering `buttons` as its options


def _chunks(buttons: list[Button], size: int) -> list[list[Button]]:
    return [buttons[i:i + size] for i in range(0, len(buttons), size)]


def _controls(rows: list[list[Button]]) -> int:
    """How many trailing rows are controls."""
    count = 0
    while count < len(rows) and all(b.control for b in rows[-1 - count]):
        count += 1
    return count if count or len(rows) < 2 else 1


def layout(buttons: list[list[Button]]) -> list[Row]:
    """The rows to show, each button of `buttons` in one of them (see the module doc)."""
    rows = [row for row in buttons if row]
    if len(rows) <= MAX_ROWS and all(len(r) <= PER_ROW for r in rows):
        return [Row(r) for r in rows]
    cut = len(rows) - _controls(rows)
    choices = [b for row in rows[:cut] for b in row]
    controls = [chunk for row in rows[cut:] for chunk in _chunks(row, PER_ROW)]
    everything = [b for row in rows for b in row]
    if len(everything) <= MAX_ROWS * PER_ROW:
        packed = _chunks(choices, PER_ROW) + controls
        return [Row(r) for r in (packed if len(packed) <= MAX_ROWS
                                 else _chunks(everything, PER_ROW))]
    if len(controls) >= MAX_ROWS:  # no room for a menu beside them: one menu for all
        choices, controls = everything, []
    menus = _chunks(choices, PER_SELECT)
    room = MAX_ROWS - len(controls)
    if len(menus) > room:
        log.warning("%d buttons beyond what one Discord message can hold were dropped",
                    sum(map(len, menus[room:])))
        menus = menus[:room]
    return [Row(m, select=True) for m in menus] + [Row(r) for r in controls]


def _fit(text: str, limit: int) -> str:
    text = text.strip() or "…"
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _custom_id(data: str) -> str:
    if len(data) > CUSTOM_ID_LIMIT:
        log.warning("button data longer than 100 characters cut: %s…", data[:20])
    return data[:CUSTOM_ID_LIMIT]


def button_view(buttons: list[list[Button]]) -> discord.ui.View | None:
    """Buttons whose custom_id is the button's data, or select menus whose values are;
    presses and choices arrive in on_interaction."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(layout(buttons)):
        if row.select:
            options = [discord.SelectOption(label=_fit(b.label, OPTION_LIMIT),
                                            value=_custom_id(b.data)) for b in row.buttons]
            view.add_item(discord.ui.Select(custom_id=f"{SELECT_PREFIX}{index}",
                                            options=options, row=index))
            continue
        for b in row.buttons:
            view.add_item(discord.ui.Button(label=_fit(b.label, LABEL_LIMIT),
                                            custom_id=_custom_id(b.data),
                                            style=discord.ButtonStyle.secondary, row=index))
    # Stopped, so discord.py does not keep a View per message forever (a broadcast to
    # thousands would): the components are sent all the same.
    view.stop()
    return view
