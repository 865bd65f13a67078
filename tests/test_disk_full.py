"""A full disk while the bot runs does not leave people in silence (issue 19, item 7).

The disk is made full the way SQLite sees one: `PRAGMA max_page_count` caps the file at
the pages it has, and every page is filled, so the next write that needs room fails with
SQLITE_FULL ("database or disk is full"). The write that fails is the reply itself (an
outbox row): the apology cannot depend on it, and still reaches the person, in their
language, on every platform.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.dispatch import STORAGE_APOLOGY
from storage.db import Database
from tests.harness import open_console
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram

pytestmark = pytest.mark.sqlite_only("fills the SQLite file with PRAGMA max_page_count")

OPENERS: dict[str, Callable[..., Any]] = {
    "console": open_console, "telegram": open_telegram, "discord": open_discord}
# The French and Spanish apologies, as the catalogs say them (checked against the catalog
# below, so a changed translation is noticed here).
APOLOGY = {"fr": "je ne peux rien enregistrer pour le moment",
           "es": "ahora mismo no puedo guardar nada"}


async def _fill_until_full(db: Database, sql: str, params: tuple[object, ...]) -> None:
    for _ in range(100_000):
        try:
            await db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc), exc
            return
    raise AssertionError("the database never became full")


async def fill_the_disk(db: Database, platform: str) -> None:
    """No room left: the file may not grow and its free pages are used up by a ballast.
    Then the last pages of the two tables a command writes first are filled with rows
    smaller than a real one, at the very places a real one goes (the same index keys):
    a participant (for a newcomer), and a reply waiting in the outbox, due in a century
    so that it is never sent."""
    await db.execute("CREATE TABLE ballast (data BLOB)")
    row = await db.fetchone("PRAGMA page_count")
    assert row is not None
    await db.execute(f"PRAGMA max_page_count = {int(row[0]) + 8}")
    await _fill_until_full(db, "INSERT INTO ballast VALUES (zeroblob(3000))", ())
    await _fill_until_full(db, "INSERT INTO ballast VALUES (zeroblob(10))", ())
    await _fill_until_full(db, "INSERT INTO participants (created_at) VALUES ('')", ())
    await _fill_until_full(
        db, "INSERT INTO outbox (platform, chat_id, payload, priority, created_at, "
            "not_before) VALUES (?, 'filler', '{}', 0, 0, 4e9)", (platform,))


def make_room(db: Database) -> Any:
    return db.execute("PRAGMA max_page_count = 1073741823")


@pytest.mark.parametrize("platform", list(OPENERS))
async def test_full_disk_still_gets_an_apology_in_the_persons_language(
        tmp_path: Path, platform: str) -> None:
    async with OPENERS[platform](tmp_path) as h:
        catalogs = h.bot.services.catalogs
        for code, words in APOLOGY.items():
            assert words in catalogs.pack(code).translations.gettext(STORAGE_APOLOGY)
        # Known before the disk fills: Marie, in French.
        hello = await h.send("marie", "/help", language="fr")
        assert hello and all(APOLOGY["fr"] not in r.text for r in hello)
        db = h.bot.services.db
        await fill_the_disk(db, platform)

        # Her command's reply cannot be stored: she hears why, in French.
        replies = await h.send("marie", "/help", language="fr")
        assert [r for r in replies if APOLOGY["fr"] in r.text], replies
        # Someone new cannot even be stored as a participant: in Spanish, what their
        # platform says they read.
        accounts = tuple(await db.fetchone("SELECT COUNT(*) FROM accounts") or ())
        replies = await h.send("lucia", "/help", language="es")
        assert [r for r in replies if APOLOGY["es"] in r.text], replies
        # She was not stored, so it was the newcomer's path that apologised.
        assert tuple(await db.fetchone("SELECT COUNT(*) FROM accounts") or ()) == accounts

        # Room again: the same command is answered as usual.
        await make_room(db)
        replies = await h.send("marie", "/help", language="fr")
        assert replies and all(APOLOGY["fr"] not in r.text for r in replies), replies
