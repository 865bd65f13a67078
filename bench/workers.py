"""Several workers on one PostgreSQL database (issue 18): a broadcast of 5,000 Telegram
messages drained by 1, 2 and 4 worker processes (`python -m bot run`), against the fake
Telegram with its limits raised so that the bot and the database, not the platform, are
measured. Reported per worker count: messages/s (first send to last), and the CPU time of
the database server, the workers and the fake, with the database's share of the three.

`python -m bench workers` (PostgreSQL from Debian's packages, started here as the tests
start it: tests/postgres_server.py). WORKERS_MESSAGES changes the size of the broadcast.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import write_result
from storage.backends import open_database
from storage.participants import ParticipantRepository
from tests import postgres_server
from tests.fakes.telegram_limits import FloodLimits
from tests.fakes.telegram_server import TOKEN, FakeTelegram
from tests.harness import open_console
from tests.harness_telegram import telegram_id

ROOT = Path(__file__).resolve().parent.parent
TEXT = "The academy opens on Monday"
COUNTS = (1, 2, 4)
SENDERS = 8
_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, children_too: bool = False) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children_too:
        ticks += int(fields[13]) + int(fields[14])  # reaped children: ended backends
    return ticks / _TICKS


def server_cpu(server: postgres_server.Server) -> float:
    """CPU seconds of the PostgreSQL cluster: the postmaster, its ended backends, and
    its processes still running."""
    postmaster = int((server.folder / "data" / "postmaster.pid").read_text().split()[0])
    total = _proc_cpu(postmaster, children_too=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                    total += _proc_cpu(int(entry.name))
            except (OSError, ValueError):
                continue
    return total


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def queue_broadcast(folder: Path, url: str, ids: list[int]) -> None:
    """The participants, and the facilitator's announcement queued for each of them."""
    db = open_database(folder / "bot.sqlite3", url)
    await db.open()
    people = ParticipantRepository(db)
    now = datetime.now(UTC)
    for i, uid in enumerate(ids):
        await people.ensure("telegram", str(uid), f"p{i}", now)
    await db.close()
    async with open_console(folder, facilitators=["fac"],
                            storage={"path": str(folder / "bot.sqlite3"), "url": url}) as h:
        await h.send("fac", f"/announce participants {TEXT}", language="en")
        assert await h.bot.services.outbox.repo.unfinished("telegram") == len(ids)


async def drain(workers: int, url: str, folder: Path, ids: list[int],
                server: postgres_server.Server) -> dict[str, float]:
    async with FakeTelegram() as fake:
        fake.limits = FloodLimits(overall_per_second=1_000_000)
        for i, uid in enumerate(ids):
            fake.add_user(f"p{i}", user_id=uid)
        config = folder / f"config-{workers}.toml"
        config.write_text(
            f'[storage]\npath = "bot.sqlite3"\nurl = "{url}"\n'
            f'[telegram]\napi_base_url = "{fake.api_base_url}"\n'
            f'file_base_url = "{fake.file_base_url}"\npoll_timeout = 1\n'
            'messages_per_second = 1000\nmessages_per_chat_per_second = 1000\n'
            'group_messages_per_minute = 60000\n'
            f'[outbox]\nsenders_per_platform = {SENDERS}\n', encoding="utf-8")
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_LOG_LEVEL": "WARNING"}
        env.pop("DISCORD_BOT_TOKEN", None)
        # Sends the fake accepted (a counter: reading 5,000 chats every 5 ms would make the
        # fake the bottleneck); who got what is checked once at the end.
        sent = lambda: fake.limits.accepted  # noqa: E731
        load = os.getloadavg()[0]  # other processes on the machine, before this run
        db_before, kids_before, own_before = server_cpu(server), children_cpu(), own_cpu()
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=(folder / f"worker-{workers}-{n}.log").open("ab"))
            for n in range(workers)]
        try:
            await fake.wait_for(lambda: sent() > 0, 60)
            first = time.monotonic()
            await fake.wait_for(lambda: sent() >= len(ids), 600)
            elapsed = time.monotonic() - first
            db_cpu = server_cpu(server) - db_before
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.terminate()
            for proc in procs:
                await proc.wait()
        workers_cpu = children_cpu() - kids_before
        fake_cpu = own_cpu() - own_before
        doubles = sum(1 for uid in ids if len(fake.bot_messages(uid)) > 1)
        missing = sum(1 for uid in ids if not fake.bot_messages(uid))
    return {f"{workers}_workers_messages_per_second": len(ids) / elapsed,
            f"{workers}_workers_seconds": elapsed,
            f"{workers}_workers_db_cpu_seconds": db_cpu,
            f"{workers}_workers_workers_cpu_seconds": workers_cpu,
            f"{workers}_workers_fake_cpu_seconds": fake_cpu,
            f"{workers}_workers_db_cpu_share": db_cpu / max(db_cpu + workers_cpu + fake_cpu,
                                                            1e-9),
            f"{workers}_workers_cpu_ms_per_message":
                1000 * (db_cpu + workers_cpu + fake_cpu) / len(ids),
            f"{workers}_workers_load_average_before": load,
            f"{workers}_workers_doubles": doubles, f"{workers}_workers_missing": missing}


async def run() -> dict[str, float]:
    messages = int(os.environ.get("WORKERS_MESSAGES", "5000"))
    ids = [telegram_id(f"p{i}") for i in range(messages)]
    server = postgres_server.Server()
    base = server.start()
    databases = postgres_server.Databases(base)
    databases.prepare_template()
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    figures: dict[str, float] = {"messages": messages}
    try:
        seed = databases.url_for(folder / "seed")
        await queue_broadcast(folder / "seed", seed, ids)
        for workers in COUNTS:
            name = f"bench_{workers}"
            databases._admin(f"DROP DATABASE IF EXISTS {name}",
                             f"CREATE DATABASE {name} TEMPLATE {seed.rsplit('/', 1)[1]}")
            (folder / name).mkdir()
            figures |= await drain(workers, f"{base}/{name}", folder / name, ids, server)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def main() -> None:
    figures = asyncio.run(run())
    write_result("workers", figures, notes=(
        "Telegram broadcast queued once, drained by N `python -m bot run` workers sharing "
        "one PostgreSQL 15 (fsync off, loopback); fake Telegram in the benchmark's process "
        "with its limits lifted; bot pacing raised to 1,000/s; 8 senders per worker. "
        "messages/s from the first send to the last. CPU seconds over that span (workers' "
        "from their exit, start-up included); db share = db / (db + workers + fake). All "
        "on one 2-core machine shared with other work (load average before each run is "
        "recorded): when the CPU time a message costs, times the rate, fills the cores "
        "left, more workers cannot go faster."))


if __name__ == "__main__":
    main()
