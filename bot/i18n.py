"""Interface languages: gettext catalogs, the active locale, dates and numbers.

The active language lives in a ContextVar that the dispatcher sets for every event and
every scheduled job and resets afterwards (python-telegram-bot runs updates one after the
other in one task, so a value left set would leak into the next update).
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
RLM = "\u200f"

# Names shown in the language picker, each in its own language.
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "pt": "Português",
    "ar": "العربية",
}


@dataclass(frozen=True)
class LanguagePack:
    code: str
    translations: gettext.NullTranslations
    locale: Locale

    @property
    def rtl(self) -> bool:
        return self.code in RTL_LANGUAGES


def _english() -> LanguagePack:
    return LanguagePack("en", gettext.NullTranslations(), Locale.parse("en"))


_active: ContextVar[LanguagePack] = ContextVar("active_language")


@dataclass
class Catalogs:
    """Loads each language's compiled catalog once; built by the composition root."""

    languages: tuple[str, ...]
    default_language: str = "en"
    directory: Path = LOCALES_DIR
    _packs: dict[str, LanguagePack] = field(default_factory=dict, init=False)

    def pack(self, code: str | None) -> LanguagePack:
        code = self.best_match(code)
        if code not in self._packs:
            translations = Translations.load(str(self.directory), [code, "en"], domain="messages")
            self._packs[code] = LanguagePack(code, translations, Locale.parse(code))
        return self._packs[code]

    def match(self, code: str | None) -> str | None:
        """Map a platform's language tag ("pt-BR", "fr_CA", "EN") onto an interface language."""
        if code:
            base = code.replace("_", "-").split("-")[0].lower()
            if base in self.languages:
                return base
        return None

    def best_match(self, code: str | None) -> str:
        return self.match(code) or self.default_language

    def supports(self, code: str | None) -> bool:
        return bool(code) and code in self.languages


@contextmanager
def use_language(pack: LanguagePack) -> Iterator[LanguagePack]:
    token = _active.set(pack)
    try:
        yield pack
    finally:
        _active.reset(token)


def active() -> LanguagePack:
    return _active.get(None) or _english()


def current_language() -> str:
    return active().code


def _(message: str) -> str:
    return active().translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return active().translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `_()` where it is shown."""
    return message


def join_list(items: Iterable[str], language: str | None = None) -> str:
    """Items (options, which may hold commas themselves) as one line, with the language's
    own separator: the Arabic semicolon in Arabic, a semicolon elsewhere."""
    code = language or active().code
    return ("؛ " if code == "ar" else "; ").join(items)


def comma_list(items: Iterable[str]) -> str:
    """Short items (codes, names, commands) with the active language's comma: "، " in
    Arabic."""
    return ("، " if active().code == "ar" else ", ").join(items)


def rtl_marked(text: str, pack: LanguagePack | None = None) -> str:
    """Start every line with a right-to-left mark so Arabic lines that open with a Latin
    word (a command, a name) still read right to left."""
    pack = pack or active()
    if not pack.rtl:
        return text
    return "\n".join(RLM + line if line and not line.startswith(RLM) else line
                     for line in text.split("\n"))


def format_date(moment: datetime, zone: tzinfo) -> str:
    """"Sat, Nov 28, 2026" / "sam. 28 nov. 2026": weekday and date in the reader's locale."""
    return format_skeleton("yMMMEd", moment, tzinfo=zone, locale=active().locale, fuzzy=True)


def format_datetime(moment: datetime, zone: tzinfo) -> str:
    """Date and short time in the reader's locale and zone (CLDR may put U+202F in times)."""
    locale = active().locale
    time = format_time(moment, "short", tzinfo=zone, locale=locale)
    pattern = str(locale.datetime_formats["medium"])
    return pattern.replace("{1}", format_date(moment, zone)).replace("{0}", time)


def format_number(value: float | int) -> str:
    return format_decimal(value, locale=active().locale)


def format_ratio(value: float) -> str:
    return format_percent(value, locale=active().locale)
