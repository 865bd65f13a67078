"""What every translation engine offers the core, and the one error it may raise."""

from __future__ import annotations

import json
from typing import Any, Protocol

import aiohttp
from yarl import URL


class TranslationError(Exception):
    """The engine could not translate: down, timeout, refused, or an answer we cannot use.

    The message is a short reason for logs; it never contains an API key or message text.
    """


class Translator(Protocol):
    name: str  # "libretranslate" | "deepl" | "none"; also part of the cache key

    async def translate(self, texts: list[str], source: str | None, target: str
                        ) -> list[str]:
        """Translate `texts` (protected HTML, see bot.translation.protect) in one go;
        the answer has the same length and order. Raises TranslationError."""
        ...

    async def close(self) -> None: ...


class NoTranslator:
    """Engine "none": every text goes out as it came in."""

    name = "none"

    async def translate(self, texts: list[str], source: str | None, target: str
                        ) -> list[str]:
        return list(texts)

    async def close(self) -> None:
        return None


class HttpEngine:
    """One lazily created aiohttp session, one JSON POST helper that turns every failure
    into a TranslationError whose reason names no key and no text."""

    name = "http"

    def __init__(self, timeout_seconds: float = 10.0, secret: str | None = None):
        self.timeout_seconds = timeout_seconds
        self._secret = secret  # only used to scrub it out of anything a server echoes
        self._session: aiohttp.ClientSession | None = None

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    async def _post_json(self, url: str, body: dict[str, Any],
                         headers: dict[str, str] | None = None) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds))
        try:
            async with self._session.post(url, json=body, headers=headers) as resp:
                raw = await resp.read()
                if resp.status >= 400:
                    raise TranslationError(
                        f"{self.name}: HTTP {resp.status}{self._error_detail(raw)}")
                try:
                    return json.loads(raw)
                except ValueError:
                    raise TranslationError(f"{self.name}: malformed JSON answer") from None
        except TimeoutError:
            raise TranslationError(
                f"{self.name}: no answer within {self.timeout_seconds:g} s") from None
        except aiohttp.ClientError as exc:
            # str(exc) of a response error can carry request headers; the class name and
            # the host are enough to diagnose.
            raise TranslationError(
                f"{self.name}: {type(exc).__name__} talking to {URL(url).host}") from None

    def _error_detail(self, raw: bytes) -> str:
        try:
            data = json.loads(raw)
        except ValueError:
            return ""
        message = data.get("error") or data.get("message") if isinstance(data, dict) else None
        return f" ({self._scrub(str(message))[:200]})" if message else ""

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
