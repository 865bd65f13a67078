"""An academy's content folder, checked as a whole: academy.toml, units, electives, surveys.
Every problem is `file:line: problem` (content/FORMAT.md is the reference)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

from bot.content import schema
from bot.content.animation import AnimationPlan, load_animation
from bot.content.lines import LineIndex, toml_error_line
from bot.content.resources import Resource, check_helped_question, load_resources
from bot.content.schema import Says, Shape
from bot.content.survey_schema import SurveyFile
from bot.content.units import UNIT_FILE, Problems, Unit, check_translations, read_unit

ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _load(path: Path, problems: Problems) -> tuple[dict[str, Any], LineIndex] | None:
    text = path.read_text(encoding="utf-8")
    try:
        return tomllib.loads(text), LineIndex.of(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add(path, toml_error_line(str(exc), 1), f"invalid TOML: {exc}")
        return None


class AcademyFile(Shape):
    """academy.toml."""

    name: Annotated[str | None, Says("name is a text")] = None
    languages: Annotated[list[str], Says("languages is required")]
    default_language: Annotated[str | None, Says("default_language is a language code")] = None

    @field_validator("languages")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value:
            raise schema.problem("languages is required")
        return value


class Elective(Shape):
    """A [[modules]] block of electives.toml: an elective module of the face-to-face week."""

    where: ClassVar[str] = " in a module"
    not_a_table: ClassVar[str] = "a module is a [[modules]] table"

    code: Annotated[str, Says("code: lower-case letters, digits and -")]
    title: Annotated[dict[str, str], Says("title: each language's entry is a text in quotes")]
    description: Annotated[dict[str, str], Says(
        "description: each language's entry is a text in quotes")]

    _per_language = field_validator("title", "description", mode="wrap")(
        schema.every_language)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not ID.match(value):
            raise schema.problem("code: lower-case letters, digits and -")
        return value


class ElectivesFile(Shape):
    """electives.toml: the elective modules, each code once."""

    modules: Annotated[list[Elective], Says("modules is a list of [[modules]] tables")] = Field(
        default_factory=list)

    @field_validator("modules", mode="wrap")
    @classmethod
    def _codes_once(cls, value: Any, read: ValidatorFunctionWrapHandler) -> list[Elective]:
        seen: set[str] = set()
        twice: list[tuple[schema.Loc, str]] = []
        for i, module in enumerate(value if isinstance(value, list) else []):
            code = module.get("code") if isinstance(module, dict) else None
            if isinstance(code, str) and code in seen:
                twice.append(((i, "code"), f"the code {code!r} is used twice"))
            if isinstance(code, str):
                seen.add(code)
        try:
            modules: list[Elective] = read(value)
        except ValidationError as exc:
            raise schema.again(exc, *twice) from None
        if twice:
            raise schema.problems(*twice)
        return modules


@dataclass
class Academy:
    """The content a cohort goes through, as loaded from its folder."""

    folder: Path
    name: str
    languages: list[str]
    default_language: str
    units: dict[int, dict[str, Unit]] = field(default_factory=dict)  # number -> language -> unit
    electives: list[Elective] = field(default_factory=list)
    # Survey name -> its TOML data as checked (the survey engine builds its own model).
    surveys: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Prompts posted into the cohorts' channels (animation.toml).
    animation: AnimationPlan = field(default_factory=AnimationPlan)
    # Post-learning resources for the pre-assessment's gaps: number -> language -> resource.
    resources: dict[int, dict[str, Resource]] = field(default_factory=dict)
    # The surveys as the engine built them, once (handlers/surveys/engine.py fills it on first use).
    built_surveys: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def unit_numbers(self) -> list[int]:
        return sorted(n for n, by in self.units.items() if self.default_language in by)

    def unit(self, number: int, language: str) -> tuple[Unit, bool] | None:
        """The unit in `language`, or in the default language with True (a fallback)."""
        by_language = self.units.get(number, {})
        if language in by_language:
            return by_language[language], False
        if self.default_language in by_language:
            return by_language[self.default_language], True
        return None


def check_academy(folder: Path) -> list[str]:
    return load_academy(folder)[1]


def load_academy(folder: Path) -> tuple[Academy | None, list[str]]:
    """The academy and every problem found. Content with problems is left out (a broken
    unit file, a broken survey), the rest is usable."""
    problems = Problems()
    loaded = _load(folder / "academy.toml", problems) if (folder / "academy.toml").exists() \
        else problems.add(folder / "academy.toml", 1, "file not found")
    if not loaded:
        return None, problems.found
    data, lines = loaded
    known = schema.validated(AcademyFile, data, folder / "academy.toml", lines, problems.add,
                             tolerate_unknown=True)
    if known is None:
        return None, problems.found
    languages = known.languages
    original = known.default_language or languages[0]
    units: dict[int, dict[str, Unit]] = {}
    unreadable: set[int] = set()
    for path in sorted((folder / "units").glob("*.md")):
        unit = read_unit(path, problems)
        name = UNIT_FILE.match(path.name)
        if unit is None and name and name.group(2) == original:
            unreadable.add(int(name.group(1)))
        if unit is not None:
            if unit.language not in languages:
                problems.add(path, 1, f"{unit.language!r} is not one of the academy's "
                             f"languages ({', '.join(languages)})")
            units.setdefault(unit.number, {})[unit.language] = unit
    before = len(problems.found)
    check_translations(units, original, problems, unreadable)
    if len(problems.found) > before:
        # A unit whose translations disagree with the original is not delivered.
        broken = {n for n, by in units.items()
                  if any(str(u.path) in p for u in by.values() for p in problems.found[before:])}
        units = {n: by for n, by in units.items() if n not in broken}
    academy = Academy(folder, known.name or folder.name, languages, original, units)
    if (folder / "electives.toml").exists():
        academy.electives = _check_electives(folder / "electives.toml", languages, problems)
    for path in sorted((folder / "surveys").glob("*.toml")):
        survey = _check_survey(path, languages, problems)
        if survey is not None:
            academy.surveys[path.stem] = survey
    academy.resources = load_resources(folder, languages, original,
                                       academy.surveys.get("pre-assessment"), problems)
    check_helped_question(folder, academy.resources, problems)
    academy.animation = load_animation(folder, languages, original, problems)
    from bot.content.practices import check_practices  # the good-practice base's files

    check_practices(folder, languages, problems)
    return academy, problems.found


def _check_electives(path: Path, languages: list[str], problems: Problems) -> list[Elective]:
    loaded = _load(path, problems)
    if not loaded:
        return []
    data, lines = loaded
    electives = schema.validated(ElectivesFile, data, path, lines, problems.add,
                                 context={"languages": languages})
    return list(electives.modules) if electives is not None else []


def _check_survey(path: Path, languages: list[str], problems: Problems
                  ) -> dict[str, Any] | None:
    """The survey's data once its schema accepts it (the engine builds its own model)."""
    loaded = _load(path, problems)
    if not loaded:
        return None
    data, lines = loaded
    survey = schema.validated(SurveyFile, data, path, lines, problems.add,
                              context={"languages": languages, "name": path.stem})
    return data if survey is not None else None
