"""Slow work off the path: charts are drawn and CSV files made and written in a worker
thread, never on the event loop that answers everyone else (issue 16 item 2). The wrapped
functions only record the thread they ran in; they still do the real work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bot.exports
import handlers.engagement.stats
import handlers.polls.closing
from tests.harness import demo_cohort, open_console
from tests.test_polls import say


def recording(threads: list[str], function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return function(*args, **kwargs)
    return wrapped


async def test_charts_and_csv_files_are_made_off_the_event_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    monkeypatch.setattr(bot.exports, "csv_bytes", recording(threads, bot.exports.csv_bytes))
    monkeypatch.setattr(bot.exports, "_write_file", recording(threads, bot.exports._write_file))
    monkeypatch.setattr(handlers.polls.closing, "bar_chart",
                        recording(threads, handlers.polls.closing.bar_chart))
    monkeypatch.setattr(handlers.engagement.stats, "bar_chart",
                        recording(threads, handlers.engagement.stats.bar_chart))
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await say(h, "team", "fac", "/poll Snacks? | Tea | Coffee", "en")
        await say(h, "team", "ana", "1", "en")
        closing = await say(h, "team", "fac", "/poll close 1", "en")
        assert any("📎" in r.text for r in closing)  # the chart went out
        await say(h, "team", "ana", "hello all", "en")  # activity for /stats to chart
        await say(h, "team", "bo", "see you monday", "en")
        h.adapter._group = None
        [progress] = await h.send("fac", "/progress csv", language="en")
        assert ".csv" in progress.text
        stats = await h.send("fac", "/stats", language="en")
        assert any(".png" in r.text for r in stats), [r.text for r in stats]
    # csv_bytes and _write_file for the CSV, bar_chart and _write_file for each chart.
    assert len(threads) >= 6
    assert threading.main_thread().name not in threads, threads
