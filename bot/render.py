"""The bot's light Markdown for each platform: inline **bold**, _italic_, `code`,
[text](url), and, at the start of a line, headings (`## Heading`), bullet lists (`- item`)
and numbered lists (`1. item`) — the content files' Markdown (content/FORMAT.md).

Blocks are rendered line by line (inline markup never spans lines), so a text split at
line or paragraph boundaries renders the same in parts as in one piece. A right-to-left
mark opening a line (Arabic, see bot.i18n.rtl_marked) is kept and does not hide a block
marker behind it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_TOKENS = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w])_(?P<italic>[^_\n]+?)_(?![\w])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
)


_HEADING = re.compile(
    r"^(?P<rlm>\u200f?)[ \t]*(?P<level>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^(?P<rlm>\u200f?)(?P<indent>[ \t]*)[-*+][ \t]+(?P<text>.*)$")
_NUMBERED = re.compile(r"^(?P<rlm>\u200f?)(?P<indent>[ \t]*)(?P<n>\d{1,9})[.)][ \t]+(?P<text>.*)$")


class _Blocks:
    """How one platform writes each kind of line; `inline` renders the text inside."""

    def __init__(self, inline: Callable[[str], str],
                 heading: Callable[[str, int, str], str],
                 bullet: Callable[[str, str, str], str],
                 numbered: Callable[[str, str, str, str], str]):
        self.inline, self.heading, self.bullet, self.numbered = inline, heading, bullet, numbered

    def render(self, text: str) -> str:
        out: list[str] = []
        for line in text.split("\n"):
            if m := _HEADING.match(line):
                # A heading is bold already: bold inside it would nest (Telegram refuses).
                text = _BOLD.sub(r"\1", m["text"])
                out.append(self.heading(m["rlm"], len(m["level"]), self.inline(text)))
            elif m := _BULLET.match(line):
                out.append(self.bullet(m["rlm"], m["indent"], self.inline(m["text"])))
            elif m := _NUMBERED.match(line):
                out.append(self.numbered(m["rlm"], m["indent"], m["n"], self.inline(m["text"])))
            else:
                out.append(self.inline(line))
        return "\n".join(out)


def _plain_inline(text: str) -> str:
    def plain(m: re.Match[str]) -> str:
        if m.group("url"):
            return f"{m.group('label')} ({m.group('url')})"
        return m.group("bold") or m.group("italic") or m.group("code") or ""

    return _TOKENS.sub(plain, text)


_PLAIN = _Blocks(
    _plain_inline,
    heading=lambda rlm, _level, text: rlm + text,
    bullet=lambda rlm, indent, text: f"{rlm}{indent}• {text}",
    numbered=lambda rlm, indent, n, text: f"{rlm}{indent}{n}. {text}",
)


def to_plain(text: str, fmt: str = "plain") -> str:
    """Plain text (the console): headings become plain lines, bullets "• "."""
    if fmt != "markdown":
        return text
    return _PLAIN.render(text)


def to_telegram_html(text: str, fmt: str = "plain") -> str:
    """Telegram HTML: everything escaped, then only our own tags added; headings in bold,
    bullets "• " (Telegram has neither headings nor lists)."""
    if fmt != "markdown":
        return html.escape(text, quote=False)
    return _TELEGRAM.render(text)


def _telegram_inline(text: str) -> str:
    out: list[str] = []
    last = 0
    for m in _TOKENS.finditer(text):
        out.append(html.escape(text[last:m.start()], quote=False))
        if m.group("bold"):
            out.append(f"<b>{html.escape(m.group('bold'), quote=False)}</b>")
        elif m.group("italic"):
            out.append(f"<i>{html.escape(m.group('italic'), quote=False)}</i>")
        elif m.group("code"):
            out.append(f"<code>{html.escape(m.group('code'), quote=False)}</code>")
        else:
            out.append(f'<a href="{html.escape(m.group("url"))}">'
                       f"{html.escape(m.group('label'), quote=False)}</a>")
        last = m.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


_TELEGRAM = _Blocks(
    _telegram_inline,
    heading=lambda rlm, _level, text: f"{rlm}<b>{text}</b>",
    bullet=lambda rlm, indent, text: f"{rlm}{indent}• {text}",
    numbered=lambda rlm, indent, n, text: f"{rlm}{indent}{n}. {text}",
)


# Inline markers count anywhere; block markers (quote, heading, list, subtext "-#",
# numbered list) only at the start of a line. Escaping only those keeps plain text
# readable in notifications, which show the raw text.
_DISCORD_INLINE = re.compile(r"([\\*_`~|\[\]])")
_DISCORD_LINE_START = re.compile(r"^([ \t]*)([>#-]|\d+(?=\.[ \t]))", re.MULTILINE)
# A backslash inside a URL breaks the link, and Discord applies no Markdown inside one.
_DISCORD_URL = re.compile(r"https?://[^\s<>]+")


def _escape_discord_segment(text: str) -> str:
    text = _DISCORD_INLINE.sub(r"\\\1", text)
    return _DISCORD_LINE_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2).isdigit() else "\\" + m.group(2)),
        text)


def escape_discord(text: str) -> str:
    """Plain text that Discord shows as typed: Markdown markers escaped, URLs left intact."""
    out: list[str] = []
    last = 0
    for m in _DISCORD_URL.finditer(text):
        out.append(_escape_discord_segment(text[last:m.start()]))
        out.append(m.group())
        last = m.end()
    out.append(_escape_discord_segment(text[last:]))
    return "".join(out)


def to_discord(text: str, fmt: str = "plain") -> str:
    """Discord Markdown: our markup maps directly (headings up to `###`, lists as they
    are); plain text is escaped."""
    if fmt != "markdown":
        return escape_discord(text)
    return _DISCORD.render(text)


def _discord_inline(text: str) -> str:
    out: list[str] = []
    last = 0
    for m in _TOKENS.finditer(text):
        out.append(escape_discord(text[last:m.start()]))
        if m.group("bold"):
            out.append(f"**{escape_discord(m.group('bold'))}**")
        elif m.group("italic"):
            out.append(f"*{escape_discord(m.group('italic'))}*")
        elif m.group("code"):
            out.append(f"`{m.group('code')}`")
        else:
            out.append(f"[{escape_discord(m.group('label'))}](<{m.group('url')}>)")
        last = m.end()
    out.append(escape_discord(text[last:]))
    return "".join(out)


# The right-to-left mark goes after a block marker: Discord reads the marker only at the
# very start of a line.
_DISCORD = _Blocks(
    _discord_inline,
    heading=lambda rlm, level, text: f"{'#' * min(level, 3)} {rlm}{text}",
    bullet=lambda rlm, indent, text: f"{indent}- {rlm}{text}",
    numbered=lambda rlm, indent, n, text: f"{indent}{n}. {rlm}{text}",
)
