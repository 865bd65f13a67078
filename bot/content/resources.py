"""Post-learning resources: `resources/resource-NN.<lang>.md`, TOML front matter between
`+++` lines and a Markdown body, like units (content/FORMAT.md). Each is tagged with the
pre-assessment gaps it answers: `answers = ["confidence-gender", "electives:3"]`, a scale
question's id (low confidence there) or `<choice question>:<option>` (that need chosen).
Every problem is `file:line: …`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import ValidationInfo, field_validator

from bot.content import schema
from bot.content.lines import LineIndex
from bot.content.schema import Says, Shape
from bot.content.units import Problems, front_matter

RESOURCE_FILE = re.compile(r"^resource-(\d{2})\.([a-z]{2})\.md$")
ANSWERS = ("answers is a list of pre-assessment question ids, e.g. answers = "
           "[\"confidence-gender\", \"electives:3\"]")
# The impact survey's question about the resources: option N is resource N, then "none".
HELPED_QUESTION = "resources-helped"
TITLE_LIMIT = 120


class ResourceFront(Shape):
    """A resource file's front matter; the pre-assessment's gap tags (None: the academy
    has no pre-assessment) come as the validation's context."""

    title: Annotated[str, Says("title is required (a text)")]
    summary: Annotated[str, Says("summary must be a text")] = ""
    answers: Annotated[list[str] | None, Says(ANSWERS)] = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise schema.problem("title is required (a text)")
        if len(value) > TITLE_LIMIT:
            raise schema.problem(f"title longer than {TITLE_LIMIT} characters")
        return value

    @field_validator("answers")
    @classmethod
    def _gaps(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return value
        if not value:
            raise schema.problem(ANSWERS)
        tags: set[str] | None = (info.context or {}).get("tags")
        if tags is None:
            raise schema.problem("answers names pre-assessment questions, but the academy "
                                 "has no surveys/pre-assessment.toml")
        unknown = [((), f"answers: {tag!r} is not a scale question of the pre-assessment nor "
                        f"<choice question>:<option> (known: {', '.join(sorted(tags)[:12])}, …)")
                   for tag in value if tag not in tags]
        if unknown:
            raise schema.problems(*unknown)
        return value


@dataclass
class Resource:
    number: int
    language: str
    path: Path
    title: str
    summary: str
    answers: list[str]  # pre-assessment tags; a translation repeats the original's or none
    body: str
    lines: LineIndex = field(repr=False)


def read_resource(path: Path, tags: set[str] | None, problems: Problems) -> Resource | None:
    """One file, checked; `tags` are the pre-assessment's (None: there is none)."""
    name = RESOURCE_FILE.match(path.name)
    if not name:
        problems.add(path, 1, "a resource file is named resource-NN.<language>.md, "
                     "e.g. resource-01.fr.md")
        return None
    found = front_matter(path, problems)
    if found is None:
        return None
    data, lines, body, body_line = found
    front = schema.validated(ResourceFront, data, path, lines, problems.add,
                             context={"tags": tags})
    if not body:
        problems.add(path, body_line, "the resource has no text after its front "
                     "matter")
    if front is None or not body:
        return None
    return Resource(int(name.group(1)), name.group(2), path, front.title.strip(),
                    front.summary.strip(), list(front.answers or []), body, lines)


def gap_tags(pre_assessment: dict[str, Any] | None) -> set[str] | None:
    """What a resource may answer: each scale question's id, and `<id>:<n>` for each option
    of a single or multiple choice question."""
    if pre_assessment is None:
        return None
    tags: set[str] = set()
    for q in pre_assessment.get("questions", []):
        if q.get("type") == "scale":
            tags.add(q["id"])
        elif q.get("type") in ("single", "multiple"):
            options = next(iter(q.get("options", {}).values()), [])
            tags |= {f"{q['id']}:{n}" for n in range(1, len(options) + 1)}
    return tags


def load_resources(folder: Path, languages: list[str], original: str,
                   pre_assessment: dict[str, Any] | None, problems: Problems
                   ) -> dict[int, dict[str, Resource]]:
    """number -> language -> resource. A resource whose original is missing or broken, or
    whose translation disagrees on `answers`, is left out; a missing translation is
    reported and the original (or the cohort's language) is sent instead."""
    tags = gap_tags(pre_assessment)
    found: dict[int, dict[str, Resource]] = {}
    broken: set[int] = set()
    for path in sorted((folder / "resources").glob("*.md")):
        resource = read_resource(path, tags, problems)
        name = RESOURCE_FILE.match(path.name)
        if resource is None:
            if name and name.group(2) == original:
                broken.add(int(name.group(1)))
            continue
        if resource.language not in languages:
            problems.add(path, 1, f"{resource.language!r} is not one of the academy's "
                         f"languages ({', '.join(languages)})")
            continue
        found.setdefault(resource.number, {})[resource.language] = resource
    for number, by_language in sorted(found.items()):
        source = by_language.get(original)
        if source is None:
            if number not in broken:
                any_file = next(iter(by_language.values()))
                problems.add(any_file.path, 1, f"resource {number:02d} has no {original} file "
                             "(the original every translation follows)")
            broken.add(number)
            continue
        if not source.answers:
            problems.add(source.path, source.lines.line(), "answers is required in the "
                         f"{original} file: the pre-assessment gaps this resource answers")
            broken.add(number)
        for _code, resource in sorted(by_language.items()):
            if resource is not source and resource.answers and \
                    resource.answers != source.answers:
                problems.add(resource.path, resource.lines.line("answers"),
                             f"answers differs from {source.path.name} "
                             f"({', '.join(source.answers)})")
                broken.add(number)
        missing = [code for code in languages if code not in by_language]
        if missing:
            problems.add(source.path, 1, f"resource {number:02d} is missing in "
                         f"{', '.join(missing)} (resource-{number:02d}.<language>.md)")
    return {n: by for n, by in found.items() if n not in broken}


def check_helped_question(folder: Path, resources: dict[int, dict[str, Resource]],
                          problems: Problems) -> None:
    """The impact survey's `resources-helped` question lists the resources in order, then
    "none of them": its option N is resource N."""
    path = folder / "surveys" / "impact.toml"
    if not path.exists() or not resources:
        return
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # reported with the survey
    lines = LineIndex.of(text)
    for i, q in enumerate(data.get("questions", [])):
        if not isinstance(q, dict) or q.get("id") != HELPED_QUESTION:
            continue
        options = q.get("options", {})
        counts = {len(v) for v in options.values() if isinstance(v, list)} \
            if isinstance(options, dict) else set()
        wanted = max(resources) + 1
        if counts and counts != {wanted}:
            problems.add(path, lines.line("options", "questions", i),
                         f"{HELPED_QUESTION}: {wanted} options expected (one per resource, "
                         f"in the order of resources/, then \"none\"), found "
                         f"{', '.join(str(c) for c in sorted(counts))}")
