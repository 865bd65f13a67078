"""Every string the bot writes exists in every interface language."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import RLM, Catalogs, _, rtl_marked, use_language

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in SUPPORTED_LANGUAGES if code != "en"]  # English is the source


def load(lang: str) -> Catalog:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def code_messages(tmp_path: Path) -> set[str]:
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(ROOT / "babel.cfg"), "-k", "N_", "-k", "ngettext:1,2", "-o", str(pot),
         "bot", "handlers"],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def in_code(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    return code_messages(tmp_path_factory.mktemp("pot"))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_translates_every_message_in_the_code(lang: str, in_code: set[str]) -> None:
    catalog = load(lang)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(in_code - translated)
    assert not missing, f"{lang}: untranslated, fuzzy or missing: {missing[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang: str) -> None:
    for m in load(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = fields(ids[-1])
        for translated in strings:
            found = fields(translated)
            # A plural form may name its number in the word itself (Arabic's dual,
            # "إجابتان", is "two answers"): the count may go, nothing else.
            missing = wanted - found if len(ids) > 1 else set()
            assert found == wanted or (found < wanted and len(missing) == 1
                                       and missing <= {"n", "count"}), \
                f"{lang}: {m.id!r} -> {translated!r}"


def test_the_template_matches_the_code(in_code: set[str]) -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as f:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert template == in_code, "run `make locales` and translate the new messages"


def test_compiled_catalogs_are_used_at_run_time() -> None:
    catalogs = Catalogs(SUPPORTED_LANGUAGES)
    with use_language(catalogs.pack("fr")):
        assert _("Please choose your language.") == "Veuillez choisir votre langue."
    with use_language(catalogs.pack("pt-BR")):
        assert _("I agree") == "Concordo"
    with use_language(catalogs.pack("xx")):  # unknown: the default language
        assert _("I agree") == "I agree"


def test_arabic_lines_are_marked_right_to_left() -> None:
    catalogs = Catalogs(SUPPORTED_LANGUAGES)
    marked = rtl_marked("/help — مساعدة\n\nسطر", catalogs.pack("ar"))
    assert marked == f"{RLM}/help — مساعدة\n\n{RLM}سطر"
    assert rtl_marked("/help", catalogs.pack("fr")) == "/help"


# What a person types literally after a command (sub-commands, flags): the same in every
# language. Any other word in a usage synopsis is a placeholder and must be translated.
TYPED_LITERALLY = {"csv", "n", "add", "remove", "list", "off", "create", "join", "leave",
                   "cancel", "start", "review", "approve", "return", "export", "new",
                   "channels", "participants", "status", "results", "shortlist", "close",
                   "preview", "post", "note"}


@pytest.mark.parametrize("lang", ["es", "pt", "ar"])
def test_usage_synopses_have_no_english_placeholders(lang: str) -> None:
    """`/help` shows each command's synopsis translated: "[Area/City]" is not left in
    English in Arabic help (French is left out: "[code]" is French too)."""
    import re

    from bot.app import FEATURES
    from bot.commands import CommandRegistry

    registry = CommandRegistry()
    for feature in FEATURES:
        feature.setup(registry)
    pack = Catalogs(SUPPORTED_LANGUAGES).pack(lang)
    english = set()
    for command in registry.commands.values():
        if not command.usage:
            continue
        with use_language(pack):
            shown = _(command.usage)
        def words(text: str) -> set[str]:
            return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}

        left = words(shown) & words(command.usage) - TYPED_LITERALLY
        if left:
            english.add(f"/{command.name} {shown}")
    assert not english, english
