"""python-telegram-bot's requests on aiohttp (bot/adapters/telegram_http.py), against a
loopback server: what arrives, and how transport failures reach PTB."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram_http import AiohttpRequest


class Server:
    """Answers like the Bot API; records each request's content type and fields."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.stall = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        fields = {k: (v.filename, v.file.read()) if isinstance(v, web.FileField) else v
                  for k, v in form.items()}
        self.seen.append({"method": method, "type": request.content_type,
                          "agent": request.headers.get("User-Agent", ""), "fields": fields})
        if method == "stall":
            await self.stall.wait()
        if method == "refuse":
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad Request: chat not found"}, status=400)
        if method == "flood":
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many",
                                      "parameters": {"retry_after": 7}}, status=429)
        return web.json_response({"ok": True, "result": {"echo": method}})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    srv = Server()
    app = web.Application()
    app.router.add_post("/bot/{method}", srv.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield srv, f"http://127.0.0.1:{port}/bot"
    srv.stall.set()
    await runner.cleanup()


def data(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_fields_are_form_encoded_and_the_result_comes_back(server: tuple[Server, str]
                                                                 ) -> None:
    srv, base = server
    async with AiohttpRequest() as request:
        result = await request.post(f"{base}/sendMessage",
                                    data(chat_id=-100, text="Salut · ça va ?",
                                         reply_parameters={"message_id": 4}))
    assert result == {"echo": "sendMessage"}
    seen = srv.seen[0]
    assert seen["type"] == "application/x-www-form-urlencoded"
    assert seen["fields"]["text"] == "Salut · ça va ?"
    assert json.loads(seen["fields"]["reply_parameters"]) == {"message_id": 4}
    assert "python-telegram-bot" in seen["agent"]


async def test_files_go_as_multipart_with_their_names(server: tuple[Server, str]) -> None:
    srv, base = server
    async with AiohttpRequest() as request:
        await request.post(f"{base}/sendDocument",
                           data(chat_id=5, caption="notes",
                                document=InputFile(b"%PDF-1.4 body", filename="notes.pdf")))
    fields = srv.seen[0]["fields"]
    assert srv.seen[0]["type"] == "multipart/form-data"
    assert fields["caption"] == "notes" and fields["chat_id"] == "5"
    # PTB names the part and points the parameter at it ("attach://…").
    (name, content), = [v for v in fields.values() if isinstance(v, tuple)]
    assert (name, content) == ("notes.pdf", b"%PDF-1.4 body")


async def test_error_statuses_become_ptb_errors(server: tuple[Server, str]) -> None:
    _srv, base = server
    async with AiohttpRequest() as request:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await request.post(f"{base}/refuse", data(chat_id=1))
        with pytest.raises(RetryAfter) as flood:
            await request.post(f"{base}/flood", data(chat_id=1))
    assert flood.value.retry_after in (7, 7.0) or flood.value.retry_after.total_seconds() == 7


async def test_a_server_that_does_not_answer_is_a_timeout(server: tuple[Server, str]) -> None:
    _srv, base = server
    async with AiohttpRequest(read_timeout=0.2) as request:
        with pytest.raises(TimedOut):
            await request.post(f"{base}/stall", data(chat_id=1))


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as failure:
            await request.post(f"http://127.0.0.1:{port}/bot/getMe", None)
    assert not isinstance(failure.value, TimedOut)


async def test_it_must_be_initialized_and_can_be_shut_down_twice() -> None:
    request = AiohttpRequest()
    with pytest.raises(NetworkError):  # PTB wraps what the transport raises
        await request.post("http://127.0.0.1:9/bot/getMe", None)
    await request.initialize()
    await request.shutdown()
    await request.shutdown()


async def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """As with PTB's own transport, HTTP(S)_PROXY applies (a training centre's network)."""
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(f"{request.host} {request.raw_path}")
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        async with AiohttpRequest() as request:
            assert await request.post("http://api.telegram.invalid/botX/getMe", None) is True
    finally:
        await runner.cleanup()
    assert seen and seen[0].startswith("api.telegram.invalid")
