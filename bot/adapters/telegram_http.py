"""python-telegram-bot's HTTP layer on aiohttp (its documented `BaseRequest` extension point).

Why not PTB's default httpx backend: measured in bench/relay.py, httpx, httpcore, anyio and
h11 spent about half of the bot's CPU time per relayed message, on a path where every copy
to one group waits for the one before it. aiohttp (already here for discord.py) parses HTTP
in C. PTB still builds every request and maps every error status to its exceptions
(`BaseRequest._request_wrapper`); this class only moves bytes and maps transport failures:
a timeout is `TimedOut`, anything else from the network is `NetworkError`.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults for HTTPXRequest, so behaviour does not change with the transport.
DEFAULT_TIMEOUT = 5.0
DEFAULT_POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """One aiohttp session, created on `initialize` (inside the running loop)."""

    __slots__ = ("_pool_size", "_session", "_timeouts")

    def __init__(self, pool_size: int = 256, read_timeout: float | None = DEFAULT_TIMEOUT,
                 write_timeout: float | None = DEFAULT_TIMEOUT,
                 connect_timeout: float | None = DEFAULT_TIMEOUT,
                 pool_timeout: float | None = DEFAULT_POOL_TIMEOUT):
        self._pool_size = pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout,
                          "connect": connect_timeout, "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # As PTB's httpx did: HTTPS_PROXY / NO_PROXY from the environment apply.
                trust_env=True)

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _timeout(self, files: bool, read: Any, write: Any, connect: Any, pool: Any
                 ) -> aiohttp.ClientTimeout:
        """PTB's four timeouts in aiohttp's terms: acquiring a connection is pool + connect;
        aiohttp has no write timeout, so the whole request is bounded by their sum."""
        def given(value: Any, name: str, default: float | None = None) -> float | None:
            if value is BaseRequest.DEFAULT_NONE:
                return default if default is not None else self._timeouts[name]
            return value  # type: ignore[no-any-return]

        read_s = given(read, "read")
        write_s = given(write, "write", MEDIA_WRITE_TIMEOUT if files else None)
        connect_s = given(connect, "connect")
        pool_s = given(pool, "pool")
        acquire = None if connect_s is None or pool_s is None else connect_s + pool_s
        parts = (acquire, write_s, read_s)
        total = None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]
        return aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=connect_s,
                                     sock_read=read_s)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else {}
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (file_name, content, mime) in files.items():
                    form.add_field(name, content, filename=file_name, content_type=mime)
                data = form
            else:
                data = request_data.json_parameters  # form-encoded, as PTB's httpx sends it
        timeout = self._timeout(bool(files), read_timeout, write_timeout, connect_timeout,
                                pool_timeout)
        try:
            async with session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
