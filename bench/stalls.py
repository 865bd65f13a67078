"""How often the machine itself stalls a busy process: a probe in a process of its own.

The probe repeats a fixed piece of arithmetic (about half a millisecond) with a short sleep
in between, and records every repetition that took several times its usual duration. The
arithmetic does no I/O and shares nothing with the bot, so such a stall is the machine's
(on a virtual machine: the host taking the CPU away), not the bot's. The relay benchmark
runs it alone, to describe the machine, and beside one extra latency run, to see how many
of the slowest relayed messages coincide with one.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from multiprocessing.connection import Connection
from typing import Any

WORK = 10_000  # additions per repetition: about 0.5 ms of CPU here
PAUSE = 0.004  # seconds between repetitions: the probe is busy about 1/9 of the time
CALIBRATION = 200  # repetitions that set the usual duration
STALL_FACTOR = 5.0  # a repetition this many times slower than usual is a stall...
STALL_MIN = 0.004  # ...and at least this long (seconds)


def _probe(conn: Connection, seconds: float) -> None:
    """Child process: [(start, end)] of every stalled repetition, by time.monotonic()."""
    durations: list[float] = []
    stalls: list[tuple[float, float]] = []
    limit = float("inf")
    repetitions = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        repetitions += 1
        start = time.monotonic()
        total = 0
        for i in range(WORK):
            total += i
        took = time.monotonic() - start
        if len(durations) < CALIBRATION:
            durations.append(took)
            if len(durations) == CALIBRATION:
                limit = max(STALL_MIN, STALL_FACTOR * statistics.median(durations))
        elif took > limit:
            stalls.append((start, start + took))
        time.sleep(PAUSE)
    conn.send({"usual_ms": statistics.median(durations) * 1000 if durations else None,
               "repetitions": repetitions,
               "stalls": stalls})


class Probe:
    """Start it, do something, then `result()`."""

    def __init__(self, seconds: float):
        context = multiprocessing.get_context("spawn")
        self._parent, child = context.Pipe()
        self._process = context.Process(target=_probe, args=(child, seconds),
                                        name="stall-probe", daemon=True)
        self._process.start()

    def result(self) -> dict[str, Any]:
        got: dict[str, Any] = self._parent.recv()
        self._process.join(10)
        return got


def summary(result: dict[str, Any], seconds: float) -> dict[str, Any]:
    stalls = result["stalls"]
    lengths = [(end - start) * 1000 for start, end in stalls]
    return {"probe_seconds": seconds, "probe_repetitions": result["repetitions"],
            "probe_usual_ms": result["usual_ms"],
            "probe_stalls": len(stalls),
            "probe_stalls_per_minute": len(stalls) * 60 / seconds,
            "probe_stall_longest_ms": max(lengths, default=0.0),
            "probe_stall_median_ms": statistics.median(lengths) if lengths else 0.0}


def alone(seconds: float = 20.0) -> dict[str, Any]:
    """The probe with nothing else of ours running."""
    return summary(Probe(seconds).result(), seconds)
