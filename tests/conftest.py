"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import conversation_steps, dispatch
from bot.consent import DECLINED
from handlers.cohorts import commands as cohort_commands
from storage.db import Database
from storage.participants import Participant
from tests import postgres_server
from tests.harness import database_at


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A real SQLite file, migrated from empty (or, with BOT_TEST_BACKEND=postgres, a
    database of its own on the run's PostgreSQL server)."""
    database = database_at(tmp_path / "bot.sqlite3")
    await database.open()
    yield database
    await database.close()


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # python-telegram-bot 22 warns unless we opt into timedelta retry_after, as
    # `python -m bot` does (bot/cli.py); the adapter handles both.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def _agreed_unless_declined(participant: Participant) -> bool:
    return participant.consent != DECLINED


@pytest.fixture(autouse=True)
def _everyone_agreed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests written before consent was enforced (issue 15) script people who never
    pressed "I agree": they run as if those people had (someone who declined still
    counts as declined). Tests of consent itself are marked `real_consent` and run with
    the bot's own check (bot/consent.py)."""
    if request.node.get_closest_marker("real_consent") is None:
        for module in (dispatch, cohort_commands, conversation_steps):
            monkeypatch.setattr(module, "has_consent", _agreed_unless_declined)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_consent: run with the bot's own consent check")
    config.addinivalue_line(
        "markers", "sqlite_only(reason): tests SQLite itself (its file, its folder); "
        "skipped when the suite runs on PostgreSQL")


def pytest_sessionfinish(session: pytest.Session) -> None:
    postgres_server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not postgres_server.enabled():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "tests SQLite itself"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
