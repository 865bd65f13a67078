"""Translations keep each language's conventions and the one word the glossary allows.

The glossaries live beside the catalogs (locales/glossary/LANG.toml): for each concept
the one translation to use and the alternatives that must not come back. The checks
run over every catalog entry and over the per-language texts of the course content
the bot posts itself (animation prompts, surveys, academy and electives), each paired
with its English source.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ["fr", "es", "pt", "ar"]
CONTENT = ROOT / "content" / "sstc-academy"
CONTENT_FILES = [
    CONTENT / "animation.toml", CONTENT / "academy.toml", CONTENT / "electives.toml",
    *sorted((CONTENT / "surveys").glob("*.toml")),
]
NNBSP = "\u202f"


def catalog_texts(lang: str) -> Iterator[tuple[str, str]]:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            yield msgid, text


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    return [s for value in node for s in _strings(value)] if isinstance(node, list) else []


def _pairs(node: object, lang: str) -> Iterator[tuple[str, str]]:
    """(English, translation) for every text of the content given in both."""
    if isinstance(node, dict):
        if "en" in node and lang in node:
            yield from zip(_strings(node["en"]), _strings(node[lang]), strict=True)
        for value in node.values():
            yield from _pairs(value, lang)
    elif isinstance(node, list):
        for value in node:
            yield from _pairs(value, lang)


def content_texts(lang: str) -> Iterator[tuple[str, str]]:
    for path in CONTENT_FILES:
        yield from _pairs(tomllib.loads(path.read_text(encoding="utf-8")), lang)


def all_texts(lang: str) -> list[tuple[str, str]]:
    return [*catalog_texts(lang), *content_texts(lang)]


def prose(text: str) -> str:
    """The text without what is not prose: placeholders, links, commands, times."""
    text = re.sub(r"\{[^{}]*\}", "·", text)
    text = re.sub(r"https?://\S+", "·", text)
    text = re.sub(r"(?<![\w/])/[a-z_]+", "·", text)
    text = re.sub(r"\b\d+:\d+\b", "·", text)
    # "es: Pregunta" is the syntax a facilitator types for their own translation.
    return re.sub(r"\b[a-z]{2}: ", "· ", text)


def french_faults(text: str) -> list[str]:
    text = prose(text)
    faults = [m.group() for m in re.finditer(r".{0,12}[^\u202f][:;?!»]", text)]
    faults += [m.group() for m in re.finditer(r"«[^\u202f].{0,12}", text)]
    faults += [m.group() for m in re.finditer(r".{0,8}'.{0,8}", text)]
    faults += [m.group() for m in re.finditer(r".{0,8}\u202f\s.{0,8}", text)]
    return faults


def spanish_faults(text: str) -> list[str]:
    text = prose(text)
    faults = []
    for opening, closing in (("¿", "?"), ("¡", "!")):
        open_ = 0
        for index, char in enumerate(text):
            if char == opening:
                open_ += 1
            elif char == closing:
                if open_ == 0:
                    faults.append(text[max(0, index - 20):index + 1])
                open_ = max(0, open_ - 1)
        if open_:
            faults.append(f"{opening} never closed: {text[:40]}")
    return faults


def arabic_faults(text: str) -> list[str]:
    text = prose(text)
    # Latin punctuation next to Arabic letters; Latin examples keep their own.
    arabic = "\u0600-\u06ff"
    return [m.group() for m in re.finditer(
        rf"[{arabic}][^\w\n]{{0,2}}[,?;]|[,?;]\s*[{arabic}]", text)]


CHECKS = {"fr": french_faults, "es": spanish_faults, "ar": arabic_faults}
CHECKS = {lang: check for lang, check in CHECKS.items() if lang in TRANSLATED}


@pytest.mark.parametrize("lang", sorted(CHECKS))
def test_punctuation_follows_the_language(lang: str) -> None:
    faults = [(where, fault) for where, text in all_texts(lang) for fault in CHECKS[lang](text)]
    assert not faults, f"{lang}: {len(faults)} punctuation faults, e.g. {faults[:8]}"


def glossary(lang: str) -> list[dict]:
    path = ROOT / "locales" / "glossary" / f"{lang}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))["term"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_glossary_is_well_formed(lang: str) -> None:
    terms = glossary(lang)
    assert len(terms) >= 15
    for term in terms:
        assert term["en"] and term["use"], term
        for avoid in term.get("avoid", []):
            assert not forbidden(avoid).search(term["use"]), term


def forbidden(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_glossary_words_only(lang: str) -> None:
    catalog, content = list(catalog_texts(lang)), list(content_texts(lang))
    found = []
    for term in glossary(lang):
        # scope "catalog": what the bot says to one person (the prompts speak to groups).
        texts = catalog if term.get("scope") == "catalog" else catalog + content
        # "when": the rule holds where the English matches (Spanish "encuesta" is a poll,
        # never a survey); without it, everywhere.
        when = re.compile(term.get("when", ""), re.IGNORECASE)
        for avoid in term.get("avoid", []):
            pattern = forbidden(avoid)
            found += [(term["en"], avoid, english[:50]) for english, text in texts
                      if when.search(english) and pattern.search(text)]
    assert not found, f"{lang}: {len(found)} uses of a word the glossary rules out: {found[:8]}"


def test_the_checks_catch_what_they_should() -> None:
    assert french_faults("Bonjour ! Voici l'unité : « 2 »")
    assert french_faults(f"«{NNBSP}{NNBSP}2{NNBSP}»")
    assert not french_faults(f"Bonjour{NNBSP}! Voici l’unité{NNBSP}: «{NNBSP}2{NNBSP}» à 9:30")
    assert spanish_faults("¿Quiso decir: {x}") and spanish_faults("Hola!")
    assert not spanish_faults("¿Quiso decir: {x}? ¡Hola!")
    assert arabic_faults("هل تقصد؟ نعم, لا?")
    assert not arabic_faults("هل تقصد؟ نعم، لا")


TANWEEN = re.compile("\u064b\u0627?$")
COUNTED = re.compile(r"\{(?:n|count|days)\} ([\u0621-\u0652\u0670]+)")  # letters, not ، or ؛


def test_arabic_plural_forms_follow_cldr() -> None:
    """Forms 0-5 are zero, one, two, few (3-10), many (11-99), other (100+, …): the noun
    after the count is genitive singular for zero and other (100 شخص), accusative
    singular for many (11 شخصًا)."""
    with (ROOT / "locales" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="ar")
    faults = []
    for message in catalog:
        if not isinstance(message.id, tuple):
            continue
        forms = message.string
        assert len(forms) == 6, message.id
        for index in (0, 5):
            faults += [(index, message.id[1][:40], word) for word in COUNTED.findall(forms[index])
                       if TANWEEN.search(word)]
        nouns = COUNTED.findall(forms[4])
        if nouns and not any(TANWEEN.search(word) for word in nouns):
            faults.append((4, message.id[1][:40], nouns))
    assert not faults, f"{len(faults)} Arabic plural forms in the wrong case: {faults[:6]}"
