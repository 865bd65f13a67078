"""A survey file (`surveys/<name>.toml`, content/FORMAT.md) as a pydantic model: what each
key may hold, which keys go with which question type, and the rules across questions
(ids once, `when` refers to an earlier question, no shortlist in an anonymous survey).

The survey engine builds its own model from the data once it is valid; a new question
type adds its name to `QuestionType` and its rules to `SurveyQuestion._by_type`."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from bot.content import schema
from bot.content.schema import Loc, Says, Shape

QuestionType = Literal["single", "multiple", "scale", "text", "yesno"]
TYPES = ("multiple", "scale", "single", "text", "yesno")
CHOICES = ("single", "multiple")
SCALE_KEYS = ("min", "max", "min_label", "max_label")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TEXTS = "{}: each language's entry is a text in quotes"
OPTIONS = ("options: a list of texts in each language, e.g. options.en = [\"Yes\", \"Partly\", "
           "\"No\"]")
WHEN = ("when = { question = \"<an earlier id>\", answer = … }: the question must come before "
        "this one")
WHEN_ANSWER = ("when.answer: \"yes\" or \"no\" for a yes/no question, an option number for a "
               "choice, a comparison like \">= 4\" for a scale (not a text question)")
ANONYMOUS = "an anonymous survey keeps no names, so it cannot have an interview shortlist"


def answer_fits(kind: str, answer: Any) -> bool:
    """Whether `when.answer` can match an answer to a question of this type."""
    text = str(answer).strip().lower()
    if kind == "yesno":
        return text in ("yes", "no")
    if kind in CHOICES:
        return text.isdigit() and int(text) >= 1
    if kind == "scale":
        return re.fullmatch(r"(>=|<=|!=|==|=|>|<)?\s*-?\d+", text) is not None
    return False


class SurveyQuestion(Shape):
    """A [[questions]] block."""

    where: ClassVar[str] = " in a question"
    not_a_table: ClassVar[str] = "a question is a [[questions]] table"

    id: Annotated[str, Says("id: a unique lower-case identifier")]
    type: Annotated[QuestionType, Says(f"type is one of {', '.join(TYPES)}")]
    text: Annotated[dict[str, str] | None, Says(TEXTS.format("text"))] = Field(
        None, validate_default=True)
    optional: Annotated[bool, Says("optional is true or false")] = False
    # single, multiple: the choices, the same number in every language
    options: Annotated[dict[str, list[str]] | None, Says(OPTIONS)] = None
    # scale
    min: Annotated[int | None, Says("a scale needs whole numbers min < max")] = None
    max: Annotated[int | None, Says("a scale needs whole numbers min < max")] = None
    min_label: Annotated[dict[str, str] | None, Says(TEXTS.format("min_label"))] = None
    max_label: Annotated[dict[str, str] | None, Says(TEXTS.format("max_label"))] = None
    # asked only when an earlier question was answered so (checked across questions)
    when: Annotated[dict[str, Any] | None, Says(WHEN)] = None
    # the interview shortlist: a yes/no question's "yes", a choice's options
    shortlist: Annotated[bool, Says("shortlist is true or false")] = False
    shortlist_options: Annotated[list[int] | None, Says(
        "shortlist_options = [option numbers, counted from 1]")] = None

    _per_language = field_validator("text", "options", "min_label", "max_label",
                                    mode="wrap")(schema.every_language)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID.match(value):
            raise schema.problem("id: a unique lower-case identifier")
        return value

    @field_validator("options")
    @classmethod
    def _options(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is None:
            return value
        found = []
        if len({len(v) for v in value.values()}) > 1:
            found.append(((), "options: the same number in every language"))
        if not all(o.strip() for v in value.values() for o in v):
            found.append(((), OPTIONS))
        if found:
            raise schema.problems(*found)
        return value

    @field_validator("shortlist_options")
    @classmethod
    def _counted_from_1(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and not all(n >= 1 for n in value):
            raise schema.problem("shortlist_options = [option numbers, counted from 1]")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _by_type(cls, data: Any, read: ValidatorFunctionWrapHandler, info: ValidationInfo
                 ) -> SurveyQuestion:
        """Which keys go with which type: a key of another type is reported as such (and
        not also for what it holds)."""
        if not isinstance(data, dict):
            return read(data)  # type: ignore[no-any-return]
        kind = data.get("type")
        found: list[tuple[Loc, str]] = []
        foreign: list[str] = []
        for key in SCALE_KEYS:
            if key in data and kind != "scale":
                found.append(((key,), f"{key} is for scale questions"))
                foreign.append(key)
        if "options" in data and kind not in CHOICES:
            found.append((("options",), "options are for single and multiple questions"))
            foreign.append("options")
        if kind in CHOICES and "options" not in data:
            found.append((("options",), "options needs one entry per language: " + ", ".join(
                f"options.{code}" for code in schema.languages(info))))
        low, high = data.get("min"), data.get("max")
        if kind == "scale" and not (type(low) is int and type(high) is int and low < high):
            found.append((("min",), "a scale needs whole numbers min < max"))
            foreign += ["min", "max"]
        if data.get("shortlist") and kind != "yesno":
            found.append((("shortlist",), "shortlist = true is for yes/no questions (single "
                                          "and multiple: shortlist_options = [option numbers])"))
        if "shortlist_options" in data and kind not in CHOICES:
            found.append((("shortlist_options",), "shortlist_options is for single and "
                                                  "multiple questions"))
            foreign.append("shortlist_options")
        try:
            question: SurveyQuestion = read(data)
        except ValidationError as exc:
            raise schema.again(exc, *found, dropping=tuple(foreign)) from None
        if found:
            raise schema.problems(*found)
        return question


class SurveyFile(Shape):
    """A survey file: its name is the file's, its title in every language, its questions."""

    name: str | None = Field(None, validate_default=True)
    anonymous: Annotated[bool, Says("anonymous is true or false")] = False
    title: Annotated[dict[str, str] | None, Says(TEXTS.format("title"))] = Field(
        None, validate_default=True)
    intro: Annotated[dict[str, str] | None, Says(TEXTS.format("intro"))] = None
    questions: Annotated[list[SurveyQuestion], Says(
        "questions: write each one as [[questions]]")] = Field(default_factory=list)

    _per_language = field_validator("title", "intro", mode="wrap")(schema.every_language)

    @field_validator("name", mode="before")
    @classmethod
    def _the_files_name(cls, value: Any, info: ValidationInfo) -> Any:
        stem = (info.context or {}).get("name")
        if value != stem:
            raise schema.problem(f"name must be {stem!r} (the file's name)")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _across_questions(cls, data: Any, read: ValidatorFunctionWrapHandler) -> SurveyFile:
        """Each id once; `when` names an earlier question and an answer it can have; no
        shortlist in an anonymous survey."""
        found: list[tuple[Loc, str]] = []
        questions = data.get("questions") if isinstance(data, dict) else None
        seen: dict[str, str] = {}
        for i, q in enumerate(questions if isinstance(questions, list) else []):
            if not isinstance(q, dict):
                continue
            qid, when = q.get("id"), q.get("when")
            if isinstance(qid, str) and qid in seen:
                found.append((("questions", i, "id"), "id: a unique lower-case identifier"))
            if when is not None and (not isinstance(when, dict) or not isinstance(
                    when.get("question"), str) or when["question"] not in seen):
                found.append((("questions", i, "when"), WHEN))
            elif when is not None and not answer_fits(seen[when["question"]],
                                                      when.get("answer")):
                found.append((("questions", i, "when"), WHEN_ANSWER))
            if data.get("anonymous") and (q.get("shortlist")
                                                  or q.get("shortlist_options")):
                found.append((("questions", i, "shortlist"), ANONYMOUS))
            if isinstance(qid, str):
                seen[qid] = str(q.get("type"))
        try:
            survey: SurveyFile = read(data)
        except ValidationError as exc:
            raise schema.again(exc, *found) from None
        if found:
            raise schema.problems(*found)
        return survey
