"""A small fake DeepL API v2 on 127.0.0.1 (port 0).

Like DeepL (see /work/shared/reference/PLATFORMS.md): `POST /v2/translate` with header
`Authorization: DeepL-Auth-Key <key>` and a JSON body `{"text": [...], "target_lang",
"source_lang"?, "tag_handling"?}` -> `{"translations": [{"detected_source_language",
"text"}]}`. It refuses what DeepL refuses: a missing or wrong key (403), a key in the body
or query string (403; DeepL only accepts the header now), bodies over 128 KiB (413), more
than 50 texts or unknown language codes (400). With tag_handling="html", elements marked
translate="no" are kept as they are. The translation itself is the shared fake of
tests/fakes/libretranslate_server.py.

Test-facing API:
    async with FakeDeepL(api_key="k:fx") as dl:   # dl.url: base URL
        dl.mode = "500" | "429" | "hang" | "malformed" | "mangle" | None
        dl.requests        # {"headers", "size", "json"} per request
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.fakes.libretranslate_server import FakeEngineServer, fake_translate, guess_language

MAX_BODY_BYTES = 128 * 1024
SOURCES = {"AR", "DE", "EN", "ES", "FR", "IT", "JA", "PT", "RU", "ZH"}
TARGETS = {"AR", "DE", "EN-GB", "EN-US", "ES", "FR", "IT", "JA", "PT-BR", "PT-PT", "RU", "ZH"}


class FakeDeepL(FakeEngineServer):
    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/translate", self._translate)

    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"message": message}, status=status)

    async def _translate(self, request: web.Request) -> web.Response:
        raw = await request.read()
        record: dict[str, Any] = {"headers": dict(request.headers), "size": len(raw),
                                  "json": None, "query": dict(request.query)}
        self.requests.append(record)
        if len(raw) > MAX_BODY_BYTES:
            return self._error(413, "Request Entity Too Large")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._error(400, "Invalid request: expected a JSON body")
        record["json"] = body
        if "auth_key" in body or "auth_key" in request.query:
            return self._error(403, "Authorization in the body or query is not accepted")
        if request.headers.get("Authorization") != f"DeepL-Auth-Key {self.api_key}":
            return self._error(403, "Authorization failure, check auth_key")
        failed = await self.failure("message")
        if failed is not None:
            return failed
        texts, target = body.get("text"), body.get("target_lang")
        source = body.get("source_lang")
        if not isinstance(texts, list) or not texts or len(texts) > 50:
            return self._error(400, "Parameter 'text' must be a list of 1 to 50 texts")
        if target not in TARGETS:
            return self._error(400, "Value for 'target_lang' not supported.")
        if source is not None and source not in SOURCES:
            return self._error(400, "Value for 'source_lang' not supported.")
        markup = body.get("tag_handling") in ("html", "xml")
        out = []
        for text in texts:
            src = source.lower() if source else guess_language(text)
            translated = fake_translate(text, src, target.split("-")[0].lower(), markup)
            out.append({"detected_source_language": src.upper(), "text": self.mangle(translated)})
        return web.json_response({"translations": out})
