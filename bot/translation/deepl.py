"""DeepL API v2 client: POST {base}/v2/translate, key in the Authorization header only.

Texts are protected HTML (see protect.py); tag_handling="html" makes DeepL keep tags and
skip elements marked translate="no".
"""

from __future__ import annotations

import json
import logging

from bot.translation.engine import HttpEngine, TranslationError

log = logging.getLogger("bot.translation")

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
MAX_BODY_BYTES = 128 * 1024  # DeepL's request size limit
MAX_TEXTS = 50  # DeepL's limit of `text` entries per request
# DeepL wants a regional variant for English and Portuguese targets ("EN" and "PT" alone
# are deprecated). EN-GB: the UN and ILO house style uses British spelling. PT-PT:
# ILO Portuguese publications and Lusophone Africa follow the European norm. Override
# with `target_variants` if a cohort prefers EN-US or PT-BR.
DEFAULT_TARGET_VARIANTS = {"en": "EN-GB", "pt": "PT-PT"}


def deepl_base_url(api_key: str, url: str = "") -> str:
    """A configured URL wins; otherwise free keys (ending in ":fx") use the free host."""
    if url:
        return url.rstrip("/")
    return FREE_URL if api_key.endswith(":fx") else PRO_URL


def split_batches(texts: list[str], envelope_bytes: int,
                  limit: int = MAX_BODY_BYTES) -> list[list[str]]:
    """Split `texts` so each JSON body (texts + `envelope_bytes` of other fields) stays
    within `limit` bytes and MAX_TEXTS entries. A single text that cannot fit raises."""
    batches: list[list[str]] = []
    current: list[str] = []
    size = envelope_bytes
    for text in texts:
        # json.dumps escapes like aiohttp's json= does; +2 for the ", " separator.
        cost = len(json.dumps(text).encode()) + 2
        if envelope_bytes + cost > limit:
            raise TranslationError(f"deepl: one text is larger than {limit} bytes")
        if current and (size + cost > limit or len(current) >= MAX_TEXTS):
            batches.append(current)
            current, size = [], envelope_bytes
        current.append(text)
        size += cost
    if current:
        batches.append(current)
    return batches


class DeepLClient(HttpEngine):
    name = "deepl"

    def __init__(self, api_key: str, url: str = "", timeout_seconds: float = 10.0,
                 target_variants: dict[str, str] | None = None):
        super().__init__(timeout_seconds=timeout_seconds, secret=api_key)
        self.endpoint = deepl_base_url(api_key, url) + "/v2/translate"
        self._headers = {"Authorization": f"DeepL-Auth-Key {api_key}"}
        self.target_variants = dict(DEFAULT_TARGET_VARIANTS if target_variants is None
                                    else target_variants)

    def target_code(self, lang: str) -> str:
        return self.target_variants.get(lang, lang.upper())

    async def translate(self, texts: list[str], source: str | None, target: str
                        ) -> list[str]:
        if not texts:
            return []
        fields: dict[str, object] = {"target_lang": self.target_code(target),
                                     "tag_handling": "html"}
        if source:
            fields["source_lang"] = source.upper()  # source codes have no variant
        envelope = len(json.dumps({"text": [], **fields}).encode())
        out: list[str] = []
        for batch in split_batches(texts, envelope):
            data = await self._post_json(self.endpoint, {"text": batch, **fields},
                                         headers=self._headers)
            items = data.get("translations") if isinstance(data, dict) else None
            if not (isinstance(items, list) and len(items) == len(batch)
                    and all(isinstance(i, dict) and isinstance(i.get("text"), str)
                            for i in items)):
                raise TranslationError(f"{self.name}: answer is not {len(batch)} translations")
            out.extend(i["text"] for i in items)
        log.debug("deepl %s->%s: %d texts", source, target, len(texts))
        return out
