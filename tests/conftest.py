"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A real SQLite file, migrated from empty."""
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    yield database
    await database.close()


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # python-telegram-bot 22 warns unless we opt into timedelta retry_after, as
    # `python -m bot` does (bot/cli.py); the adapter handles both.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
