"""An academy's content folder, checked as a whole: academy.toml, units, electives, surveys.
Every problem is `file:line: problem` (content/FORMAT.md is the reference)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.animation import AnimationPlan, load_animation
from bot.content.lines import LineIndex, toml_error_line
from bot.content.resources import Resource, check_helped_question, load_resources
from bot.content.units import UNIT_FILE, Problems, Unit, check_translations, read_unit

ACADEMY_KEYS = {"name", "languages", "default_language"}
ELECTIVE_KEYS = {"code", "title", "description"}
SURVEY_KEYS = {"name", "anonymous", "title", "intro", "questions"}
QUESTION_KEYS = {"id", "type", "text", "options", "min", "max", "min_label", "max_label",
                 "when", "shortlist", "shortlist_options", "optional"}
TYPES = {"single", "multiple", "scale", "text", "yesno"}
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _load(path: Path, problems: Problems) -> tuple[dict[str, Any], LineIndex] | None:
    text = path.read_text(encoding="utf-8")
    try:
        return tomllib.loads(text), LineIndex.of(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add(path, toml_error_line(str(exc), 1), f"invalid TOML: {exc}")
        return None


def _unknown(path: Path, data: dict[str, Any], known: set[str], at: Any, problems: Problems,
             where: str = "") -> None:
    for key in sorted(data.keys() - known):
        problems.add(path, at(key), f"unknown key {key!r}{where} (known: "
                     f"{', '.join(sorted(known))})")


def _every_language(path: Path, value: Any, name: str, languages: list[str], line: int,
                    problems: Problems) -> None:
    """`name.en = …`, `name.fr = …`: one non-empty entry for each language."""
    if not isinstance(value, dict):
        problems.add(path, line, f"{name} needs one entry per language: "
                     f"{', '.join(f'{name}.{code}' for code in languages)}")
        return
    missing = [code for code in languages if not value.get(code)]
    if missing:
        problems.add(path, line, f"{name} is missing in {', '.join(missing)}")


def _only_texts(path: Path, value: Any, name: str, line: int, problems: Problems) -> None:
    """Each language's entry of `name` is a text (not a number, a list or a table)."""
    if isinstance(value, dict) and not all(isinstance(v, str) for v in value.values()):
        problems.add(path, line, f"{name}: each language's entry is a text in quotes")


@dataclass
class Elective:
    code: str
    title: dict[str, str]
    description: dict[str, str]


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
    _unknown(folder / "academy.toml", data, ACADEMY_KEYS, lines.line, problems)
    languages = data.get("languages")
    if not (isinstance(languages, list) and languages):
        problems.add(folder / "academy.toml", lines.line("languages"), "languages is required")
        return None, problems.found
    original = data.get("default_language", languages[0])
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
    academy = Academy(folder, str(data.get("name", folder.name)), languages, original, units)
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
    codes: set[str] = set()
    before = len(problems.found)
    modules = data.get("modules", [])
    if not isinstance(modules, list):
        problems.add(path, lines.line("modules"), "modules is a list of [[modules]] tables")
        return []
    for i, module in enumerate(modules):
        def at(key: str | None = None, i: int = i) -> int:
            return lines.line(key, "modules", i)
        if not isinstance(module, dict):
            problems.add(path, at(), "a module is a [[modules]] table")
            continue
        _unknown(path, module, ELECTIVE_KEYS, at, problems, " in a module")
        code = module.get("code")
        if not isinstance(code, str) or not ID.match(code):
            problems.add(path, at("code"), "code: lower-case letters, digits and -")
        elif code in codes:
            problems.add(path, at("code"), f"the code {code!r} is used twice")
        else:
            codes.add(code)
        for key in ("title", "description"):
            _every_language(path, module.get(key), key, languages, at(key), problems)
    if len(problems.found) > before:
        return []
    return [Elective(m["code"], m["title"], m["description"]) for m in data.get("modules", [])]


def _answer_fits(kind: str, answer: Any) -> bool:
    """Whether `when.answer` can match an answer to a question of this type."""
    text = str(answer).strip().lower()
    if kind == "yesno":
        return text in ("yes", "no")
    if kind in ("single", "multiple"):
        return text.isdigit() and int(text) >= 1
    if kind == "scale":
        return re.fullmatch(r"(>=|<=|!=|==|=|>|<)?\s*-?\d+", text) is not None
    return False


