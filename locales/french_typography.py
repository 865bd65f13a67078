"""Give French catalog entries their typography, in place, without rewrapping anything.

    python locales/french_typography.py locales/fr/LC_MESSAGES/messages.po

A narrow no-break space (U+202F) before : ; ? ! and inside « », the apostrophe ’. Only
msgstr lines change (never the header, never a msgid); running it twice changes nothing.
Entries merged from other branches then pass tests/test_wording.py's French checks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

NNBSP = "\u202f"


def french(text: str) -> str:
    text = re.sub(r"(?<=[A-Za-zÀ-ÿœŒ])'(?=[A-Za-zÀ-ÿœŒ])", "’", text)
    text = re.sub(r"[ \u00a0\u202f]+([:;?!»])", NNBSP + r"\1", text)
    return re.sub(r"«[ \u00a0\u202f]*", "«" + NNBSP, text)


def fix_catalog(path: Path) -> None:
    lines, in_msgstr, seen_header = [], False, False
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("msgstr"):
            in_msgstr, seen_header = seen_header, True  # the first msgstr is the header
        elif not line.startswith('"'):
            in_msgstr = False
        if in_msgstr and '"' in line:
            start = line.index('"')
            line = line[:start] + french(line[start:])
        lines.append(line)
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        fix_catalog(Path(name))
