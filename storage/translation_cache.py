"""SQLite cache of engine answers: (engine, source, target, sha256 of the protected text).

What is cached is the engine's answer for one protected line (markup in, markup out), so a
hit is restored exactly like a fresh answer. Bounded: beyond `max_entries` rows the oldest
are pruned (by creation time; reads do not refresh, to keep a hit free of writes).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable

from storage.db import Database

_PRUNE_EVERY = 100  # writes between two prunes: COUNT(*) is cheap but not free


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranslationCache:
    def __init__(self, db: Database, max_entries: int = 100_000,
                 clock: Callable[[], float] | None = None):
        self.db = db
        self.max_entries = max_entries
        self._clock = clock or time.time
        self._writes_since_prune = _PRUNE_EVERY  # prune on the first write after start

    async def get_many(self, engine: str, source: str, target: str, texts: Iterable[str]
                       ) -> dict[str, str]:
        """Cached answers for those of `texts` that have one: {text: translated}."""
        by_key = {text_key(t): t for t in texts}
        if not by_key:
            return {}
        marks = ",".join("?" * len(by_key))
        rows = await self.db.fetchall(
            "SELECT text_sha256, translated FROM translation_cache WHERE engine = ? AND "
            f"source = ? AND target = ? AND text_sha256 IN ({marks})",
            (engine, source, target, *by_key),
        )
        return {by_key[row["text_sha256"]]: row["translated"] for row in rows}

    async def put_many(self, engine: str, source: str, target: str,
                       translations: dict[str, str]) -> None:
        if not translations:
            return
        now = self._clock()
        await self.db.executemany(
            "INSERT OR REPLACE INTO translation_cache (engine, source, target, text_sha256, "
            "translated, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(engine, source, target, text_key(t), out, now) for t, out in translations.items()],
        )
        self._writes_since_prune += len(translations)
        if self._writes_since_prune >= _PRUNE_EVERY:
            await self.prune()

    async def prune(self) -> int:
        """Delete the oldest rows beyond max_entries; returns how many went."""
        self._writes_since_prune = 0
        async with self.db.transaction() as tx:
            before = tx.total_changes
            await tx.execute(
                "DELETE FROM translation_cache WHERE rowid IN (SELECT rowid FROM "
                "translation_cache ORDER BY created_at, rowid LIMIT max(0, "
                "(SELECT COUNT(*) FROM translation_cache) - ?))",
                (self.max_entries,),
            )
            return tx.total_changes - before

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM translation_cache")
        return int(row[0]) if row else 0