def _check_survey(path: Path, languages: list[str], problems: Problems
                  ) -> dict[str, Any] | None:
    loaded = _load(path, problems)
    if not loaded:
        return None
    data, lines = loaded
    before = len(problems.found)
    _unknown(path, data, SURVEY_KEYS, lines.line, problems)
    if data.get("name") != path.stem:
        problems.add(path, lines.line("name"), f"name must be {path.stem!r} (the file's name)")
    if not isinstance(data.get("anonymous", False), bool):
        problems.add(path, lines.line("anonymous"), "anonymous is true or false")
    for key in ("title", "intro"):
        if key == "title" or key in data:
            _every_language(path, data.get(key), key, languages, lines.line(key), problems)
            _only_texts(path, data.get(key), key, lines.line(key), problems)
    seen: dict[str, str] = {}
    questions = data.get("questions", [])
    if not isinstance(questions, list):
        problems.add(path, lines.line("questions"), "questions: write each one as [[questions]]")
        questions = []
    for i, q in enumerate(questions):
        def at(key: str | None = None, i: int = i) -> int:
            return lines.line(key, "questions", i)
        if not isinstance(q, dict):
            problems.add(path, at(), "a question is a [[questions]] table")
            continue
        _unknown(path, q, QUESTION_KEYS, at, problems, " in a question")
        qid, kind = q.get("id"), q.get("type")
        if not isinstance(qid, str) or not ID.match(qid) or qid in seen:
            problems.add(path, at("id"), "id: a unique lower-case identifier")
        if not isinstance(kind, str) or kind not in TYPES:
            problems.add(path, at("type"), f"type is one of {', '.join(sorted(TYPES))}")
        _every_language(path, q.get("text"), "text", languages, at("text"), problems)
        _only_texts(path, q.get("text"), "text", at("text"), problems)
        for key in ("optional", "shortlist"):
            if not isinstance(q.get(key, False), bool):
                problems.add(path, at(key), f"{key} is true or false")
        for key in ("min", "max", "min_label", "max_label"):
            if key in q and kind != "scale":
                problems.add(path, at(key), f"{key} is for scale questions")
        if "options" in q and kind not in ("single", "multiple"):
            problems.add(path, at("options"), "options are for single and multiple questions")
        if kind in ("single", "multiple"):
            options = q.get("options")
            _every_language(path, options, "options", languages, at("options"), problems)
            if isinstance(options, dict) and len({len(v) for v in options.values()
                                                  if isinstance(v, list)}) > 1:
                problems.add(path, at("options"), "options: the same number in every "
                             "language")
            if isinstance(options, dict) and not all(
                    isinstance(v, list) and all(isinstance(o, str) and o.strip() for o in v)
                    for v in options.values()):
                problems.add(path, at("options"), "options: a list of texts in each language, "
                             "e.g. options.en = [\"Yes\", \"Partly\", \"No\"]")
        if kind == "scale":
            low, high = q.get("min"), q.get("max")
            if not (isinstance(low, int) and isinstance(high, int) and low < high):
                problems.add(path, at("min"), "a scale needs whole numbers min < max")
            for label in ("min_label", "max_label"):
                if label in q:
                    _every_language(path, q[label], label, languages, at(label), problems)
                    _only_texts(path, q[label], label, at(label), problems)
        when = q.get("when")
        if when is not None and (not isinstance(when, dict) or not isinstance(
                when.get("question"), str) or when["question"] not in seen):
            problems.add(path, at("when"), "when = { question = \"<an earlier id>\", answer = "
                         "… }: the question must come before this one")
        elif when is not None and not _answer_fits(seen[when["question"]], when.get("answer")):
            problems.add(path, at("when"), "when.answer: \"yes\" or \"no\" for a yes/no "
                         "question, an option number for a choice, a comparison like \">= 4\" "
                         "for a scale (not a text question)")
        if q.get("shortlist") and kind != "yesno":
            problems.add(path, at("shortlist"), "shortlist = true is for yes/no questions "
                         "(single and multiple: shortlist_options = [option numbers])")
        if "shortlist_options" in q and kind not in ("single", "multiple"):
            problems.add(path, at("shortlist_options"), "shortlist_options is for single and "
                         "multiple questions")
        elif "shortlist_options" in q and not (isinstance(q["shortlist_options"], list) and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 1
                for n in q["shortlist_options"])):
            problems.add(path, at("shortlist_options"), "shortlist_options = [option numbers, "
                         "counted from 1]")
        if data.get("anonymous") and (q.get("shortlist") or q.get("shortlist_options")):
            problems.add(path, at("shortlist"), "an anonymous survey keeps no names, so it "
                         "cannot have an interview shortlist")
        if isinstance(qid, str):
            seen[qid] = str(kind)
    return data if len(problems.found) == before else None
