"""The bot's light Markdown (**bold**, _italic_, `code`, [text](url)) for each platform."""

from __future__ import annotations

import html
import re

_TOKENS = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w])_(?P<italic>[^_\n]+?)_(?![\w])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
)


def to_plain(text: str, fmt: str = "plain") -> str:
    if fmt != "markdown":
        return text

    def plain(m: re.Match[str]) -> str:
        if m.group("url"):
            return f"{m.group('label')} ({m.group('url')})"
        return m.group("bold") or m.group("italic") or m.group("code") or ""

    return _TOKENS.sub(plain, text)


def to_telegram_html(text: str, fmt: str = "plain") -> str:
    """Telegram HTML: everything escaped, then only our own tags added."""
    if fmt != "markdown":
        return html.escape(text, quote=False)
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
    """Discord Markdown: our markup maps directly; plain text is escaped."""
    if fmt != "markdown":
        return escape_discord(text)
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
