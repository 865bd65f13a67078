"""One way to drive the bot as a person would, on any platform.

A harness runs the real bot (real SQLite file, real dispatcher, real outbox) against one
platform: the console in-process, or python-telegram-bot / discord.py talking to the
loopback fakes in tests/fakes/. Scenario tests are written once against `Harness` and run
on every platform.
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Protocol

from bot.adapters.console import ConsoleAdapter, ConsoleUser
from bot.app import FEATURES, Bot
from bot.config import Config, parse_config
from storage import pg_schema
from storage.backends import open_database
from storage.db import Database, migrations
from tests import postgres_server


@dataclass
class Reply:
    """A message from the bot as the person reads it."""

    chat_id: str
    text: str  # plain text, with platform formatting and escaping undone
    buttons: list[str] = field(default_factory=list)  # labels, in order


class Harness(Protocol):
    platform: str
    bot: Bot

    async def send(self, user: str, text: str, *, language: str | None = None) -> list[Reply]:
        """`user` writes `text` to the bot in a private chat (the platform reporting
        `language` for them, if given); returns the bot's replies once delivered."""
        ...

    async def press(self, user: str, label: str) -> list[Reply]:
        """`user` presses the button labelled `label` on the newest bot message that has
        it in their private chat; returns the replies."""
        ...


REPO = Path(__file__).resolve().parent.parent
SAMPLE_ACADEMY = REPO / "content" / "sstc-academy"


def demo_cohort(**overrides: object) -> dict[str, object]:
    """The sample cohort as config.toml declares it: face-to-face in 10 days."""
    return {"code": "demo", "name": "SSTC Academy — demo cohort", "face_to_face_start": 10,
            "channels": [{"platform": "console", "chat_id": "academy"}], **overrides}


def migrated_before(path: Path, name: str) -> sqlite3.Connection:
    """A database file at `path` with every migration before the one whose file name
    contains `name` applied, as an installation from before it would have; the caller
    adds rows, closes it, then opens the bot on it (which runs the rest)."""
    ours = next(n for n, p in migrations() if name in p.name)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for number, script in migrations():
        if number < ours:
            conn.executescript(script.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_version VALUES (?)", (number,))
    return conn


def database_at(path: Path) -> Database:
    """The database a test opens at `path`: that SQLite file, or with
    BOT_TEST_BACKEND=postgres a PostgreSQL database of that folder's own."""
    if postgres_server.enabled():
        return open_database(path, postgres_server.databases().url_for(path.parent))
    return Database(path)


async def table_names(db: Database) -> list[str]:
    """The database's ordinary tables (SQLite's FTS5 tables included), on either backend."""
    if db.dialect == "postgres":
        return await pg_schema.tables(db)
    return [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


async def column_names(db: Database, table: str) -> list[str]:
    if db.dialect == "postgres":
        return [c.name for c in await pg_schema.columns(db, table)]
    return [r[1] for r in await db.fetchall(f'PRAGMA table_info("{table}")')]


def _storage(tmp_path: Path) -> dict[str, str]:
    storage = {"path": str(tmp_path / "bot.sqlite3")}
    if postgres_server.enabled():
        storage["url"] = postgres_server.databases().url_for(tmp_path)
    return storage


def make_config(tmp_path: Path, **sections: object) -> Config:
    data: dict[str, object] = {"storage": _storage(tmp_path),
                               "content": {"academy": str(SAMPLE_ACADEMY)},
                               # Tests script hundreds of commands a second as one person;
                               # the command flood guard is tested with its own limit.
                               "quotas": {"commands_per_minute": 10_000}}
    data.update(sections)
    return parse_config(data, source="test-config.toml", base_dir=tmp_path)


_HEADER = re.compile(r"^\[bot → (?P<chat>[^\]]+)\] (?P<text>.*)$")
_BUTTONS = re.compile(r"^  (\[\d+\] .+?)(   \[\d+\] .+?)*$")
_BUTTON = re.compile(r"\[(\d+)\] (.+?)(?=   \[\d+\] |$)")


def parse_console_output(output: str) -> list[Reply]:
    """Read back what the console printed: `[bot → chat] text`, continuation lines
    indented by two spaces, and a last line of numbered buttons."""
    replies: list[Reply] = []
    for line in output.splitlines():
        header = _HEADER.match(line)
        if header:
            replies.append(Reply(header["chat"], header["text"]))
        elif replies and line.startswith("  "):
            if _BUTTONS.match(line) and line.lstrip().startswith("[1] "):
                replies[-1].buttons = [m.group(2) for m in _BUTTON.finditer(line.strip())]
            else:
                replies[-1].text += "\n" + line[2:]
    return replies


@dataclass
class ConsoleHarness:
    bot: Bot
    adapter: ConsoleAdapter
    output: io.StringIO
    platform: str = "console"
    _read: int = 0
    _history: dict[str, list[Reply]] = field(default_factory=dict)

    async def _run(self, user: str, line: str, language: str | None) -> list[Reply]:
        if self.adapter.user.name != user or (language and self.adapter.user.language != language):
            self.adapter.user = ConsoleUser(user, language)
        await self.bot.dispatcher.handle(self.adapter.event_for(line))
        return await self._new_replies()

    async def advance(self, delta: timedelta) -> list[Reply]:
        """What `:advance` does: move the clock, run what fell due, in order."""
        services = self.bot.services
        services.clock.advance(delta)
        await services.scheduler.run_due(services.clock.now(), rehearse=True)
        return await self._new_replies()

    async def _new_replies(self) -> list[Reply]:
        assert await self.bot.services.outbox.wait_idle("console", limit=10)
        text = self.output.getvalue()
        new, self._read = text[self._read:], len(text)
        replies = parse_console_output(new)
        for r in replies:
            self._history.setdefault(r.chat_id, []).append(r)
        return replies

    async def send(self, user: str, text: str, *, language: str | None = None) -> list[Reply]:
        return await self._run(user, text, language)

    async def press(self, user: str, label: str) -> list[Reply]:
        for reply in reversed(self._history.get(user, [])):
            if label in reply.buttons:
                return await self._run(user, str(reply.buttons.index(label) + 1), None)
        raise AssertionError(f"no button {label!r} in {user}'s chat")

    async def vote(self, user: str, labels: list[str]) -> list[Reply]:
        """`user` answers the newest poll (numbered options) that has these options, as
        typed on the console: "2", or "1,3" for several."""
        for reply in reversed(self._history.get(user, [])):
            if labels and all(label in reply.buttons for label in labels):
                typed = ",".join(str(reply.buttons.index(label) + 1) for label in labels)
                return await self._run(user, typed, None)
        raise AssertionError(f"no poll with {labels!r} in {user}'s chat")


@asynccontextmanager
async def open_console(tmp_path: Path, facilitators: Sequence[str] = (),
                       features: Iterable[ModuleType] = FEATURES, **sections: object
                       ) -> AsyncIterator[ConsoleHarness]:
    """The bot on the console platform; `sections` are extra config, e.g.
    cohorts=[demo_cohort()]."""
    config = make_config(tmp_path, facilitators={"console": list(facilitators)}, **sections)
    bot = await Bot.create(config, features=features)
    output = io.StringIO()
    adapter = ConsoleAdapter(user=ConsoleUser("nobody"), reader=io.StringIO(""), writer=output,
                             clock=bot.services.clock)
    await bot.add_platform(adapter)
    try:
        yield ConsoleHarness(bot, adapter, output)
    finally:
        await bot.close()
