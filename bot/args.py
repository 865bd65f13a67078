"""What people type, bounded: command arguments above all, whatever a client sends.

Every event is first made well formed (`cleaned`): lone surrogates (bytes that were not
UTF-8, a forged update), which no database or platform can encode, become U+FFFD, and
prose (a message, an answer, a name) loses its control characters, which no reader sees.
The dispatcher then screens every command's arguments before its handler runs (`screen`):
a control character (a NUL byte, an escape sequence) or more than `MAX_ARGS` characters get
a specific answer in the reader's language, and nothing of the text is logged. Handlers
then read numbers, words and time zones through `number`, `word` and `zone_name`, which
never raise: a value they cannot use is None, and the handler says what it expected.
Numbers are bounded to SQLite's int64 (`MAX_INT`, shared with button data in
bot/buttons.py), so nothing typed reaches a query unbounded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.buttons import MAX_INT, parse_int
from bot.i18n import _
from bot.model import Event, EventKind

# Characters after a command: Telegram's messages stop at 4,096 and Discord's at 4,000,
# so only a console (or a forged update) sends more; every free text (an announcement, a
# reminder, a poll) fits.
MAX_ARGS = 4000
# An id, a code, a name, a command word: none is longer.
MAX_WORD = 64
# IANA names are at most ~32 characters of ASCII letters, digits, "_", "+", "-" and "/".
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")
MAX_ZONE = 64
# Marks a right-to-left writer may type around a number ("‏12"), invisible, never meant.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u200b\u2066\u2067\u2068\u2069"
                                    "\u202a\u202b\u202c\u202d\u202e\ufeff"))


class BadArgument(Exception):
    """Arguments the bot will not read. `text` is the answer, already in the reader's
    language; the exception carries nothing of what was typed, so logging it is safe."""

    def __init__(self, text: str):
        super().__init__("bad command arguments")
        self.text = text


# Control characters but tabs and line breaks (C0, DEL, C1).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def well_formed(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (pairs are joined)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def prose(text: str) -> str:
    """Typed prose, well formed and without control characters but tabs and line breaks."""
    return _CONTROL.sub("", well_formed(text))


def cleaned(event: Event) -> Event:
    """The event as handlers may take it: well formed everywhere, prose without control
    characters. Command arguments keep theirs, for `screen` to answer."""
    author = replace(event.author, display_name=prose(event.author.display_name))
    chat = replace(event.chat, title=prose(event.chat.title)) if event.chat.title else \
        event.chat
    if event.kind is EventKind.COMMAND:
        text, args = well_formed(event.text), [well_formed(a) for a in event.args]
    else:
        text, args = prose(event.text), event.args
    data = well_formed(event.callback_data) if event.callback_data else event.callback_data
    return replace(event, author=author, chat=chat, text=text, args=args, callback_data=data)


def _unreadable(char: str) -> bool:
    # Cc: control characters (str.split() already took tabs and newlines away).
    return unicodedata.category(char) == "Cc"


def screen(args: list[str], command: str) -> None:
    """Raise BadArgument when a command's arguments cannot be read or are too long;
    `command` is how the reader types the command ("/practices")."""
    if sum(len(a) + 1 for a in args) - 1 > MAX_ARGS:
        raise BadArgument(_("That is too long for {command}: {max} characters at most after "
                            "the command.").format(command=command, max=MAX_ARGS))
    if any(_unreadable(c) for a in args for c in a):
        raise BadArgument(_("What you typed after {command} contains an invisible control "
                            "character (such as a null byte) that I cannot read. Please type "
                            "it again.").format(command=command))


def number(text: str, low: int = 1, high: int = MAX_INT) -> int | None:
    """A whole number typed in any script's decimal digits ("12", "#12", "١٢"), within
    [low, high] and SQLite's int64; None otherwise (superscripts, fractions, 2**64)."""
    text = text.translate(_INVISIBLE).removeprefix("#")
    if not text or len(text) > 20:
        return None
    digits = []
    for i, char in enumerate(text):
        if char == "-" and i == 0:
            digits.append(char)
        elif (value := unicodedata.decimal(char, None)) is not None:
            digits.append(str(value))
        else:
            return None
    return parse_int("".join(digits), low, high)


def numeric(text: str) -> bool:
    """Whether the reader meant a number ("12", "#12", "٣", "¹", 2**64), usable or not:
    such text is answered as a number the bot does not know, not as a sub-command."""
    text = text.translate(_INVISIBLE).removeprefix("#").removeprefix("-")
    return bool(text) and all(c.isdigit() for c in text)


def word(text: str, limit: int = MAX_WORD) -> str | None:
    """A single word the bot looks up (a code, a name, a sub-command), stripped of invisible
    marks; None when it is empty or longer than `limit`."""
    text = text.translate(_INVISIBLE).strip()
    return text if 0 < len(text) <= limit else None


def zone_name(text: str) -> str | None:
    """Text that may name an IANA time zone ("America/Sao_Paulo"); None when it cannot (so
    that it never reaches the file system as a path: "../x", 10,000 characters)."""
    text = text.translate(_INVISIBLE).strip()
    if len(text) > MAX_ZONE or not _ZONE.fullmatch(text):
        return None
    return text


def echo(text: str, limit: int = 20) -> str:
    """What the reader typed, shortened, to quote it back in an answer (never in a log)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- answers typed to a question with options --------------------------------------------
# Separators of a typed list in every language: the Latin comma and semicolon, the Arabic
# comma "،" and semicolon "؛", the ideographic and full-width commas.
_LIST_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "、": ",", "，": ",", "；": ";"})
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")
_NUMBERS = re.compile(r"[\d#,;\s]+")  # \d: any script's decimal digits ("٢، ٨")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


def normalized(text: str) -> str:
    """Typed text compared with an option: invisible marks, case, extra spaces, the
    apostrophe's shape and end punctuation ("Oui !", "ODD 8.", "نعم؟") do not count."""
    text = " ".join(text.translate(_INVISIBLE).translate(_APOSTROPHES).casefold().split())
    return text.strip(" .!?؟¡¿")


def choice(text: str, options: list[list[str]]) -> int | None:
    """One option (counted from 1) typed as its number in any script or as its text in any
    of the `options` lists (the same options in several languages); None otherwise."""
    typed = normalized(text)
    if not typed or not options:
        return None
    if numeric(typed):  # "2", "٢"; "¹" or 10,000 digits are no option's number
        return number(typed, 1, len(options[0]))
    for wording in options:
        for n, option in enumerate(wording, 1):
            if normalized(option) == typed:
                return n
    return None


def choices(text: str, options: list[list[str]]) -> list[int] | None:
    """Several options: "1, 3", "1 3", "١، ٣", "ODD 8; Gender", or one of them; sorted
    numbers, or None when any part is not an option."""
    whole = choice(text, options)  # an option's text may hold a comma itself
    if whole is not None:
        return [whole]
    typed = normalized(text).translate(_LIST_PUNCTUATION)
    if _NUMBERS.fullmatch(typed):
        parts = [p for p in re.split(r"[,;\s]+", typed) if p]
    else:
        parts = [p for p in _LIST_SPLIT.split(typed) if p]
    chosen = [choice(p, options) for p in parts]
    if not chosen or any(c is None for c in chosen):
        return None
    return sorted({c for c in chosen if c is not None})
