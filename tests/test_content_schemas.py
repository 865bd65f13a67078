"""Each content format is checked by its pydantic schema, and a broken file is still
reported as `file:line: problem`: a table of broken files per format, with the problems
each must give (line, words), and only those."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from bot.content.academy import check_academy

SAMPLE = Path(__file__).resolve().parent.parent / "content" / "sstc-academy"
LANGS = ["en", "fr", "es", "pt", "ar"]


def every(name: str, text: str = "x") -> str:
    return "".join(f'{name}.{code} = "{text}"\n' for code in LANGS)


def toml_error(text: str) -> str:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return str(exc)
    raise AssertionError("valid TOML")


QUESTION = '[[questions]]\nquestion = "Q?"\noptions = ["a", "b", "c"]\nanswer = 2\n' \
           'explanation = "because"\n'
UNIT = "units/unit-09.en.md"

# (format, file, its text, the problems it gives: "line: problem")
CASES: list[tuple[str, str, str, list[str]]] = [
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = -3\n' + QUESTION + "+++\nbody", []),
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = -3\n[[questions]]\nquestion = "Q?"\n'
     'options = ["a", "b"]\nanwser = 2\nexplanation = "e"\n+++\n',
     ["4: the correct answer is missing (answer = <option number>)",
      "7: unknown key 'anwser' in a question (known: answer, explanation, options, question)"]),
    ("unit", UNIT, '+++\nsummary = 3\nrelease = true\ncolour = "red"\n' + QUESTION + "+++\n",
     ["2: title is required (a text)", "2: summary must be a text",
      "3: release is a number of days from the face-to-face start (e.g. -20) or a date "
      "(e.g. 2026-06-20)", "4: unknown key 'colour' (known: questions, release, summary, title)"]),
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = 99999\nquestions = 3\n+++\n',
     ["3: release: 99999 is out of range: at most 3650 days (ten years) either way",
      "4: a unit has 1 to 5 [[questions]]"]),
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = 1\n' + QUESTION * 6 + "+++\n",
     ["2: a unit has 1 to 5 [[questions]]"]),
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = 1\nquestions = [1]\n+++\n',
     ["2: a question is a [[questions]] table"]),
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = 1\n[[questions]]\nquestion = " "\n'
     f'options = ["a", "{"b" * 101}"]\nanswer = 3\nexplanation = "{"e" * 201}"\n+++\n',
     ["5: question is required (a text)",
      f"6: option longer than 100 characters (a Telegram quiz limit): {'b' * 30!r}…",
      "7: answer must be an option number from 1 to 2",
      "8: explanation longer than 200 characters"]),
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = 1\n[[questions]]\nquestion = "Q"\n'
     'options = ["a", 2]\nanswer = true\nexplanation = "e"\n+++\n',
     ["6: options: 2 to 6 texts", "7: answer must be an option number from 1 to 0"]),
    ("unit", UNIT, '+++\ntitle = "T"\nrelease = = 1\n+++\n',
     ["3: invalid front matter: " + toml_error('title = "T"\nrelease = = 1')]),
    ("academy", "academy.toml", f'name = "X"\nlanguages = {LANGS}\ncolour = 1\n'.replace("'", '"'),
     ["3: unknown key 'colour' (known: default_language, languages, name)"]),
    ("academy", "academy.toml", 'name = "X"\nlanguages = "en"\n', ["2: languages is required"]),
    ("academy", "academy.toml", 'name = "X"\nlanguages = []\n', ["2: languages is required"]),
    ("electives", "electives.toml", 'modules = [1, "x"]\n',
     ["1: a module is a [[modules]] table"] * 2),
    ("electives", "electives.toml", "modules = 3\n",
     ["1: modules is a list of [[modules]] tables"]),
    ("electives", "electives.toml", '[[modules]]\ncode = "A b"\ntitle.en = "x"\n'
     'description = 3\ncolour = 2\n[[modules]]\ncode = "ok"\n' + every("title")
     + every("description", "d") + '[[modules]]\ncode = "ok"\n' + every("title")
     + every("description", "d").replace('"d"', "4"),
     ["2: code: lower-case letters, digits and -", "3: title is missing in fr, es, pt, ar",
      "4: description needs one entry per language: description.en, description.fr, "
      "description.es, description.pt, description.ar",
      "5: unknown key 'colour' in a module (known: code, description, title)",
      "19: the code 'ok' is used twice",
      "25: description: each language's entry is a text in quotes"]),
]


@pytest.mark.parametrize(("kind", "name", "text", "expected"), CASES,
                         ids=[f"{c[0]}-{n}" for n, c in enumerate(CASES)])
def test_a_broken_file_is_reported_as_file_line_problem(
        tmp_path: Path, kind: str, name: str, text: str, expected: list[str]) -> None:
    folder = tmp_path / "academy"
    shutil.copytree(SAMPLE, folder)
    (folder / name).write_text(text, encoding="utf-8")
    prefix = f"{folder / name}:"
    found = check_academy(folder)
    assert sorted(p.removeprefix(prefix) for p in found if p.startswith(prefix)) \
        == sorted(expected)
    assert [p for p in found if not p.startswith(prefix)] == []
