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
SURVEY = "surveys/s.toml"
PRACTICE = "practices/good-one.toml"
RESOURCE = "resources/resource-01.en.md"
REQUIRED = ["title", "horizontality", "objectives", "stakeholders", "methodology",
            "validation", "innovation", "sustainability", "replicability"]


def practice(code: str, *skip: str) -> str:
    return "".join(f'{f}.{code} = "The {f}."\n' for f in REQUIRED if f not in skip)


HEAD = 'name = "s"\nanonymous = false\n' + every("title")  # 7 lines
OPTIONS = "".join(f'options.{code} = ["o1", "o2", "o3"]\n' for code in LANGS)
WHEN_ANSWER = ("when.answer: \"yes\" or \"no\" for a yes/no question, an option number for a "
               "choice, a comparison like \">= 4\" for a scale (not a text question)")

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
     ["4: a question is a [[questions]] table"]),  # the line of the key, not of the file
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
    ("survey", SURVEY, HEAD + '[[questions]]\nid = "a"\ntype = "yesno"\n' + every("text")
     + '[[questions]]\nid = "b"\ntype = "single"\n' + every("text") + OPTIONS
     + 'when = { question = "a", answer = "yes" }\nshortlist_options = [1]\n', []),
    ("survey", SURVEY, 'name = "other"\nanonymous = 1\ntitle.en = 3\nintro = "x"\ncolour = 1\n'
     'questions = 3\n',
     ["1: name must be 's' (the file's name)", "2: anonymous is true or false",
      "3: title is missing in fr, es, pt, ar",
      "3: title: each language's entry is a text in quotes",
      "4: intro needs one entry per language: intro.en, intro.fr, intro.es, intro.pt, intro.ar",
      "5: unknown key 'colour' (known: anonymous, intro, name, questions, title)",
      "6: questions: write each one as [[questions]]"]),
    ("survey", SURVEY, HEAD + '[[questions]]\nid = "A B"\ntype = "essay"\ntext.en = "x"\n'
     'colour = 1\noptional = "yes"\nshortlist = 1\n',
     ["9: id: a unique lower-case identifier",
      "10: type is one of multiple, scale, single, text, yesno",
      "11: text is missing in fr, es, pt, ar",
      "12: unknown key 'colour' in a question (known: id, max, max_label, min, min_label, "
      "optional, options, shortlist, shortlist_options, text, type, when)",
      "13: optional is true or false", "14: shortlist is true or false",
      "14: shortlist = true is for yes/no questions (single and multiple: shortlist_options = "
      "[option numbers])"]),
    ("survey", SURVEY, HEAD + '[[questions]]\nid = "a"\ntype = "text"\n' + every("text")
     + 'min = "x"\nmax_label.en = "x"\n' + OPTIONS,
     ["16: min is for scale questions", "17: max_label is for scale questions",
      "18: options are for single and multiple questions"]),
    ("survey", SURVEY, HEAD + '[[questions]]\nid = "a"\ntype = "scale"\n' + every("text")
     + 'min = 5\nmax = 1\n[[questions]]\nid = "a"\ntype = "text"\n' + every("text")
     + 'when = { question = "a", answer = "yes" }\n[[questions]]\nid = "c"\ntype = "yesno"\n'
     + every("text") + 'when = { question = "zz", answer = "yes" }\n',
     ["16: a scale needs whole numbers min < max", "19: id: a unique lower-case identifier",
      "26: " + WHEN_ANSWER,
      "35: when = { question = \"<an earlier id>\", answer = … }: the question must come "
      "before this one"]),
    ("survey", SURVEY, HEAD.replace("false", "true") + '[[questions]]\nid = "a"\n'
     'type = "yesno"\n' + every("text") + 'shortlist = true\n[[questions]]\nid = "b"\n'
     'type = "single"\n' + every("text") + OPTIONS + 'shortlist_options = [2]\n',
     ["16: an anonymous survey keeps no names, so it cannot have an interview shortlist",
      "17: an anonymous survey keeps no names, so it cannot have an interview shortlist"]),
    ("animation", "animation.toml", 'colour = 1\nprompts = 3\n',
     ["1: unknown key 'colour' (a plan is a list of [[prompts]])",
      "2: prompts: write each one as [[prompts]]"]),
    ("animation", "animation.toml", '[[prompts]]\nid = "a"\nat = "impact_survey 10:00"\n'
     'from = "x"\ntext.en = "x"\ncolour = 1\n[[prompts]]\nid = "a"\nat = "face_to_face+7d"\n'
     'every = "monday 10:00"\ntext.en = "x"\n',
     ["4: from goes with every, not with at",
      "6: unknown key 'colour' in a prompt (known: at, every, from, id, text, until)",
      "8: the id 'a' is used twice",
      "9: a prompt has either at = \"<when>\" (once) or every = \"<weekday> HH:MM\" "
      "(recurring)"]),
    ("animation", "animation.toml", '[[prompts]]\nid = "b"\nevery = "day 25:00"\n'
     'from = "impact_survey+3d"\nuntil = "impact_survey"\ntext.en = ["x", "y"]\n'
     'text.fr = ["x"]\n[[prompts]]\nid = "Bad"\nevery = "day 10:00"\n'
     'from = "face_to_face_end 10:00"\ntext.en = []\ntext.xx = "?"\n'
     f'text.es = "{"z" * 1501}"\n',
     ["3: every: 25:00 is not a time of day", "5: until (impact_survey) comes before from "
      "(impact_survey+3d)", "6: text.en: a list of texts (taken in turn) is for recurring "
      "prompts (every = …)", "7: text.fr: a list of texts (taken in turn) is for recurring "
      "prompts (every = …)", "9: id: lower-case letters, digits and -, e.g. \"weekly-topic\"",
      "11: from: a day, without a time of day: e.g. \"face_to_face_end+14d\"",
      "12: text.en: a non-empty text, or a list of 1 to 60 non-empty texts",
      "13: text.xx: 'xx' is not one of the academy's languages (en, fr, es, pt, ar)",
      "14: text.es: at most 1500 characters (text 1 has 1501)"]),
    ("practice", PRACTICE, 'language = "xx"\ncolour = 1\ntitle.fr = 3\n',
     ["2: unknown key 'colour' (known: contact, country, horizontality, innovation, "
      "language, methodology, objectives, replicability, stakeholders, sustainability, "
      "theme, title, url, validation)",
      "1: language 'xx' is not one of the academy's languages (en, fr, es, pt, ar)"]),
    ("practice", PRACTICE, 'language = "en"\n' + practice("en", "title", "objectives")
     + 'title = 3\nobjectives = { en = [1] }\n',
     ['9: title needs one text per language: title.en = "…"',
      '10: objectives needs one text per language: objectives.en = "…"',
      "1: the original (en) is missing title, objectives"]),
    ("practice", PRACTICE, 'language = "en"\n' + practice("en", "title")
     + f'title.en = "Two\\nlines"\ntitle.xx = "?"\ntitle.fr = "{"t" * 201}"\n'
     f'methodology.fr = "{"m" * 3501}"\n',
     ["10: title.en must be one line",
      "10: title.xx: 'xx' is not one of the academy's languages (en, fr, es, pt, ar)",
      "10: title.fr is 201 characters long; at most 200",
      "5: methodology.fr is 3501 characters long; at most 3500",
      "1: the fr translation is missing horizontality, objectives, stakeholders, validation, "
      "innovation, sustainability, replicability (translate every field, or none)"]),
    ("practice", PRACTICE, 'language = "en"\n' + practice("en", "stakeholders")
     + practice("es", *REQUIRED[3:]),
     ['1: stakeholders is required (stakeholders.en = "…")',
      "1: the original (en) is missing stakeholders",
      "1: the es translation is missing stakeholders, methodology, validation, innovation, "
      "sustainability, replicability (translate every field, or none)"]),
    ("practice", PRACTICE, practice("fr"),
     ["1: no text in the original language 'en' (texts found in: fr); set language = "
      '"<code>" to the language the practice was written in']),
    ("resource", RESOURCE, '+++\nsummary = 3\ncolour = 1\nanswers = []\n+++\n',
     ["2: title is required (a text)", "2: summary must be a text",
      "3: unknown key 'colour' (known: answers, summary, title)",
      "4: answers is a list of pre-assessment question ids, e.g. answers = "
      "[\"confidence-gender\", \"electives:3\"]",
      "6: the resource has no text after its front matter"]),
    ("resource", RESOURCE, f'+++\ntitle = "{"t" * 121}"\nanswers = ["confidence-gender", 3]\n'
     '+++\nbody\n',
     ["2: title longer than 120 characters",
      "3: answers is a list of pre-assessment question ids, e.g. answers = "
      "[\"confidence-gender\", \"electives:3\"]"]),
    ("resource", RESOURCE, '+++\ntitle = "T"\nanswers = ["nope"]\n+++\nbody\n',
     ["3: answers: 'nope' is not a scale question of the pre-assessment nor <choice "
      "question>:<option> (known: confidence-design, confidence-gender, confidence-history, "
      "confidence-partners, confidence-principles, confidence-results, confidence-sdgs, "
      "confidence-triangular, electives:1, electives:2, electives:3, electives:4, …)"]),
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


def test_each_format_has_one_schema_that_names_its_keys() -> None:
    from bot.content.academy import AcademyFile, ElectivesFile
    from bot.content.animation import PromptEntry
    from bot.content.practices import PracticeFile
    from bot.content.resources import ResourceFront
    from bot.content.survey_schema import SurveyFile
    from bot.content.units import UnitFront

    keys = {shape.__name__: set(shape.model_json_schema()["properties"])
            for shape in (AcademyFile, ElectivesFile, PracticeFile, PromptEntry, ResourceFront,
                          SurveyFile, UnitFront)}
    assert keys == {
        "AcademyFile": {"name", "languages", "default_language"},
        "ElectivesFile": {"modules"},
        "PracticeFile": {"language", *REQUIRED, "contact", "url", "country", "theme"},
        "PromptEntry": {"id", "at", "every", "from", "until", "text"},
        "ResourceFront": {"title", "summary", "answers"},
        "SurveyFile": {"name", "anonymous", "title", "intro", "questions"},
        "UnitFront": {"title", "summary", "release", "questions"},
    }
