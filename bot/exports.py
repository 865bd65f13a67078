"""Files the bot writes for people: CSV reports and exports, sent as attachments.

They live under the database's folder (`exports/`), readable by the owner only, named so
two exports never collide. On Telegram and Discord the file is uploaded; the console shows
its path."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.model import Attachment, AttachmentKind

if TYPE_CHECKING:
    from bot.services import Services

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MIME = {".csv": "text/csv", ".json": "application/json", ".md": "text/markdown",
        ".png": "image/png", ".txt": "text/plain"}


def exports_dir(services: Services) -> Path:
    """The folder of exports (made by the first write)."""
    return services.config.database_path.parent / "exports"


async def write_export(services: Services, stem: str, suffix: str, data: bytes) -> Attachment:
    """Write `data` to exports/<stem>-<timestamp><suffix> (mode 0600), in a thread so a
    large file holds up nobody; the attachment to send."""
    stamp = services.clock.now().strftime("%Y%m%d-%H%M%S")
    return await asyncio.to_thread(_write_file, exports_dir(services), stem, stamp, suffix, data)


def _write_file(folder: Path, stem: str, stamp: str, suffix: str, data: bytes) -> Attachment:
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{_UNSAFE.sub('-', stem).strip('-') or 'export'}-{stamp}"
    path = folder / f"{base}{suffix}"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{base}-{n}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    kind = AttachmentKind.PHOTO if suffix == ".png" else AttachmentKind.DOCUMENT
    return Attachment(kind=kind, file_name=path.name,
                      size=len(data), path=str(path), mime=MIME.get(suffix))


# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP,
# "CSV Injection"); the full-width forms too, as some programs fold them to ASCII.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
CONTROL_STARTS = ("\t", "\r", "\n")
# Text that is a plain number ("-3", "+2.5") cannot be a formula: kept as it is.
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> str | int | float:
    """The cell as it is safe to write: numbers as numbers, text that a spreadsheet would
    run as a formula prefixed with a single quote (shown, but never evaluated)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    risky = text.startswith(CONTROL_STARTS) or text.lstrip()[:1] in FORMULA_STARTS
    return "'" + text if risky and not _NUMBER.fullmatch(text) else text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """The one CSV writer of every export. UTF-8 with a byte-order mark, so spreadsheet
    programs read accents and Arabic; every cell through `safe_cell`; every text quoted, so
    a reader that splits on ";" (a French spreadsheet) does not cut a cell in two."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def write_csv(services: Services, stem: str, header: Sequence[object],
                    rows: Iterable[Sequence[object]]) -> Attachment:
    """The CSV is made in a thread too: a large export holds up nobody."""
    data = await asyncio.to_thread(csv_bytes, header, list(rows))
    return await write_export(services, stem, ".csv", data)
