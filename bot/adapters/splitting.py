"""Split a long text into parts a platform accepts, at the most natural boundary.

Platform-neutral: Telegram allows 4096 characters per message, Discord 2000, and neither
library splits for you. Split the *source* text (plain or the bot's light Markdown) before
rendering it, so no HTML tag or Markdown pair is ever cut in half by the splitter itself.

Boundaries, in order of preference, within the first `limit` characters (the last one
of a kind that does not leave a Markdown heading at the end of a part, if there is one):
  1. the last paragraph break (a blank line),
  2. the last line break,
  3. the last run of whitespace (between words),
  4. a hard cut at `limit`, stepped back so a combining mark, variation selector or
     zero-width joiner stays with the character before it.
The whitespace at a boundary is dropped (trailing whitespace of a part and the line
breaks opening the next one; the indentation of the next line is kept), so joining the
parts gives back the original text except for whitespace at the boundaries. A Markdown
span longer than a whole line can still be cut at a word boundary inside it; a caller
that renders must check each rendered part and split again if escaping made it longer
(`split_first` helps; see `bot.adapters.telegram.render_parts`).
"""

from __future__ import annotations

import re
import unicodedata

_PARAGRAPH = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_LINE = re.compile(r"\n")
_WORD = re.compile(r"\s+")
_BOUNDARIES = (_PARAGRAPH, _LINE, _WORD)
_HEADING = re.compile(r"\u200f?[ \t]*#{1,6}[ \t]+\S")  # a Markdown heading line
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


def split_text(text: str, limit: int) -> list[str]:
    """Return parts of `text`, each at most `limit` characters, none blank.

    A text within the limit comes back unchanged as the only part (even if empty); a
    longer text that is only whitespace gives no parts.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        head, rest = split_first(rest, limit)
        if head.strip():
            parts.append(head)
    if rest.strip():
        parts.append(rest)
    return parts


def split_first(text: str, limit: int) -> tuple[str, str]:
    """The first part of `text` (at most `limit` characters, at the best boundary) and
    the rest, the boundary's whitespace dropped. For callers that size each part on its
    own, such as one whose rendering grows the text. `text` must be longer than `limit`."""
    # One character more than the limit: a boundary right after a full part still counts,
    # since the boundary itself is dropped.
    window = text[: limit + 1]
    for boundary in _BOUNDARIES:
        usable = [m for m in boundary.finditer(window)
                  if m.start() > 0 and window[: m.start()].strip()]
        if not usable:
            continue
        # A heading stays with what it heads: not the last line of a part, if an earlier
        # boundary of the same kind avoids it.
        last = next((m for m in reversed(usable)
                     if not _HEADING.match(window[: m.start()].rstrip().rsplit("\n", 1)[-1])),
                    usable[-1])
        # Re-match on the whole text: the run of whitespace may go on past the window.
        end = boundary.match(text, last.start())
        assert end is not None
        return text[: last.start()].rstrip(), text[end.end():]
    cut = limit
    while cut > max(1, limit // 2) and (_clings(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    return text[:cut], text[cut:]


def _clings(char: str) -> bool:
    """True for a character that belongs to the one before it."""
    return char in _JOINERS or unicodedata.combining(char) != 0
