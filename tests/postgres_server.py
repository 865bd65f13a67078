"""A throwaway PostgreSQL server for the suite on PostgreSQL (`make test-postgres`).

`BOT_TEST_BACKEND=postgres` switches the fixtures that build the database (tests/conftest.py,
`make_config` in tests/harness.py) to PostgreSQL. The server is the distribution's
(Debian's `postgresql` package, which `make test-postgres` installs when it is missing),
started here by initdb and pg_ctl in a temporary folder on a free loopback port, and
stopped when the run ends. As root, it runs as the `postgres` user: the server refuses root.
`BOT_TEST_POSTGRES_URL` points the suite at a server of one's own instead.

Each test gets its own database, a copy of one migrated at the start (CREATE DATABASE …
TEMPLATE): fast, and every test starts from the schema the bot would create.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

BACKEND_VARIABLE = "BOT_TEST_BACKEND"
URL_VARIABLE = "BOT_TEST_POSTGRES_URL"


def enabled() -> bool:
    return os.environ.get(BACKEND_VARIABLE, "sqlite") == "postgres"


def _bindir() -> Path:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and (Path(out.stdout.strip()) / "initdb").exists():
            return Path(out.stdout.strip())
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise RuntimeError("no PostgreSQL server: `apt-get install -y postgresql` "
                           "(make test-postgres does it)")
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bot-pg-"))
        self.port = _free_port()
        self.bindir = _bindir()
        self._as: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            shutil.chown(self.folder, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True,
                       env={**os.environ, "LC_ALL": "C.UTF-8"})

    def start(self) -> str:
        data = self.folder / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8")
        # Durability off: a test database is thrown away; nothing the tests check needs it.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options,
                  "-l", str(self.folder / "log"), "-w", "start")
        atexit.register(self.stop)
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def stop(self) -> None:
        subprocess.run([*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"),
                        "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


class Databases:
    """One database per test folder (a test that reopens its database finds it again)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        # Per run: two runs against one server (BOT_TEST_POSTGRES_URL) keep apart.
        self.template = f"bot_template_{os.getpid()}"
        self._made: set[str] = set()
        self._lock = threading.Lock()

    def _admin(self, *statements: str) -> None:
        async def run() -> None:
            import asyncpg

            conn = await asyncpg.connect(self.base_url + "/postgres")
            try:
                for sql in statements:
                    await conn.execute(sql)
            finally:
                await conn.close()

        # Called from inside the tests' event loop too: run on a loop of its own.
        errors: list[BaseException] = []
        thread = threading.Thread(target=lambda: _capture(errors, lambda: asyncio.run(run())))
        thread.start()
        thread.join()
        if errors:
            raise errors[0]

    def prepare_template(self) -> None:
        from storage.postgres import PostgresDatabase

        self._admin(f"DROP DATABASE IF EXISTS {self.template}",
                    f"CREATE DATABASE {self.template}")
        folder = tempfile.mkdtemp(prefix="bot-pg-template-")

        async def migrate() -> None:
            db = PostgresDatabase(f"{self.base_url}/{self.template}", folder)
            await db.open()
            await db.close()

        errors: list[BaseException] = []
        thread = threading.Thread(target=lambda: _capture(errors, lambda: asyncio.run(migrate())))
        thread.start()
        thread.join()
        shutil.rmtree(folder, ignore_errors=True)
        if errors:
            raise errors[0]

    def url_for(self, folder: Path) -> str:
        name = "t_" + hashlib.sha1(f"{os.getpid()} {folder}".encode()).hexdigest()[:20]
        with self._lock:
            if name not in self._made:
                self._admin(f"DROP DATABASE IF EXISTS {name}",
                            f"CREATE DATABASE {name} TEMPLATE {self.template}")
                self._made.add(name)
        return f"{self.base_url}/{name}"


def _capture(errors: list[BaseException], call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except BaseException as exc:
        errors.append(exc)


@functools.cache
def _server() -> Server | None:
    return None if os.environ.get(URL_VARIABLE) else Server()


@functools.cache
def databases() -> Databases:
    """The run's server and databases, started on first use (one per test process)."""
    server = _server()
    found = Databases(server.start() if server else os.environ[URL_VARIABLE])
    found.prepare_template()
    return found


def stop() -> None:
    """At the end of the session (pytest_sessionfinish): atexit does not run in the
    processes pytest-xdist ends, and a server left running would outlive the run."""
    if databases.cache_info().currsize and (server := _server()) is not None:
        server.stop()
