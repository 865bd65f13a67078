"""`python -m bot migrate --from sqlite:PATH --to postgresql://…` (storage/transfer.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from storage.errors import StorageError

EXIT_FAILED = 3


def migrate(source: str, target: str, out: TextIO, err: TextIO) -> int:
    from storage.postgres import redacted
    from storage.transfer import TransferError, copy_sqlite_to_postgres

    if not source.startswith("sqlite:") or not target.startswith(("postgresql://",
                                                                     "postgres://")):
        print("usage: migrate --from sqlite:PATH --to postgresql://user@host/dbname",
              file=err)
        return 2
    path = Path(source.removeprefix("sqlite:"))
    try:
        copied = asyncio.run(copy_sqlite_to_postgres(path, target, path.parent))
    except (TransferError, StorageError) as exc:
        print(f"{exc}; nothing was copied", file=err)
        return EXIT_FAILED
    for item in copied:
        print(f"{item.table}: {item.rows}", file=out)
    total = sum(c.rows for c in copied)
    print(f"{total} rows copied from {path} to {redacted(target)}; set [storage] url to it",
          file=out)
    return 0
