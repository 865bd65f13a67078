"""`make bench`: every benchmark, or the ones named: `python -m bench scheduler relay`."""

from __future__ import annotations

import importlib
import sys

ALL = ("scheduler", "delivery", "relay", "isolation", "soak", "post_learning", "webhook", "web",
       "workers")


def main(names: list[str]) -> None:
    for name in names or ALL:
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
