"""The bot's Markdown (inline and the content files' blocks) on each platform."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.adapters.discord_render import render_parts as discord_parts
from bot.adapters.telegram_render import TEXT_LIMIT, render_parts
from bot.render import to_discord, to_plain, to_telegram_html
from tests.harness import SAMPLE_ACADEMY

UNIT = """## The principles

SSTC is guided by a few principles:

- **Solidarity**: countries help each other as equals.
- _Demand-driven_: see [the ILO](https://www.ilo.org/sstc?a=1&b=2).

### Steps
1. Identify the need
2. Find a partner"""


def test_console_gets_plain_lines_and_bullets() -> None:
    assert to_plain(UNIT, "markdown") == (
        "The principles\n\nSSTC is guided by a few principles:\n\n"
        "• Solidarity: countries help each other as equals.\n"
        "• Demand-driven: see the ILO (https://www.ilo.org/sstc?a=1&b=2).\n\n"
        "Steps\n1. Identify the need\n2. Find a partner")


def test_telegram_gets_bold_headings_bullets_and_escaped_text() -> None:
    assert to_telegram_html(UNIT, "markdown") == (
        "<b>The principles</b>\n\nSSTC is guided by a few principles:\n\n"
        "• <b>Solidarity</b>: countries help each other as equals.\n"
        '• <i>Demand-driven</i>: see <a href="https://www.ilo.org/sstc?a=1&amp;b=2">the ILO'
        "</a>.\n\n<b>Steps</b>\n1. Identify the need\n2. Find a partner")
    # Bold inside a heading would nest <b> in <b>: the heading is bold already.
    assert to_telegram_html("## A **strong** title & more", "markdown") == \
        "<b>A strong title &amp; more</b>"


def test_discord_keeps_headings_and_lists() -> None:
    assert to_discord(UNIT, "markdown") == (
        "## The principles\n\nSSTC is guided by a few principles:\n\n"
        "- **Solidarity**: countries help each other as equals.\n"
        "- *Demand-driven*: see [the ILO](<https://www.ilo.org/sstc?a=1&b=2>).\n\n"
        "### Steps\n1. Identify the need\n2. Find a partner")
    # Deeper headings than Discord has become its smallest one.
    assert to_discord("##### Small", "markdown") == "### Small"


def test_plain_text_is_left_alone_or_escaped() -> None:
    text = "## not a heading\n- not a list\n1. not a list"
    assert to_plain(text) == text
    assert to_telegram_html(text) == text
    assert to_discord(text) == "\\## not a heading\n\\- not a list\n1\\. not a list"


def test_look_alikes_are_not_blocks() -> None:
    text = "#hashtag\n-5 degrees\n2026 was a year\n**Bold** start"
    assert to_plain(text, "markdown") == "#hashtag\n-5 degrees\n2026 was a year\nBold start"
    assert to_telegram_html(text, "markdown") == \
        "#hashtag\n-5 degrees\n2026 was a year\n<b>Bold</b> start"
    assert to_discord(text, "markdown") == \
        "\\#hashtag\n\\-5 degrees\n2026 was a year\n**Bold** start"


def test_a_right_to_left_mark_does_not_hide_a_block() -> None:
    rlm = "\u200f"
    text = f"{rlm}## عنوان\n{rlm}- بند\n{rlm}1. أول"
    assert to_plain(text, "markdown") == f"{rlm}عنوان\n{rlm}• بند\n{rlm}1. أول"
    assert to_telegram_html(text, "markdown") == f"{rlm}<b>عنوان</b>\n{rlm}• بند\n{rlm}1. أول"
    # Discord reads a marker only at the very start of a line: the mark goes after it.
    assert to_discord(text, "markdown") == f"## {rlm}عنوان\n- {rlm}بند\n1. {rlm}أول"


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"


def _body(path: str) -> str:
    return (SAMPLE_ACADEMY / "units" / path).read_text(encoding="utf-8").split("+++")[2].strip()


@pytest.mark.parametrize("name", ["unit-01.en.md", "unit-05.fr.md", "unit-03.ar.md"])
def test_a_500_word_unit_splits_cleanly_on_telegram(name: str) -> None:
    body = _body(name)
    # A 500-word unit (the sample ones have 300 to 400 words: extended with their own
    # paragraphs), then twice that, longer than one Telegram message.
    paragraphs = body.split("\n\n")
    long_unit = body
    while len(long_unit.split()) < 500:
        long_unit += "\n\n" + paragraphs[len(long_unit) % len(paragraphs)]
    for text in (f"**Unit 1: title**\n\n{long_unit}",
                 f"**Unit 1: title**\n\n{long_unit}\n\n{long_unit}"):
        _check_parts(text)
    assert len(render_parts(f"**Unit 1: title**\n\n{long_unit}\n\n{long_unit}",
                            "markdown")) >= 2
    # One sample unit is one message: it fits in Telegram's 4096 characters.
    assert len(render_parts(f"**Unit 1: title**\n\n{body}", "markdown")) == 1


def _check_parts(text: str) -> None:
    parts = render_parts(text, "markdown")
    starts = tuple(p[:40] for p in to_telegram_html(text, "markdown").split("\n\n"))
    for part in parts:
        assert len(part) <= TEXT_LIMIT
        checker = _Balance()
        checker.feed(part)
        assert checker.open == [], "a tag left open at the end of a part"
        # Each part starts where a paragraph or heading starts, never mid-sentence.
        assert part.startswith(starts)
    joined = re.sub(r"\s+", "", "".join(parts))
    assert joined == re.sub(r"\s+", "", to_telegram_html(text, "markdown"))


def test_a_unit_splits_into_discord_parts_that_keep_their_markdown() -> None:
    body = _body("unit-01.en.md")
    parts = discord_parts(body, "markdown")
    assert len(parts) >= 2  # Discord takes 2000 characters
    assert all(len(p) <= 2000 for p in parts)
    assert all(p.count("**") % 2 == 0 for p in parts)
    assert sum(p.count("\n## ") + p.startswith("## ") for p in parts) == body.count("## ")
