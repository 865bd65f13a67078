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

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    create_model,
    field_validator,
    model_validator,
)

from bot.content import schema
from bot.content.lines import LineIndex, toml_error_line
from bot.content.schema import Shape
from bot.content.units import Problems
from storage.practices import (
    FIELDS,
    OPTIONAL_FIELDS,
)

log = logging.getLogger("bot.content")
KEY = r"^[a-z0-9][a-z0-9-]*$"
COUNTRY = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2, shown in the reader's language
THEME_LIMIT = 60
# Generous, but each field must fit in one chat message once labelled.
LIMITS = {"title": 200}
MAX_FIELD = 3500


@dataclass
class SeedPractice:
    key: str
    language: str  # the original's language
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> field -> text
    country: str = ""  # for the web catalogue's filters
    theme: str = ""

    def original(self) -> dict[str, str]:
        return {f: self.texts[self.language].get(f, "") for f in FIELDS}

    def translations(self) -> dict[str, dict[str, str]]:
        """Every other language, optional fields falling back to the original's text."""
        original = self.original()
        return {code: {f: fields.get(f) or original[f] for f in FIELDS}
                for code, fields in self.texts.items() if code != self.language}


def _texts(data: dict[str, Any], languages: list[str]) -> dict[str, dict[str, str]]:
    """language -> field -> text, of the entries written in one of `languages`."""
    texts: dict[str, dict[str, str]] = {}
    for name in FIELDS:
        value = data.get(name)
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            for code, body in value.items():
                if code in languages:
                    texts.setdefault(code, {})[name] = body.strip()
    return texts


class _PracticeRules(Shape):
    """What every field of a practice file shares (the fields: `PracticeFile`)."""

    language: str = "en"  # the original's
    country: str = ""  # the web catalogue's filters
    theme: str = ""

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        if not isinstance(value, str) or (value and not COUNTRY.fullmatch(value)):
            raise schema.problem("country is a two-letter ISO 3166 code in capitals, e.g. "
                                 "country = \"SN\"")
        return value

    @field_validator("theme", mode="before")
    @classmethod
    def _theme(cls, value: Any) -> Any:
        if not isinstance(value, str) or len(value.strip()) > THEME_LIMIT or "\n" in value:
            raise schema.problem(f"theme is one line of at most {THEME_LIMIT} characters, "
                                 "e.g. theme = \"green jobs\"")
        return value.strip()

    @field_validator("language", mode="before")
    @classmethod
    def _academys(cls, value: Any, info: ValidationInfo) -> Any:
        codes = schema.languages(info)
        if value not in codes:
            raise schema.problem(f"language {value!r} is not one of the academy's languages "
                                 f"({', '.join(codes)})")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _translations(cls, data: Any, read: ValidatorFunctionWrapHandler,
                      info: ValidationInfo) -> _PracticeRules:
        """The original has every required field; a translation every one or none. A
        language the academy does not have stops the check there (nothing else can be
        said of the texts)."""
        if not isinstance(data, dict):
            return read(data)  # type: ignore[no-any-return]
        codes = schema.languages(info)
        original = data.get("language", "en")
        if original not in codes:
            try:
                return read(data)  # type: ignore[no-any-return]
            except ValidationError as exc:
                raise schema.again(exc, only=("extra_forbidden", "content"),
                                   dropping=FIELDS) from None
        texts = _texts(data, codes)
        required = [f for f in FIELDS if f not in OPTIONAL_FIELDS]
        found: list[tuple[schema.Loc, str]] = []
        for code, fields in sorted(texts.items()):
            missing = [f for f in required if not fields.get(f)]
            if code == original and missing:
                found.append(((), f"the original ({original}) is missing {', '.join(missing)}"))
            elif missing and len(missing) < len(required):
                found.append(((), f"the {code} translation is missing {', '.join(missing)} "
                                  "(translate every field, or none)"))
        try:
            practice: _PracticeRules = read(data)
        except ValidationError as exc:
            raise schema.again(exc, *found) from None
        if not found and original not in texts:
            written = ", ".join(sorted(texts)) or "none"
            found.append((("language",), f"no text in the original language {original!r} "
                          f"(texts found in: {written}); set language = \"<code>\" to the "
                          "language the practice was written in"))
        if found:
            raise schema.problems(*found)
        return practice


def _field(value: Any, read: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """`title.en = "…"`: one text per language, each within its limit."""
    name, codes = str(info.field_name), schema.languages(info)
    original = info.data.get("language", "en")
    if value is None:
        if name not in OPTIONAL_FIELDS:
            raise schema.problem(f"{name} is required ({name}.{original} = \"…\")")
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise schema.problem(f"{name} needs one text per language: {name}.{original} = "
                             "\"…\"")
    found: list[str] = []
    for code, body in value.items():
        if code not in codes:
            found.append(f"{name}.{code}: {code!r} is not one of the academy's languages "
                         f"({', '.join(codes)})")
            continue
        limit = LIMITS.get(name, MAX_FIELD)
        if len(body.strip()) > limit:
            found.append(f"{name}.{code} is {len(body.strip())} characters long; at most "
                         f"{limit}")
        if name == "title" and "\n" in body.strip():
            found.append(f"title.{code} must be one line")
    if found:
        raise schema.problems(*(((), text) for text in found))
    return read(value)


# A practice file's schema: `language` and one table of texts per field of the base.
PracticeFile = create_model(  # type: ignore[call-overload]
    "PracticeFile", __base__=_PracticeRules,
    __validators__={"_fields": field_validator(*FIELDS, mode="wrap")(_field)},
    **{name: (dict[str, str] | None, Field(None, validate_default=True)) for name in FIELDS})


def read_practice(path: Path, languages: list[str], problems: Problems) -> SeedPractice | None:
    text = path.read_text(encoding="utf-8")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add(path, toml_error_line(str(exc), 1), f"invalid TOML: {exc}")
        return None
    before = len(problems.found)
    if not re.match(KEY, path.stem):
        problems.add(path, 1, "the file's name is the practice's key: lower-case letters, "
                     "digits and -, e.g. sstc-academy.toml")
    practice = schema.validated(PracticeFile, data, path, LineIndex.of(text), problems.add,
                                context={"languages": languages})
    if practice is None or len(problems.found) > before:
        return None
    return SeedPractice(path.stem, practice.language, _texts(data, languages), practice.country,
                        practice.theme)


def check_practices(folder: Path, languages: list[str], problems: Problems) -> None:
    """Called by bot.content.academy.check_academy for `<academy>/practices/*.toml`."""
    for path in sorted((folder / "practices").glob("*.toml")):
        read_practice(path, languages, problems)
