"""Where a key stands in a TOML text, so a problem can be reported as file:line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TABLE = re.compile(r"^\s*\[\[?\s*([\w.-]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([\w-]+)(\.[\w-]+)*\s*=")


@dataclass
class LineIndex:
    """Line numbers of top-level keys, of each `[[table]]` block and of the keys in it."""

    first_line: int = 1  # the line number of the text's first line in its file
    _top: dict[str, int] = field(default_factory=dict)
    _blocks: dict[str, list[tuple[int, dict[str, int]]]] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, first_line: int = 1) -> LineIndex:
        index = cls(first_line)
        current: dict[str, int] | None = None
        for n, line in enumerate(text.split("\n"), start=first_line):
            table = _TABLE.match(line)
            if table:
                current = {}
                index._blocks.setdefault(table.group(1), []).append((n, current))
                continue
            key = _KEY.match(line)
            if key:
                (current if current is not None else index._top).setdefault(key.group(1), n)
        return index

    def is_block(self, table: str, item: int) -> bool:
        """Whether `table` is written as [[table]] blocks, with an `item`-th one."""
        return item < len(self._blocks.get(table, []))

    def line(self, key: str | None = None, table: str | None = None, item: int = 0) -> int:
        """The line of `key` (top level, or in the `item`-th `[[table]]`), or of the block,
        or of the start of the text when it cannot be found."""
        if table is None:
            return self._top.get(key or "", self.first_line)
        blocks = self._blocks.get(table, [])
        if item >= len(blocks):
            return self.first_line
        start, keys = blocks[item]
        return keys.get(key or "", start)


def toml_error_line(message: str, first_line: int) -> int:
    """tomllib says "(at line 3, column 7)"; its line counts from the text's start."""
    found = re.search(r"at line (\d+)", message)
    return first_line + int(found.group(1)) - 1 if found else first_line
