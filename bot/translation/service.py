"""Translate one message into the languages of the chats it is relayed to.

One engine request per target language (all lines of the message in one batch), cache
first, an overall deadline, and no exception for the caller: a target that could not be
translated is listed in `failed` and the relay sends the original with a mark. A circuit
breaker skips an engine that keeps failing or hanging (cached translations still serve).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.circuit import CircuitBreaker
from bot.translation.detect import LanguageDetector
from bot.translation.engine import TranslationError, Translator
from bot.translation.protect import ProtectedText, Protector
from storage.translation_cache import TranslationCache

log = logging.getLogger("bot.translation")


@dataclass(frozen=True, slots=True)
class TranslationResult:
    source: str | None  # detected (or hinted) language; None: relayed as is
    texts: dict[str, str] = field(default_factory=dict)  # target -> text to send
    failed: set[str] = field(default_factory=set)  # targets to send as original + mark


class EngineSkipped(TranslationError):
    """The engine's circuit is open: not asked, and not logged for each message."""


class TranslationService:
    def __init__(self, translator: Translator, cache: TranslationCache | None,
                 detector: LanguageDetector, glossary: Iterable[str] = (),
                 deadline_seconds: float = 8.0, breaker: CircuitBreaker | None = None):
        self.translator = translator
        self.cache = cache
        self.detector = detector
        self.protector = Protector(glossary)
        self.deadline_seconds = deadline_seconds
        self.breaker = breaker or CircuitBreaker(f"translation engine {translator.name}")

    async def close(self) -> None:
        await self.translator.close()

    async def translate_for(self, text: str, targets: set[str], source_hint: str | None = None,
                            received_at: float | None = None) -> TranslationResult:
        """`received_at` (time.monotonic()): the deadline counts from then, so a message
        that waited in its chat's queue behind a slow one is not held a full deadline more."""
        worth = self.detector.worth_translating(text)
        if source_hint and worth:
            source: str | None = source_hint
        else:
            # lingua's models are CPU work: in a thread, off the loop that answers everyone.
            source = await asyncio.to_thread(self.detector.detect, text) if worth else None
        as_is = {target: text for target in targets}
        if source is None or self.translator.name == "none":
            return TranslationResult(source, as_is)
        todo = sorted(t for t in targets if t != source)
        if not todo:
            return TranslationResult(source, as_is)
        deadline = self.deadline_seconds
        if received_at is not None:
            deadline -= time.monotonic() - received_at
        if deadline <= 0:  # its deadline passed while it waited: out at once, with the mark
            log.debug("translation %s: deadline passed in the queue", source)
            return TranslationResult(source, as_is, set(todo))
        protected = self.protector.protect(text)
        tasks = {
            target: asyncio.create_task(self._translate_one(protected, source, target))
            for target in todo
        }
        done, pending = await asyncio.wait(tasks.values(), timeout=deadline)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)  # let cancellations finish before returning
        texts = dict(as_is)
        failed: set[str] = set()
        for target, task in tasks.items():
            if task in done and task.exception() is None:
                texts[target] = task.result()
                continue
            failed.add(target)
            error = task.exception() if task in done else None
            if isinstance(error, EngineSkipped):
                continue
            if task not in done:
                reason = f"no answer within the {self.deadline_seconds:g} s deadline"
            elif isinstance(error, TranslationError):
                reason = str(error)  # short, names no key and no text (see engine.py)
            else:
                # A bug: its message might quote the text, so only the type is logged.
                reason = f"unexpected {type(error).__name__}"
            log.warning("translation %s->%s via %s failed: %s", source, target,
                        self.translator.name, reason)
        return TranslationResult(source, texts, failed)

    async def _translate_one(self, protected: ProtectedText, source: str, target: str) -> str:
        markups = protected.markups
        if not markups:
            return protected.restore({})
        engine = self.translator.name
        answers: dict[str, str] = {}
        if self.cache is not None:
            answers = await self.cache.get_many(engine, source, target, markups)
        missing = [m for m in markups if m not in answers]
        if missing:
            fresh = dict(zip(missing, await self._ask_engine(missing, source, target),
                             strict=True))
            # Restore before caching, so an answer with a broken placeholder is never kept.
            restored = protected.restore({**answers, **fresh})
            if self.cache is not None:
                await self.cache.put_many(engine, source, target, fresh)
            return restored
        return protected.restore(answers)

    async def _ask_engine(self, texts: list[str], source: str, target: str) -> list[str]:
        if not self.breaker.allow():
            raise EngineSkipped("engine skipped after repeated failures")
        try:
            answers = await self.translator.translate(texts, source, target)
        except BaseException:  # a timeout (cancellation at the deadline) counts too
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return answers
