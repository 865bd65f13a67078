"""Relay translation against loopback fake LibreTranslate and DeepL servers, with the real
lingua detector and a real SQLite cache."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import ConfigError, TranslationSection, parse_config
from bot.translation import build_translator
from bot.translation.deepl import (
    FREE_URL,
    MAX_BODY_BYTES,
    PRO_URL,
    DeepLClient,
    deepl_base_url,
)
from bot.translation.detect import LanguageDetector
from bot.translation.engine import NoTranslator, TranslationError, Translator
from bot.translation.libretranslate import LibreTranslateClient
from bot.translation.protect import Protector
from bot.translation.service import TranslationService
from storage.db import Database
from storage.translation_cache import TranslationCache
from tests.fakes.deepl_server import FakeDeepL
from tests.fakes.libretranslate_server import FakeEngineServer, FakeLibreTranslate, fake_translate

GLOSSARY = TranslationSection().glossary
LANGUAGES = ["en", "fr", "es", "pt", "ar"]
LT_KEY = "lt-secret-key-0123456789"
DEEPL_KEY = "deepl-secret-0123456789:fx"
HELLO = {"en": "Hello everyone, welcome to the session.",
         "fr": "Bonjour à tous, bienvenue à la session.",
         "es": "Hola a todos, bienvenidos a la sesión.",
         "pt": "Olá a todos, bem-vindos à sessão.",
         "ar": "مرحبا بالجميع، أهلا بكم في الجلسة."}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    # Loaded once for the module (about a second); synchronous fixture, so its own loop.
    detector = LanguageDetector(LANGUAGES, GLOSSARY)
    before = _rss_mb()
    asyncio.run(detector.load())
    print(f"\nlingua load for {LANGUAGES}: {detector.load_seconds:.2f} s, "
          f"RSS +{_rss_mb() - before:.0f} MB (now {_rss_mb():.0f} MB)")
    return detector


@pytest.fixture
async def libre() -> AsyncIterator[FakeLibreTranslate]:
    async with FakeLibreTranslate(api_key=LT_KEY) as server:
        yield server


@pytest.fixture
async def deepl() -> AsyncIterator[FakeDeepL]:
    async with FakeDeepL(api_key=DEEPL_KEY) as server:
        yield server


def client_for(server: FakeEngineServer, key: str | None = None,
               timeout: float = 10.0) -> LibreTranslateClient | DeepLClient:
    if isinstance(server, FakeDeepL):
        return DeepLClient(key or DEEPL_KEY, url=server.url, timeout_seconds=timeout)
    return LibreTranslateClient(server.url, key or LT_KEY, timeout_seconds=timeout)


@pytest.fixture(params=["libretranslate", "deepl"])
def engine(request: pytest.FixtureRequest, libre: FakeLibreTranslate, deepl: FakeDeepL
           ) -> Iterator[FakeEngineServer]:
    yield libre if request.param == "libretranslate" else deepl


def service(translator: Translator, db: Database, detector: LanguageDetector,
            deadline: float = 8.0) -> TranslationService:
    return TranslationService(translator, TranslationCache(db), detector, GLOSSARY,
                              deadline_seconds=deadline)


# --- engines ---------------------------------------------------------------------------

async def test_libretranslate_translates_a_batch_in_one_request(libre: FakeLibreTranslate
                                                                ) -> None:
    client = client_for(libre)
    try:
        out = await client.translate([HELLO["en"], "Thanks and see you"], "en", "fr")
    finally:
        await client.close()
    assert out == [HELLO["fr"], "[fr] merci et voir you"]
    [body] = libre.requests
    assert body["q"] == [HELLO["en"], "Thanks and see you"]
    assert (body["source"], body["target"], body["format"], body["api_key"]) == \
        ("en", "fr", "html", LT_KEY)


async def test_deepl_translates_a_batch_with_the_key_only_in_the_header(deepl: FakeDeepL
                                                                        ) -> None:
    client = client_for(deepl)
    try:
        out = await client.translate([HELLO["fr"], HELLO["fr"] + " "], "fr", "en")
        assert await client.translate([HELLO["en"]], "en", "pt") == [HELLO["pt"]]
    finally:
        await client.close()
    assert out[0] == HELLO["en"]
    first, second = deepl.requests
    assert first["headers"]["Authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"
    assert first["json"]["target_lang"] == "EN-GB" and first["json"]["source_lang"] == "FR"
    assert second["json"]["target_lang"] == "PT-PT"
    for request in deepl.requests:
        assert DEEPL_KEY not in json.dumps(request["json"]) + json.dumps(request["query"])


def test_deepl_free_keys_use_the_free_host_unless_a_url_is_configured() -> None:
    assert deepl_base_url("abc:fx") == FREE_URL == "https://api-free.deepl.com"
    assert deepl_base_url("abc") == PRO_URL == "https://api.deepl.com"
    assert deepl_base_url("abc:fx", "http://127.0.0.1:9/") == "http://127.0.0.1:9"
    assert DeepLClient("abc:fx").endpoint == "https://api-free.deepl.com/v2/translate"
    assert DeepLClient("abc").endpoint == "https://api.deepl.com/v2/translate"


async def test_deepl_splits_batches_over_128_kib_and_keeps_the_order(deepl: FakeDeepL
                                                                     ) -> None:
    big = [f"text {i} " + "word " * 10_000 for i in range(5)]  # ~50 KB each
    small = [f"line {i}" for i in range(60)]  # DeepL takes at most 50 texts per request
    client = client_for(deepl)
    try:
        out = await client.translate(big + small, "en", "fr")
    finally:
        await client.close()
    assert len(out) == 65
    assert [o.split()[2] for o in out[:5]] == [str(i) for i in range(5)]
    assert out[5:] == [f"[fr] line {i}" for i in range(60)]
    assert all(r["size"] <= MAX_BODY_BYTES for r in deepl.requests)
    assert all(len(r["json"]["text"]) <= 50 for r in deepl.requests)
    assert len(deepl.requests) == 4  # 2+2+1 big ones, 50+10 small ones share the last two


# --- protection ------------------------------------------------------------------------

PROTECTED_MESSAGE = (
    "Thanks @work_team and <@123> <#456> <@&789> for the Decent Work link "
    "https://example.org/decent-work?a=1&b=2 🎉👍🏽 #work\n"
    "  See `pip install work` and the south-south SSTC plan at ITC-ILO <3\n"
    "```\nwork = decent()\n```"
)
PIECES = ["@work_team", "<@123>", "<#456>", "<@&789>", "Decent Work",
          "https://example.org/decent-work?a=1&b=2", "🎉👍🏽", "#work",
          "`pip install work`", "south-south", "SSTC", "ITC-ILO", "<3",
          "```\nwork = decent()\n```"]


async def test_glossary_mentions_urls_code_and_emoji_survive(
        engine: FakeEngineServer, db: Database, detector: LanguageDetector) -> None:
    # Unprotected, the fake engine visibly changes these words (the test has teeth).
    assert "travail" in fake_translate(PROTECTED_MESSAGE, "en", "fr", markup=False)
    svc = service(client_for(engine), db, detector)
    try:
        result = await svc.translate_for(PROTECTED_MESSAGE, {"fr", "ar"}, source_hint="en")
    finally:
        await svc.translator.close()
    assert result.failed == set()
    french = result.texts["fr"]
    assert "merci" in french and "voir" in french  # it was translated...
    for piece in PIECES:  # ...and every protected piece came back byte for byte
        assert piece in french, piece
        assert piece in result.texts["ar"], piece
    assert french.splitlines()[1].startswith("  [fr] voir `pip")  # indentation kept
    assert french.endswith("```\nwork = decent()\n```")


async def test_protected_pieces_may_move_in_a_real_sentence(
        engine: FakeEngineServer, db: Database, detector: LanguageDetector) -> None:
    svc = service(client_for(engine), db, detector)
    try:
        result = await svc.translate_for(
            "Thanks @alice for the link https://example.org/x?y=1&z=2", {"fr", "ar"})
    finally:
        await svc.translator.close()
    assert result.source == "en"
    assert result.texts["fr"] == "Merci @alice pour le lien https://example.org/x?y=1&z=2"
    assert result.texts["ar"] == "شكرا @alice على الرابط https://example.org/x?y=1&z=2"


async def test_a_lost_placeholder_relays_the_original_and_caches_nothing(
        engine: FakeEngineServer, db: Database, detector: LanguageDetector) -> None:
    engine.mode = "mangle"
    svc = service(client_for(engine), db, detector)
    text = "Thanks @alice for the link https://example.org"
    try:
        result = await svc.translate_for(text, {"fr"}, source_hint="en")
    finally:
        await svc.translator.close()
    assert result.failed == {"fr"} and result.texts["fr"] == text
    assert svc.cache is not None and await svc.cache.count() == 0


def test_restoring_refuses_a_dropped_duplicated_or_unknown_placeholder() -> None:
    [line] = Protector(GLOSSARY).protect("Ask @alice about SSTC").lines
    assert line.markup == ('Ask <span translate="no" id="p0">@alice</span> about '
                           '<span translate="no" id="p1">SSTC</span>')
    span0, span1 = '<span translate="no" id="p0">x</span>', "<span id='p1'>y</span>"
    assert line.restore(f"Demande à {span0} &lt;3 {span1}") == "Demande à @alice <3 SSTC"
    for broken in (f"Demande à {span0}", f"{span0} {span0} {span1}",
                   f"{span0} {span1} <span id=\"p2\">z</span>", f"{span0} <span>y</span>"):
        with pytest.raises(TranslationError):
            line.restore(broken)


def test_glossary_terms_match_whole_words_only_and_longest_first() -> None:
    protector = Protector(GLOSSARY)
    pieces = [p for line in protector.protect("ITC-ILO, ilo, SILO, SDGs, bapa.").lines
              for p in line.pieces]
    assert pieces == ["ITC-ILO", "ilo", "bapa"]


# --- one request per language, cache ---------------------------------------------------

async def test_one_request_per_target_language_then_the_cache(
        engine: FakeEngineServer, db: Database, detector: LanguageDetector) -> None:
    channels = {("telegram", "-100"): "fr", ("discord", "55"): "fr", ("console", "c"): "es",
                ("telegram", "-200"): "en"}
    text = HELLO["en"] + "\nSee the Decent Work plan.\n\n" + HELLO["en"]
    svc = service(client_for(engine), db, detector)
    try:
        first = await svc.translate_for(text, set(channels.values()))
        assert len(engine.requests) == 2  # fr and es; en is the source
        again = await svc.translate_for(text, set(channels.values()))
        assert len(engine.requests) == 2  # all from the cache
    finally:
        await svc.translator.close()
    assert first == again
    assert first.source == "en" and first.failed == set()
    assert first.texts["en"] == text
    assert first.texts["fr"] == (HELLO["fr"] + "\n[fr] voir le Decent Work plan.\n\n"
                                 + HELLO["fr"])
    assert first.texts["es"].startswith(HELLO["es"] + "\n")
    # Two distinct lines per request: the repeated line is sent once.
    sent = [r["q"] if "q" in r else r["json"]["text"] for r in engine.requests]
    assert all(len(batch) == 2 for batch in sent)


async def test_language_detection_runs_off_the_event_loop(
        libre: FakeLibreTranslate, db: Database, detector: LanguageDetector,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """lingua is CPU work: it runs in a worker thread, never on the loop that answers
    everyone else (the wrapper only records the thread; the real detector answers)."""
    threads: list[str] = []
    real = detector.detect

    def recorded(text: str) -> str | None:
        threads.append(threading.current_thread().name)
        return real(text)

    monkeypatch.setattr(detector, "detect", recorded)
    svc = service(client_for(libre), db, detector)
    try:
        result = await svc.translate_for(HELLO["fr"], {"en"})
    finally:
        await svc.translator.close()
    assert result.source == "fr" and result.texts["en"] == HELLO["en"]
    assert threads and threading.main_thread().name not in threads


async def test_text_not_worth_translating_goes_out_as_is(
        libre: FakeLibreTranslate, db: Database, detector: LanguageDetector) -> None:
    svc = service(client_for(libre), db, detector)
    try:
        for text in ("👍👍", "ok", "https://example.org/decent-work", "2026"):
            result = await svc.translate_for(text, {"fr", "es"}, source_hint="en")
            assert result.source is None
            assert result.texts == {"fr": text, "es": text} and result.failed == set()
    finally:
        await svc.translator.close()
    assert libre.requests == []


async def test_engine_none_returns_the_original_and_fails_nothing(
        db: Database, detector: LanguageDetector) -> None:
    svc = service(NoTranslator(), db, detector)
    result = await svc.translate_for(HELLO["fr"], {"en", "fr", "ar"})
    assert result.source == "fr"
    assert result.texts == dict.fromkeys(("en", "fr", "ar"), HELLO["fr"])
    assert result.failed == set()


async def test_cache_is_bounded_oldest_first(db: Database) -> None:
    now = iter(range(1000))
    cache = TranslationCache(db, max_entries=5, clock=lambda: float(next(now)))
    for i in range(8):
        await cache.put_many("deepl", "en", "fr", {f"text {i}": f"texte {i}"})
    await cache.prune()
    assert await cache.count() == 5
    kept = await cache.get_many("deepl", "en", "fr", [f"text {i}" for i in range(8)])
    assert kept == {f"text {i}": f"texte {i}" for i in range(3, 8)}
    assert await cache.get_many("libretranslate", "en", "fr", ["text 7"]) == {}


# --- detection -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_sentences_are_detected(detector: LanguageDetector, lang: str) -> None:
    assert detector.detect(HELLO[lang]) == lang


@pytest.mark.parametrize("lang, text", [
    ("fr", "Merci pour le lien @alice, je regarde ça demain"),
    ("es", "¿Alguien tiene las diapositivas del taller de ayer?"),
    ("pt", "Alguém tem os slides da oficina de ontem?"),
    ("en", "Does anyone have yesterday's workshop slides?"),
    ("ar", "هل لدى أحد شرائح ورشة العمل؟"),
    ("fr", "Le Decent Work et la coopération South-South à l'ILO"),  # terms stripped first
])
def test_chat_messages_are_detected(detector: LanguageDetector, lang: str, text: str) -> None:
    assert detector.detect(text) == lang


@pytest.mark.parametrize("text", ["ok", "OK!", "lol 👍", "+1", "https://example.org",
                                  "`x = 1`", "👍👍", "2026", "@alice", "<@123> 🎉", "",
                                  "```\nfor i in range(3): print(i)\n```", "haha ok"])
def test_nothing_to_translate_gives_none(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_detection_time_of_a_short_message(detector: LanguageDetector) -> None:
    messages = ["Merci à tous !", "See you tomorrow", "Hasta mañana", "Até amanhã",
                "شكرا جزيلا"] * 200
    started = time.perf_counter()
    for text in messages:
        detector.detect(text)
    per_message = (time.perf_counter() - started) / len(messages)
    print(f"\ndetection of a short message: {per_message * 1e3:.3f} ms")
    assert detector.detect("Merci à tous pour cette session !") == "fr"


# --- failures --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["down", "500", "429", "hang", "malformed", "wrong key"])
async def test_engine_failures_never_escape_nor_leak_the_key(
        engine: FakeEngineServer, db: Database, detector: LanguageDetector, mode: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = "wrong-secret-key-9876:fx" if mode == "wrong key" else None
    used_key = key or (DEEPL_KEY if isinstance(engine, FakeDeepL) else LT_KEY)
    if mode == "down":
        await engine.stop()
    elif mode != "wrong key":
        engine.mode = mode
    deadline = 0.6
    svc = service(client_for(engine, key), db, detector, deadline=deadline)
    started = time.monotonic()
    try:
        result = await svc.translate_for(HELLO["en"], {"fr", "es", "en"})
        elapsed = time.monotonic() - started
        with pytest.raises(TranslationError) as direct:
            await asyncio.wait_for(svc.translator.translate([HELLO["en"]], "en", "fr"), 0.5)
    except TimeoutError:
        assert mode == "hang"  # the direct call has no deadline of its own but ours
    finally:
        await svc.translator.close()
    assert result.failed == {"fr", "es"}
    assert result.texts == dict.fromkeys(("fr", "es", "en"), HELLO["en"])
    assert elapsed < deadline + 0.5
    if mode != "hang":
        assert used_key not in str(direct.value) and str(direct.value)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING
                and r.name == "bot.translation"]
    assert len(warnings) == 2  # one per failed target, with a reason
    for record in caplog.records:
        logged = record.getMessage() + (record.exc_text or "")
        assert used_key not in logged and used_key.split(":")[0] not in logged
        assert HELLO["en"] not in logged  # participants' words are not logged


async def test_engine_timeout_is_a_translation_error(libre: FakeLibreTranslate) -> None:
    libre.mode = "hang"
    client = client_for(libre, timeout=0.2)
    try:
        with pytest.raises(TranslationError, match=r"no answer within 0\.2 s"):
            await client.translate(["Hello"], "en", "fr")
    finally:
        await client.close()


# --- configuration ---------------------------------------------------------------------

def test_libretranslate_needs_a_url() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"translation": {"engine": "libretranslate"}})
    [problem] = err.value.problems
    assert problem.startswith("config.toml: translation.url: required")


def test_deepl_needs_the_name_of_the_key_variable() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"translation": {"engine": "deepl"}})
    [problem] = err.value.problems
    assert problem.startswith("config.toml: translation.api_key_env: required")


def test_defaults_and_a_valid_deepl_section() -> None:
    assert parse_config({}).translation.engine == "none"
    section = parse_config({"translation": {"engine": "deepl", "api_key_env": "DEEPL_KEY",
                                            "timeout_seconds": 5}}).translation
    assert "Decent Work" in section.glossary and section.deadline_seconds == 8
    translator = build_translator(section, {"DEEPL_KEY": "k:fx"})
    assert isinstance(translator, DeepLClient)
    assert translator.endpoint == "https://api-free.deepl.com/v2/translate"


def test_a_missing_key_names_the_variable_not_the_value() -> None:
    section = TranslationSection(engine="deepl", api_key_env="DEEPL_KEY")
    with pytest.raises(ConfigError) as err:
        build_translator(section, {"OTHER": "x"})
    assert "DEEPL_KEY: not set" in str(err.value)
    assert isinstance(build_translator(TranslationSection(), {}), NoTranslator)
