"""Good practices shipped with the academy: `practices/<key>.toml` (content/FORMAT.md).

Checked by `python -m bot check`, and loaded at start-up as approved entries of the base,
idempotently: the file's name is the practice's key, a changed file updates its practice,
and translations written in the file are stored as the practice's translations.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.lines import LineIndex, toml_error_line
from bot.content.units import Problems
from storage.practices import (
    FIELDS,
    OPTIONAL_FIELDS,
)

log = logging.getLogger("bot.content")
PRACTICE_KEYS = {"language", *FIELDS}
KEY = r"^[a-z0-9][a-z0-9-]*$"
# Generous, but each field must fit in one chat message once labelled.
LIMITS = {"title": 200}
MAX_FIELD = 3500


@dataclass
class SeedPractice:
    key: str
    language: str  # the original's language
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> field -> text

    def original(self) -> dict[str, str]:
        return {f: self.texts[self.language].get(f, "") for f in FIELDS}

    def translations(self) -> dict[str, dict[str, str]]:
        """Every other language, optional fields falling back to the original's text."""
        original = self.original()
        return {code: {f: fields.get(f) or original[f] for f in FIELDS}
                for code, fields in self.texts.items() if code != self.language}


def read_practice(path: Path, languages: list[str], problems: Problems) -> SeedPractice | None:
    text = path.read_text(encoding="utf-8")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add(path, toml_error_line(str(exc), 1), f"invalid TOML: {exc}")
        return None
    lines = LineIndex.of(text)
    before = len(problems.found)
    if not re.match(KEY, path.stem):
        problems.add(path, 1, "the file's name is the practice's key: lower-case letters, "
                     "digits and -, e.g. sstc-academy.toml")
    for key in sorted(data.keys() - PRACTICE_KEYS):
        problems.add(path, lines.line(key), f"unknown key {key!r} (known: "
                     f"{', '.join(sorted(PRACTICE_KEYS))})")
    original = data.get("language", "en")
    if original not in languages:
        problems.add(path, lines.line("language"), f"language {original!r} is not one of the "
                     f"academy's languages ({', '.join(languages)})")
        return None
    texts: dict[str, dict[str, str]] = {}
    for name in FIELDS:
        value = data.get(name)
        if value is None:
            if name not in OPTIONAL_FIELDS:
                problems.add(path, 1, f"{name} is required ({name}.{original} = \"…\")")
            continue
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.add(path, lines.line(name), f"{name} needs one text per language: "
                         f"{name}.{original} = \"…\"")
            continue
        for code, body in value.items():
            if code not in languages:
                problems.add(path, lines.line(name), f"{name}.{code}: {code!r} is not one of "
                             f"the academy's languages ({', '.join(languages)})")
                continue
            limit = LIMITS.get(name, MAX_FIELD)
            if len(body.strip()) > limit:
                problems.add(path, lines.line(name), f"{name}.{code} is {len(body.strip())} "
                             f"characters long; at most {limit}")
            if name == "title" and "\n" in body.strip():
                problems.add(path, lines.line(name), f"title.{code} must be one line")
            texts.setdefault(code, {})[name] = body.strip()
    required = [f for f in FIELDS if f not in OPTIONAL_FIELDS]
    for code, fields in sorted(texts.items()):
        missing = [f for f in required if not fields.get(f)]
        if code == original and missing:
            problems.add(path, 1, f"the original ({original}) is missing "
                         f"{', '.join(missing)}")
        elif missing and len(missing) < len(required):
            problems.add(path, 1, f"the {code} translation is missing {', '.join(missing)} "
                         "(translate every field, or none)")
    if original not in texts and len(problems.found) == before:
        written = ", ".join(sorted(texts)) or "none"
        problems.add(path, lines.line("language"), f"no text in the original language "
                     f"{original!r} (texts found in: {written}); set language = \"<code>\" "
                     "to the language the practice was written in")
    if len(problems.found) > before:
        return None
    return SeedPractice(path.stem, original, texts)


def check_practices(folder: Path, languages: list[str], problems: Problems) -> None:
    """Called by bot.content.academy.check_academy for `<academy>/practices/*.toml`."""
    for path in sorted((folder / "practices").glob("*.toml")):
        read_practice(path, languages, problems)
