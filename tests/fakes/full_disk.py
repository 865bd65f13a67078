"""`python -m tests.fakes.full_disk PAGES ARGS…` runs `python -m bot ARGS…` on a full disk:
every SQLite connection is limited to PAGES pages (`PRAGMA max_page_count`), so a write that
needs one more page fails with SQLITE_FULL, "database or disk is full", as it does when
the disk has no room left. Nothing of the bot is replaced; SQLite reports the error."""

from __future__ import annotations

import runpy
import sqlite3
import sys
from typing import Any


def main() -> None:
    pages = int(sys.argv[1])
    sys.argv = ["bot", *sys.argv[2:]]
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    sqlite3.connect = connect  # type: ignore[assignment]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
