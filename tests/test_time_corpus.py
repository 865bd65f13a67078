"""The time corpus (tests/data/time_corpus.toml): every expression in every language reads
exactly as written there, including the ones the parser must ask back about."""

from __future__ import annotations

import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import When, read_when

CORPUS = tomllib.loads((Path(__file__).parent / "data" / "time_corpus.toml").read_text(
    encoding="utf-8"))
ZONE = ZoneInfo(CORPUS["zone"])
NOW = CORPUS["now"]
CASES = CORPUS["cases"]


def _extras(case: list[str]) -> dict[str, str]:
    extra = case[4] if len(case) > 4 else ""
    return dict(item.split(":", 1) for item in extra.split(";") if item)


def _local(when: When) -> str:
    return when.first.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def test_the_corpus_covers_every_language_and_shape() -> None:
    assert len(CASES) >= 300
    for language in ("en", "fr", "es", "pt", "ar"):
        mine = [c for c in CASES if c[0] == language]
        assert len(mine) >= 50, language
        assert any("cron" in _extras(c) for c in mine), language
        assert any("or" in _extras(c) for c in mine), language
        assert any("unsure" in _extras(c) for c in mine), language
        assert any(c[2] == "" for c in mine), language


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_the_corpus_reads_as_expected(case: list[str]) -> None:
    language, text, first, rest = case[:4]
    extras = _extras(case)
    if first == "error":
        with pytest.raises(ValueError):
            read_when(text, language, ZONE, NOW)
        return
    when = read_when(text, language, ZONE, NOW)
    if first == "":
        assert when is None, when
        return
    assert when is not None
    got = (_local(when), when.rest, when.recurrence,
           [o.first.astimezone(ZONE).strftime("%H:%M") for o in when.others], when.unsure)
    expected = (first, rest, extras.get("cron"), [extras["or"]] if "or" in extras else [],
                extras.get("unsure", ""))
    assert got == expected
