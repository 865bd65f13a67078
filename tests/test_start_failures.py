"""A start that cannot succeed ends at once with one clear line (issue 19, item 7).

Each case runs `python -m bot` (or `python -m bot check`) as a supervisor would, with the
config pointing at something unusable: a damaged database, a folder it cannot write, a full
disk, a date out of range. Each must print one line naming the file or the key, no
traceback, and exit non-zero (2 for the configuration, 3 for the database) without hanging
on aiosqlite's worker thread. The timeout is what catches a hang: a process still alive
after it fails the test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
HANG = 60.0  # seconds: a process still running after this hangs (it exits in about one)
EXIT_CONFIG, EXIT_STORAGE = 2, 3
BOT = [sys.executable, "-m", "bot"]


@dataclass(frozen=True)
class Case:
    name: str
    prepare: Callable[[Path], list[str]]  # writes the files; returns how to start the bot
    storage_path: str = "data/bot.sqlite3"
    cohort_start: str = "10"
    command: tuple[str, ...] = ()
    status: int = EXIT_STORAGE
    says: tuple[str, ...] = ()  # in the one line, besides the file or key


def _real_database(path: Path) -> None:
    async def make() -> None:
        db = Database(path)
        await db.open()
        await db.close()

    asyncio.run(make())


def garbage(tmp: Path) -> list[str]:
    (tmp / "data").mkdir()
    (tmp / "data" / "bot.sqlite3").write_bytes(b"not sqlite\x00" * 2000)
    return BOT


def truncated(tmp: Path) -> list[str]:
    path = tmp / "data" / "bot.sqlite3"
    _real_database(path)
    size = path.stat().st_size
    with path.open("r+b") as f:  # cut off the second half, as a copy interrupted would
        f.truncate(size // 2)
    return BOT


def folder_is_a_file(tmp: Path) -> list[str]:
    (tmp / "data").write_text("a file where the folder should be\n")
    return BOT


def database_is_a_folder(tmp: Path) -> list[str]:
    (tmp / "data" / "bot.sqlite3").mkdir(parents=True)
    return BOT


def read_only_folder(tmp: Path) -> list[str]:
    """The database exists, its folder is read-only (SQLite must create its -wal file).
    Root ignores permissions, so as root the folder is mounted read-only instead, in a
    mount namespace of the bot's process alone."""
    folder = tmp / "data"
    _real_database(folder / "bot.sqlite3")
    for leftover in folder.glob("bot.sqlite3-*"):
        leftover.unlink()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return BOT
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "-m", "true"], capture_output=True) \
        if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip("running as root without a mount namespace: no way to make a folder "
                    "read-only for root")
    return [unshare, "-m", "sh", "-c", f'mount --bind -o ro "{folder}" "{folder}" && '
            'exec "$@"', "sh", *BOT]


def full_disk(tmp: Path) -> list[str]:
    """A new database on a disk with no room: SQLite answers SQLITE_FULL to the first
    migration (tests/fakes/full_disk.py caps the file at one page)."""
    (tmp / "data").mkdir()
    return [sys.executable, "-m", "tests.fakes.full_disk", "1"]


def nothing(tmp: Path) -> list[str]:
    return BOT


CASES = [
    Case("not a database", garbage, says=("not an SQLite database",)),
    Case("truncated database", truncated, says=("damaged",)),
    Case("truncated database, timeline", truncated, command=("timeline",), says=("damaged",)),
    Case("folder is a file", folder_is_a_file, says=("is a file, not a folder",)),
    Case("database is a folder", database_is_a_folder, says=("cannot open",)),
    Case("read-only folder", read_only_folder, says=("cannot open",)),
    Case("full disk", full_disk, says=("disk is full",)),
    Case("day number out of range", nothing, cohort_start="99999999", status=EXIT_CONFIG,
         says=("cohorts[0].face_to_face_start", "out of range")),
    Case("day number out of range, check", nothing, cohort_start="99999999",
         command=("check",), status=EXIT_CONFIG,
         says=("cohorts[0].face_to_face_start", "out of range")),
    Case("date out of range, check", nothing, cohort_start="9999-12-31", command=("check",),
         status=EXIT_CONFIG, says=("cohorts[0].face_to_face_start", "out of range")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_start_that_cannot_succeed_exits_at_once_with_one_line(
        tmp_path: Path, case: Case) -> None:
    bot = case.prepare(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{case.storage_path}"\n[content]\nacademy = ""\n'
        f'[[cohorts]]\ncode = "demo"\nname = "Demo"\n'
        f'face_to_face_start = {case.cohort_start}\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "BOT_CONFIG")}
    env["BOT_LOG_LEVEL"] = "WARNING"
    argv = [*bot, "--config", str(config), *case.command]
    try:
        done = subprocess.run(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=HANG)
    except subprocess.TimeoutExpired as exc:  # run() has killed it
        pytest.fail(f"the bot did not exit ({case.name}); stderr:\n{exc.stderr!r}")
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert done.returncode == case.status, (done.returncode, line)
    named = str(config) if case.status == EXIT_CONFIG else str(tmp_path / case.storage_path)
    assert line.startswith(named + ":"), line
    for words in case.says:
        assert words in line, line


def test_check_rejects_a_unit_released_out_of_range_and_the_bot_starts_without_it(
        tmp_path: Path) -> None:
    """The content's numbers of days too: a unit released 99999999 days after the start.
    `check` names the line; the bot leaves the unit out and starts (it used to crash with
    OverflowError once a cohort was configured)."""
    academy = tmp_path / "academy"
    shutil.copytree(ROOT / "content" / "sstc-academy", academy)
    unit = academy / "units" / "unit-01.en.md"
    unit.write_text(unit.read_text(encoding="utf-8").replace(
        "release = -20", "release = 99999999", 1), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "bot.sqlite3"\n[content]\nacademy = "{academy}"\n'
        '[[cohorts]]\ncode = "demo"\nname = "Demo"\nface_to_face_start = 10\n',
        encoding="utf-8")
    env = {**os.environ, "BOT_LOG_LEVEL": "WARNING"}
    for key in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        env.pop(key, None)
    checked = subprocess.run([*BOT, "--config", str(config), "check"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=HANG)
    assert checked.returncode == 1, checked.stderr
    assert f"{unit}:3: release: 99999999 is out of range" in checked.stderr
    assert "Traceback" not in checked.stderr
    started = subprocess.run([*BOT, "--config", str(config)], cwd=ROOT, env=env,
                             input="/units\n", capture_output=True, text=True, timeout=HANG)
    assert started.returncode == 0, started.stderr
    assert "Traceback" not in started.stderr and "out of range" in started.stderr
