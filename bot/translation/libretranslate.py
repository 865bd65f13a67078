"""LibreTranslate client: POST {url}/translate with every text of a batch in one request.

Texts are protected HTML (see protect.py), so we send format="html": LibreTranslate then
parses them with BeautifulSoup and leaves `<span translate="no">` elements untouched.
"""

from __future__ import annotations

import logging

from bot.translation.engine import HttpEngine, TranslationError

log = logging.getLogger("bot.translation")


class LibreTranslateClient(HttpEngine):
    name = "libretranslate"

    def __init__(self, url: str, api_key: str | None = None, timeout_seconds: float = 10.0):
        super().__init__(timeout_seconds=timeout_seconds, secret=api_key)
        self.endpoint = url.rstrip("/") + "/translate"
        self._api_key = api_key

    async def translate(self, texts: list[str], source: str | None, target: str
                        ) -> list[str]:
        if not texts:
            return []
        body: dict[str, object] = {"q": texts, "source": source or "auto", "target": target,
                                   "format": "html"}
        if self._api_key:
            body["api_key"] = self._api_key  # LibreTranslate takes the key in the body
        data = await self._post_json(self.endpoint, body)
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if not (isinstance(translated, list) and len(translated) == len(texts)
                and all(isinstance(t, str) for t in translated)):
            raise TranslationError(f"{self.name}: answer is not {len(texts)} translated texts")
        log.debug("libretranslate %s->%s: %d texts", source, target, len(texts))
        return translated
