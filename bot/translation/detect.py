"""Which language a message is in, or None when it should be relayed as it is.

lingua's models ship inside the wheel (offline). Building the detector loads them (about a
second, ~190 MB RSS for five languages), so `load()` runs once at start-up in a thread; a
detection then takes well under a millisecond and runs on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
from lingua import LanguageDetector as LinguaDetector

from bot.translation.protect import Protector

log = logging.getLogger("bot.translation")

MINIMUM_RELATIVE_DISTANCE = 0.25
MIN_LETTERS = 3  # "ok", "+1", "no": too little to tell a language, nothing worth translating
# Chat words that are the same in every language of the cohort; lingua calls "ok" English
# with confidence 0.75, so it must be caught before it.
_UNIVERSAL = frozenset({
    "ok", "okay", "okk", "lol", "lmao", "haha", "hahaha", "hehe", "xd", "omg", "wow",
    "thx", "ty", "np", "brb", "gg", "yay", "hmm", "mmm", "oh", "ah", "bravo", "cool",
    "super", "top", "xoxo", "pls", "plz",
})
_WORD = re.compile(r"[^\W\d_]+")


def lingua_language(code: str) -> Language:
    """The lingua Language for an ISO 639-1 code; ValueError if lingua has none."""
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code.lower()))
    except ValueError:
        raise ValueError(f"lingua cannot detect language {code!r}") from None


class LanguageDetector:
    def __init__(self, languages: Iterable[str], glossary: Iterable[str] = ()):
        self.languages = sorted(set(languages))
        if len(self.languages) < 1:
            raise ValueError("at least one language is needed")
        self._lingua_languages = [lingua_language(code) for code in self.languages]
        self._protector = Protector(glossary)
        self._detector: LinguaDetector | None = None
        self.load_seconds: float | None = None

    async def load(self) -> None:
        """Build the detector and load its models, off the event loop."""
        if self._detector is None:
            started = time.perf_counter()
            self._detector = await asyncio.to_thread(self._build)
            self.load_seconds = time.perf_counter() - started
            log.info("language detector ready for %s in %.2f s",
                     ",".join(self.languages), self.load_seconds)

    def _build(self) -> LinguaDetector:
        return (LanguageDetectorBuilder.from_languages(*self._lingua_languages)
                .with_minimum_relative_distance(MINIMUM_RELATIVE_DISTANCE)
                .with_preloaded_language_models()
                .build())

    def worth_translating(self, text: str) -> bool:
        """False for emoji only, links only, code only, numbers, "ok", "lol 👍", "+1"."""
        words = _WORD.findall(self._protector.strip(text))
        if sum(len(w) for w in words) < MIN_LETTERS:
            return False
        return not all(w.lower() in _UNIVERSAL for w in words)

    def detect(self, text: str) -> str | None:
        """ISO 639-1 code of `text`, or None when it should not be translated (nothing
        worth translating, or lingua is not sure)."""
        if self._detector is None:
            raise RuntimeError("LanguageDetector.load() has not been awaited")
        if not self.worth_translating(text):
            return None
        if len(self.languages) == 1:
            return self.languages[0]
        language = self._detector.detect_language_of(self._protector.strip(text))
        return language.iso_code_639_1.name.lower() if language is not None else None

    def confidence(self, text: str, code: str) -> float:
        """How sure lingua is that `text` is in language `code` (0 to 1), among the bot's
        languages: for checks such as "is every reply in the reader's language"."""
        if self._detector is None:
            raise RuntimeError("LanguageDetector.load() has not been awaited")
        return self._detector.compute_language_confidence(self._protector.strip(text),
                                                         lingua_language(code))
