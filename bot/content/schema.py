"""Each content format is a pydantic model (its schema); what the model refuses is reported
as `file:line: problem`, in the words a person writing the file understands.

A field says what is wrong with it in words of its own (`Says`), a rule spanning fields
raises `problems(...)` with the key each problem is about, and a key no model knows is
"unknown key 'x' (known: …)". The line comes from where the key stands in the file
(`LineIndex`): a key of a `[[table]]`'s n-th block, that block, or a top-level key.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from bot.content.lines import LineIndex

PROBLEM = "content"  # the pydantic error type of a problem written for people
Loc = tuple[str | int, ...]
S = TypeVar("S", bound="Shape")


@dataclass(frozen=True)
class Says:
    """What is wrong when a field's value is missing or of the wrong type."""

    problem: str


class Shape(BaseModel):
    """A content format's model: strict (a number is not a text), no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    # For an unknown key: " in a question" ("unknown key 'x' in a question (known: …)").
    where: ClassVar[str] = ""
    # When a value that should be this table is not one: "a question is a [[questions]] table".
    not_a_table: ClassVar[str] = "a table is expected here"


def problem(text: str) -> PydanticCustomError:
    return PydanticCustomError(PROBLEM, text)


def problems(*found: tuple[Loc, str]) -> ValidationError:
    """Several problems at once, each at its key (relative to the value being checked)."""
    return ValidationError.from_exception_data("content", [
        InitErrorDetails(type=problem(text), loc=loc, input=None) for loc, text in found])


def again(error: ValidationError, *more: tuple[Loc, str], dropping: tuple[str, ...] = (),
          only: tuple[str, ...] | None = None) -> ValidationError:
    """`error`'s problems and `more`, raised together (a wrap validator that checks a
    list's length as well as its items); `dropping`: keys whose problems `more` says (or
    that need not be said); `only`: the kinds of error kept (pydantic's types)."""
    details: list[InitErrorDetails] = []
    for err in error.errors():
        if err["loc"][:1] in [(key,) for key in dropping] or (
                only is not None and err["type"] not in only):
            continue
        kind = problem(err["msg"]) if err["type"] == PROBLEM else err["type"]
        details.append(InitErrorDetails(type=kind, loc=err["loc"], input=err.get("input"),
                                        ctx=err.get("ctx", {})))
    details += [InitErrorDetails(type=problem(text), loc=loc, input=None) for loc, text in more]
    return ValidationError.from_exception_data("content", details)


def validated(shape: type[S], data: dict[str, Any], path: Path, lines: LineIndex,
              add: Any, *, context: dict[str, Any] | None = None,
              tolerate_unknown: bool = False,
              line_at: Callable[[Loc], int] | None = None) -> S | None:
    """`shape` read from `data`, or None once every problem is reported through
    `add(path, line, problem)` (Problems.add). `context` reaches the validators (the
    academy's languages); with `tolerate_unknown`, unknown top-level keys are reported
    but do not make the rest unusable. `line_at(loc)` finds lines `lines` cannot."""
    try:
        return shape.model_validate(data, context=context)
    except ValidationError as exc:
        # The members of a union (`int | date`) each refuse a value: said once.
        found: dict[tuple[int, str, tuple[int, ...]], None] = {}
        for err in exc.errors():
            loc = tuple(err["loc"])
            items = tuple(p for p in loc if isinstance(p, int))
            line = line_at(loc) if line_at is not None else line_of(lines, loc)
            found[line, explain(shape, loc, err), items] = None
        for line, text, _items in sorted(found, key=lambda f: f[0]):  # in the file's order
            add(path, line, text)
        unknown = [e["loc"][0] for e in exc.errors()
                   if e["type"] == "extra_forbidden" and len(e["loc"]) == 1]
        if tolerate_unknown and len(unknown) == len(exc.errors()):
            # Unknown top-level keys are reported, and what is known is still used.
            known = {k: v for k, v in data.items() if k not in unknown}
            return shape.model_validate(known, context=context)
        return None


def languages(info: ValidationInfo) -> list[str]:
    """The academy's languages, given as the validation's context."""
    return list((info.context or {}).get("languages", []))


def every_language(value: Any, read: ValidatorFunctionWrapHandler, info: ValidationInfo
                   ) -> Any:
    """`name.en = …`, `name.fr = …`: one non-empty entry for each of the academy's
    languages (a `mode="wrap"` field validator); what the entries must be, the field's
    type says."""
    name, codes = info.field_name, languages(info)
    if not isinstance(value, dict):
        raise problem(f"{name} needs one entry per language: "
                      f"{', '.join(f'{name}.{code}' for code in codes)}")
    missing = [code for code in codes if not value.get(code)]
    found = [((), f"{name} is missing in {', '.join(missing)}")] if missing else []
    try:
        read_value = read(value)
    except ValidationError as exc:
        raise again(exc, *found) from None
    if found:
        raise problems(*found)
    return read_value


def line_of(lines: LineIndex, loc: Loc) -> int:
    """`("questions", 2, "answer")`: the answer's line in the third [[questions]] block (or
    the block's first line); `("title",)`, `("answers", 2)` (an item of an inline list):
    the top-level key's line."""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int) \
            and lines.is_block(loc[0], loc[1]):
        key = loc[2] if len(loc) > 2 and isinstance(loc[2], str) else None
        return lines.line(key, loc[0], loc[1])
    return lines.line(loc[0] if loc and isinstance(loc[0], str) else None)


def explain(shape: type[Shape], loc: Loc, err: Any) -> str:
    if err["type"] == PROBLEM:
        return str(err["msg"])
    annotation: Any = shape
    said = None  # the nearest field's words; an item of a list of texts keeps its list's
    for n, part in enumerate(loc):
        if isinstance(annotation, type) and issubclass(annotation, Shape):
            keys = {f.alias or name: f for name, f in annotation.model_fields.items()}
            field = keys.get(str(part))
            if field is None:  # a key the model does not know
                if err["type"] == "extra_forbidden" and n == len(loc) - 1:
                    known = ", ".join(sorted(keys))
                    return f"unknown key {part!r}{annotation.where} (known: {known})"
                break
            annotation = _plain(field.annotation)
            said = next((m.problem for m in field.metadata if isinstance(m, Says)), None)
        else:  # an item of a list, an entry of a table, a member of a union
            annotation = _item(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Shape) and (
            said is None or isinstance(loc[-1], int)):
        return annotation.not_a_table
    return said or f"{'.'.join(map(str, loc))}: {err['msg'].lower()}"


def _plain(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else annotation
    return annotation


def _item(annotation: Any) -> Any:
    args = get_args(annotation)
    return _plain(args[-1]) if args else None
