"""`python -m bot migrate --from sqlite:… --to postgresql://…` moves an installation without
losing a row, and the bot carries on from the copy (issue 18). Needs PostgreSQL: runs in
`make test-postgres`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import pg_schema
from storage.db import Database
from storage.postgres import PostgresDatabase
from tests import postgres_server
from tests.harness import REPO, demo_cohort, open_console, table_names
from tests.test_journeys import POLL, REMIND

pytestmark = pytest.mark.skipif(not postgres_server.enabled(),
                                reason="needs PostgreSQL: run by make test-postgres")


async def an_installation(folder: Path) -> Path:
    """An SQLite installation that has seen some use: people in three languages, a
    cohort, a reminder, a poll, an announcement, a relayed group, a practice search."""
    path = folder / "bot.sqlite3"
    async with open_console(folder, facilitators=["fac"], cohorts=[demo_cohort()],
                            storage={"path": str(path)}) as h:
        assert h.bot.services.db.dialect == "sqlite"
        for user, language in (("ana", "es"), ("bruno", "pt"), ("chloe", "fr")):
            assert await h.send(user, "/start", language=language)
            assert await h.send(user, "/join demo", language=language)
        assert await h.send("ana", REMIND["es"], language="es")
        assert await h.send("fac", "/announce Welcome everyone, the session starts soon.",
                            language="en")
        h.adapter._group = "academy"
        assert await h.send("fac", POLL, language="en")
        h.adapter._group = None
        assert await h.send("chloe", "/practices cooperation", language="fr")
        await h.advance(timedelta(days=2))
    return path


async def migrate_command(sqlite_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot migrate`, as an operator runs it."""
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "migrate", "--from",
                         f"sqlite:{sqlite_path}", "--to", url],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False)


async def rows_of(db: Database, table: str) -> list[tuple[Any, ...]]:
    columns = await pg_columns(db, table) if db.dialect == "postgres" else [
        r[1] for r in await db.fetchall(f'PRAGMA table_info("{table}")')]
    rows = await db.fetchall(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} '
                             f'FROM "{table}"')
    return sorted((tuple(_plain(v) for v in r) for r in rows), key=repr)


async def pg_columns(db: Database, table: str) -> list[str]:
    return [c.name for c in await pg_schema.columns(db, table)]


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, float) else value


async def test_migrate_copies_every_row_and_the_bot_carries_on(tmp_path: Path) -> None:
    sqlite_path = await an_installation(tmp_path / "before")
    url = postgres_server.databases().url_for(tmp_path / "after")
    moved = await migrate_command(sqlite_path, url)
    assert moved.returncode == 0, moved.stderr
    assert "rows copied" in moved.stdout

    source, target = Database(sqlite_path), PostgresDatabase(url, tmp_path / "after")
    await source.open()
    await target.open()
    try:
        tables = [t for t in await table_names(target)
                  if t not in ("schema_version", "practices_fts")]
        assert set(tables) <= set(await table_names(source))
        total = 0
        for table in tables:
            before, after = await rows_of(source, table), await rows_of(target, table)
            assert after == before, table
            total += len(before)
        assert total > 50  # the installation was not empty
        # Search rows are rebuilt by PostgreSQL's triggers from the copied practices.
        assert (await target.fetchone("SELECT COUNT(*) FROM practices_fts"))[0] > 0  # type: ignore[index]
        highest = (await target.fetchone("SELECT MAX(id) FROM participants"))[0]  # type: ignore[index]
    finally:
        await source.close()
        await target.close()

    # The bot carries on from the copy: the same people, and a newcomer gets a new id.
    async with open_console(tmp_path / "after", facilitators=["fac"],
                            cohorts=[demo_cohort()],
                            storage={"path": str(tmp_path / "after" / "bot.sqlite3"),
                                     "url": url}) as h:
        s = h.bot.services
        assert s.db.dialect == "postgres"
        ana = await s.participants.account("console", "ana")
        assert ana is not None and ana.participant_id <= highest
        assert await h.send("dora", "/start", language="en")
        dora = await s.participants.account("console", "dora")
        assert dora is not None and dora.participant_id == highest + 1
        row = await s.db.fetchone("SELECT language FROM participants WHERE id = ?",
                                  (ana.participant_id,))
        assert row is not None and row[0] == "es"
        assert await s.cohorts.repo.cohorts_of(ana.participant_id) == ["demo"]


async def test_migrate_refuses_a_database_already_in_use(tmp_path: Path) -> None:
    sqlite_path = await an_installation(tmp_path / "before")
    url = postgres_server.databases().url_for(tmp_path / "busy")
    async with open_console(tmp_path / "busy", storage={
            "path": str(tmp_path / "busy" / "bot.sqlite3"), "url": url}) as h:
        assert await h.send("zoe", "/start", language="en")
    moved = await migrate_command(sqlite_path, url)
    assert moved.returncode == 3
    assert "not empty" in moved.stderr and "nothing was copied" in moved.stderr
