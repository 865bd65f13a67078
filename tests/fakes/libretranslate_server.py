"""A small fake LibreTranslate on 127.0.0.1 (port 0), and the fake translation both fake
engines share.

Wire format as LibreTranslate's (see /work/shared/reference/PLATFORMS.md):
`POST /translate {q: str|[str], source: code|"auto", target, format: "text"|"html",
api_key?}` -> `{translatedText: str|[str], detectedLanguage?}`; errors are
`{"error": "..."}` with 400 (bad request), 403 (api key), 429 (slow down), 500.

The fake translation is deterministic: a few whole sentences from a phrasebook
(en, fr, es, pt, ar; `{0}`, `{1}` stand for protected elements, which may move), otherwise
"[fr] " + the text with a few common words translated. With format="html", elements marked
`translate="no"` are kept byte for byte and their words are left alone, as LibreTranslate
does; with format="text" every word is fair game.

Test-facing API:
    async with FakeLibreTranslate(api_key=None) as lt:   # lt.url: base URL
        lt.mode = "500" | "429" | "hang" | "malformed" | "mangle" | None
        lt.requests        # the JSON bodies received, in order
        await lt.stop()    # "down": the port refuses connections afterwards
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from typing import Any

from aiohttp import web

PHRASEBOOK: list[dict[str, str]] = [
    {"en": "Hello everyone, welcome to the session.",
     "fr": "Bonjour à tous, bienvenue à la session.",
     "es": "Hola a todos, bienvenidos a la sesión.",
     "pt": "Olá a todos, bem-vindos à sessão.",
     "ar": "مرحبا بالجميع، أهلا بكم في الجلسة."},
    {"en": "Thanks {0} for the link {1}",
     "fr": "Merci {0} pour le lien {1}",
     "es": "Gracias {0} por el enlace {1}",
     "pt": "Obrigado {0} pelo link {1}",
     "ar": "شكرا {0} على الرابط {1}"},
    {"en": "Our topic today is {0}.",
     "fr": "Notre sujet aujourd'hui est {0}.",
     "es": "Nuestro tema de hoy es {0}.",
     "pt": "O nosso tema de hoje é {0}.",
     "ar": "موضوعنا اليوم هو {0}."},
]
# Word-for-word fallback, so that an unprotected URL, code or term visibly changes.
WORDS: dict[str, dict[str, str]] = {
    "fr": {"thanks": "merci", "work": "travail", "decent": "décent", "the": "le",
           "link": "lien", "see": "voir", "and": "et", "team": "équipe", "at": "à",
           "south": "sud", "install": "installer", "for": "pour", "with": "avec"},
    "es": {"thanks": "gracias", "work": "trabajo", "decent": "decente", "the": "el",
           "link": "enlace", "see": "ver", "and": "y", "team": "equipo", "at": "en",
           "south": "sur", "for": "para", "with": "con"},
    "pt": {"thanks": "obrigado", "work": "trabalho", "decent": "decente", "the": "o",
           "link": "link", "see": "ver", "and": "e", "team": "equipa", "at": "em",
           "south": "sul", "for": "para", "with": "com"},
    "en": {"merci": "thanks", "travail": "work", "le": "the", "et": "and", "pour": "for"},
    "ar": {"thanks": "شكرا", "work": "عمل", "the": "ال", "and": "و"},
}
_NO_TRANSLATE = re.compile(r"<span\b[^>]*\btranslate=[\"']no[\"'][^>]*>.*?</span>", re.S)
_WORD = re.compile(r"[^\W\d_]+")
_SLOT = re.compile(r"\{(\d+)\}")


def _phrase(sentence: str, source: str, target: str) -> str | None:
    for phrase in PHRASEBOOK:
        if phrase.get(source) == sentence and target in phrase:
            return phrase[target]
    return None


def fake_translate(text: str, source: str, target: str, markup: bool) -> str:
    """Deterministic stand-in for machine translation (see the module docstring)."""
    kept = _NO_TRANSLATE.findall(text) if markup else []
    counter = iter(range(len(kept)))
    template = _NO_TRANSLATE.sub(lambda _: f"{{{next(counter)}}}", text) if markup else text
    plain = html.unescape(template) if markup else template
    out = _phrase(plain.strip(), source, target)
    if out is not None:
        out = html.escape(out, quote=False) if markup else out
    else:
        words = WORDS.get(target, {})
        out = f"[{target}] " + _WORD.sub(
            lambda m: words.get(m.group(0).lower(), m.group(0)), template)
    if not markup:
        return out
    return _SLOT.sub(lambda m: kept[int(m.group(1))] if int(m.group(1)) < len(kept)
                     else m.group(0), out)


def guess_language(text: str) -> str:
    plain = html.unescape(_NO_TRANSLATE.sub("{0}", text)).strip()
    for phrase in PHRASEBOOK:
        for lang, sentence in phrase.items():
            if sentence == plain:
                return lang
    return "en"


class FakeEngineServer:
    """Lifecycle, failure modes and request log shared by the two fake engines."""

    def __init__(self) -> None:
        self.url = ""
        self.mode: str | None = None  # "500", "429", "hang", "malformed", "mangle"
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()  # ends "hang" handlers when the server stops

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> FakeEngineServer:
        app = web.Application(client_max_size=1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeEngineServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def failure(self, error_key: str) -> web.Response | None:
        """The response a failure mode imposes, or None to answer normally."""
        if self.mode == "hang":
            await self._release.wait()
            return web.json_response({error_key: "server stopped"}, status=503)
        if self.mode == "500":
            return web.json_response({error_key: "Internal Server Error"}, status=500)
        if self.mode == "429":
            return web.json_response({error_key: "Too many requests"}, status=429)
        if self.mode == "malformed":
            return web.Response(text='{"translatedText": [', content_type="application/json")
        return None

    def mangle(self, text: str) -> str:
        # What a careless engine does to markup: the placeholder's id is dropped.
        return re.sub(r'\s*id="p\d+"', "", text) if self.mode == "mangle" else text


class FakeLibreTranslate(FakeEngineServer):
    def __init__(self, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key  # when set, requests must carry it (as a server with keys)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/translate", self._translate)

    async def _translate(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": "Invalid request: body is not JSON"},
                                     status=400)
        self.requests.append(body)
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        failed = await self.failure("error")
        if failed is not None:
            return failed
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        fmt = body.get("format", "text")
        if q is None or not source or not target or fmt not in ("text", "html"):
            return web.json_response({"error": "Invalid request: missing parameter"},
                                     status=400)
        texts = q if isinstance(q, list) else [q]
        detected = guess_language(texts[0]) if source == "auto" and texts else source
        out = [self.mangle(fake_translate(t, detected, target, fmt == "html")) for t in texts]
        answer: dict[str, Any] = {"translatedText": out if isinstance(q, list) else out[0]}
        if source == "auto":
            answer["detectedLanguage"] = {"language": detected, "confidence": 90.0}
        return web.json_response(answer)
