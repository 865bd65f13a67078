"""Keep what must not be translated out of the engine's reach, and put it back after.

Protected: glossary terms (case-insensitive, whole words), code blocks and inline code,
URLs, e-mail addresses, Discord mentions/channels/roles/custom emoji/timestamps,
@mentions, hashtags and emoji.

The text sent to an engine is HTML: ordinary text escaped, each protected piece replaced by
`<span translate="no" id="pN">piece</span>`. Both engines honour that: LibreTranslate
(format="html") skips translate="no" elements and rebuilds the markup with BeautifulSoup,
DeepL (tag_handling="html") does the same. The piece stays inside the span so the engine
sees a whole sentence (better grammar around a name or term); we restore it from our own
copy, so whatever the engine does to the span's content does not matter. Opaque tokens
such as ⟦0⟧ or ###T01### were rejected: NMT models mangle or drop them (LibreTranslate
issue #944), while markup is parsed, not translated.

A message is translated line by line (one engine text per non-empty line): LibreTranslate's
HTML mode collapses whitespace, so newlines would otherwise be lost; lines are also the
natural cache unit (a repeated line is a cache hit). If any span comes back missing,
duplicated or altered, restoring raises TranslationError and the caller relays the original.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.translation.engine import TranslationError

_EMOJI_CHAR = (
    "\U0001F000-\U0001FAFF"  # pictographs, emoticons, symbols, flags, skin tones
    "\u2600-\u27BF"  # miscellaneous symbols and dingbats
    "\u2300-\u23FF\u2B00-\u2BFF"  # technical symbols, arrows, stars
)
_EMOJI_JOIN = "\u200d\ufe0e\ufe0f\u20e3\U000E0020-\U000E007F"
_FIXED_PATTERNS = (
    r"```.*?```",  # code block (may span lines)
    r"`[^`\n]+`",  # inline code
    r"(?:https?://|www\.)[^\s<>]*[^\s<>.,;:!?)\]}'\"]",  # URL, without trailing punctuation
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:\d+(?::[a-zA-Z])?)>",  # Discord mention/emoji/time
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail address
    r"(?<![\w@])@\w{2,32}",  # @mention (Telegram usernames, @everyone)
    r"(?<![\w#&])#\w+",  # hashtag
    rf"[{_EMOJI_CHAR}](?:[{_EMOJI_CHAR}{_EMOJI_JOIN}])*",  # a run of emoji
)
_SPAN = re.compile(r"""<span\b[^>]*?\bid=["']p(\d+)["'][^>]*>.*?</span\s*>""",
                   re.DOTALL | re.IGNORECASE)


def _span(index: int, piece: str) -> str:
    # One line of content: the markup of a line must not contain a newline.
    shown = html.escape(" ".join(piece.split()), quote=False)
    return f'<span translate="no" id="p{index}">{shown}</span>'


@dataclass(frozen=True, slots=True)
class ProtectedLine:
    """One line of a message. `markup` is what the engine gets (None: nothing to
    translate, e.g. only a link or only emoji); `original` is the line as written."""

    original: str
    prefix: str  # leading whitespace, kept out of the engine
    suffix: str  # trailing whitespace
    markup: str | None
    pieces: tuple[str, ...]  # the protected pieces, pieces[N] behind id="pN"

    def restore(self, translated: str) -> str:
        """Put the pieces back into the engine's answer for `markup`; raise
        TranslationError if a placeholder was lost, duplicated or mangled."""
        parts: list[str] = []
        seen: set[int] = set()
        position = 0
        for match in _SPAN.finditer(translated):
            index = int(match.group(1))
            if index in seen or index >= len(self.pieces):
                raise TranslationError("placeholder duplicated or unknown in the answer")
            seen.add(index)
            parts.append(self._text(translated[position:match.start()]))
            parts.append(self.pieces[index])
            position = match.end()
        parts.append(self._text(translated[position:]))
        if len(seen) != len(self.pieces):
            raise TranslationError(
                f"{len(self.pieces) - len(seen)} placeholder(s) lost in the answer")
        return self.prefix + "".join(parts).strip() + self.suffix

    @staticmethod
    def _text(chunk: str) -> str:
        if re.search(r"</?span\b", chunk, re.IGNORECASE):
            raise TranslationError("placeholder mangled in the answer")
        return html.unescape(chunk)


@dataclass(frozen=True, slots=True)
class ProtectedText:
    lines: tuple[ProtectedLine, ...]

    @property
    def markups(self) -> list[str]:
        """The distinct texts to send to the engine, in order."""
        return list(dict.fromkeys(line.markup for line in self.lines if line.markup))

    def restore(self, translations: dict[str, str]) -> str:
        """`translations` maps each markup to the engine's answer for it."""
        return "\n".join(
            line.restore(translations[line.markup]) if line.markup else line.original
            for line in self.lines
        )


class Protector:
    def __init__(self, glossary: Iterable[str] = ()):
        terms = sorted({t.strip() for t in glossary if t.strip()}, key=len, reverse=True)
        patterns = list(_FIXED_PATTERNS)
        if terms:
            # Longest first, so "ITC-ILO" wins over "ILO"; whole words only.
            alternatives = "|".join(re.escape(t) for t in terms)
            patterns.insert(2, rf"(?<![\w-])(?i:{alternatives})(?![\w-])")
        self._pattern = re.compile("|".join(f"(?:{p})" for p in patterns), re.DOTALL)

    def strip(self, text: str) -> str:
        """The text with every protected piece replaced by a space (for detection)."""
        return self._pattern.sub(" ", text)

    def protect(self, text: str) -> ProtectedText:
        # Split into (text, is_protected) pieces over the whole message first, so a code
        # block spanning lines stays one piece; then cut the plain text at newlines.
        lines: list[list[tuple[str, bool]]] = [[]]
        position = 0
        for match in self._pattern.finditer(text):
            self._add_plain(lines, text[position:match.start()])
            lines[-1].append((match.group(0), True))
            position = match.end()
        self._add_plain(lines, text[position:])
        return ProtectedText(tuple(self._line(pieces) for pieces in lines))

    @staticmethod
    def _add_plain(lines: list[list[tuple[str, bool]]], chunk: str) -> None:
        first, *rest = chunk.split("\n")
        if first:
            lines[-1].append((first, False))
        for line in rest:
            lines.append([(line, False)] if line else [])

    @staticmethod
    def _line(pieces: list[tuple[str, bool]]) -> ProtectedLine:
        original = "".join(p for p, _ in pieces)
        prefix = original[:len(original) - len(original.lstrip())]
        suffix = original[len(original.rstrip()):]
        if not any(ch.isalpha() for p, kept in pieces if not kept for ch in p):
            return ProtectedLine(original, prefix, suffix, None, ())
        markup: list[str] = []
        protected: list[str] = []
        for piece, kept in pieces:
            if kept:
                markup.append(_span(len(protected), piece))
                protected.append(piece)
            else:
                markup.append(html.escape(piece, quote=False))
        text = "".join(markup).strip()
        return ProtectedLine(original, prefix, suffix, text, tuple(protected))
