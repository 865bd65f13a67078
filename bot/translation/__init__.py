"""Relay translation: language detection, protected placeholders, engines (the cache of
engine answers is a repository: storage/translation_cache.py).

The composition root builds, in this order: `build_translator(config.translation, env)`,
`TranslationCache(db, config.translation.cache_max_entries)`,
`LanguageDetector(config.bot.languages, glossary)` then `await detector.load()`, and
`TranslationService(translator, cache, detector, glossary, deadline_seconds)`.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import ConfigError, TranslationSection
from bot.translation.deepl import DeepLClient
from bot.translation.engine import NoTranslator, TranslationError, Translator
from bot.translation.libretranslate import LibreTranslateClient

__all__ = ["TranslationError", "Translator", "build_translator"]


def build_translator(section: TranslationSection, env: Mapping[str, str]) -> Translator:
    """The configured engine, its key read from the environment variable named by
    `api_key_env`. A missing key is a ConfigError naming the variable (never a value)."""
    key: str | None = None
    if section.api_key_env and section.engine != "none":
        key = env.get(section.api_key_env) or None
        if key is None:
            raise ConfigError([
                f"environment: {section.api_key_env}: not set; translation.api_key_env says "
                f"the {section.engine} API key is there"
            ])
    if section.engine == "libretranslate":
        if not section.url:
            raise ConfigError(["translation.url: required for engine 'libretranslate'"])
        return LibreTranslateClient(section.url, key, section.timeout_seconds)
    if section.engine == "deepl":
        if key is None:
            raise ConfigError(["translation.api_key_env: required for engine 'deepl'"])
        return DeepLClient(key, section.url, section.timeout_seconds)
    return NoTranslator()
