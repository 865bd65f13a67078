"""Property-based tests (issue 9, item 1) for the definitions a facilitator writes: the
/poll command line, survey files, the animation plan and the good-practice files.

Each parser either accepts its input (and what it returns is usable: within the documented
limits, buildable into the engine's model, schedulable) or names the problem (a
PollInputError with a message; `file:line: problem` for content files): never another
exception. Examples are derandomized (the same on every run) so a failure can be
reproduced. Each parser also has a test that the strategy reaches valid inputs, so the
property is not only about errors.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, time
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from bot.content.academy import Academy, load_academy
from handlers.cohorts.roster import Cohort
from handlers.polls.text import (
    MAX_DURATION,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MIN_DURATION,
    MIN_OPTIONS,
    PollInputError,
    PollSpec,
    parse_poll,
)
from handlers.surveys.model import build_survey
from storage.practices import FIELDS, OPTIONAL_FIELDS
from tests.harness import SAMPLE_ACADEMY

LANGUAGES = ("en", "fr", "es", "pt", "ar")
# Each content property: a few hundred examples, well under 20 s per file in all.
FAST = settings(max_examples=300, deadline=None, derandomize=True)
# Finding one valid input is enough: no shrinking (it is what takes time).
FIND = settings(max_examples=2000, deadline=None, derandomize=True, phases=[Phase.generate])
UNICODE = ["é", "ل", "𝕏", "👍", "\u200b", "\u202e", "\u0000", "\t", "\n", "<b>", "**",
           "@everyone"]


# --- /poll ------------------------------------------------------------------------------
def poll_text() -> st.SearchStrategy[str]:
    """A question or option: ordinary words, a bit of everything, or far too long."""
    return st.one_of(
        st.sampled_from(["Which day?", "Lundi", "Mardi", "monday", "Monday", "A", "B", "C",
                         "¿Qué día?", "أي يوم؟", "👍", "x" * (MAX_OPTION + 1),
                         "q" * (MAX_QUESTION + 1), "", " ", "-- no flag"]),
        st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12),
        st.builds("".join, st.lists(st.sampled_from(UNICODE), min_size=1, max_size=4)))


def poll_section(prefix: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`[xx:] question | option | option …` with 0 to 12 options."""
    return st.builds(lambda p, q, opts: f"{p}{q}" + "".join(f" | {o}" for o in opts),
                     prefix, poll_text(), st.lists(poll_text(), max_size=MAX_OPTIONS + 2))


LANGUAGE_PREFIX = st.sampled_from(["", "", "fr: ", "es:", "EN: ", "xx: ", "f r:", ":"])
FLAG = st.sampled_from(["--anonymous", "--public", "--multiple", "--bridge", "--for 30m",
                        "--for 2h", "--for 3d", "--for 1w", "--for 1d12h", "--for=2h",
                        "--for 4m", "--for 5w", "--for 0m", "--for junk", "--for",
                        "--for 99999999999999999999d", "--for 9999999999w", "--junk",
                        "--ANONYMOUS", "--for 10 min", "—for 2d"])
poll_lines = st.builds(
    lambda before, first, translations, after, noise: " ".join(
        [*before, first, *(f"|| {t}" for t in translations), *after, *noise]),
    st.lists(FLAG, max_size=3), poll_section(LANGUAGE_PREFIX),
    st.lists(poll_section(st.sampled_from(["fr: ", "es: ", "en: ", "pt:", "xx: ", "", "de: "])),
             max_size=3),
    st.lists(FLAG, max_size=2),
    st.lists(st.sampled_from(["|", "||", "fr:", "--", "-", "||fr:"]), max_size=2))


def check_poll_wording(question: str, options: list[str]) -> None:
    assert question and len(question) <= MAX_QUESTION
    assert MIN_OPTIONS <= len(options) <= MAX_OPTIONS
    assert all(o and len(o) <= MAX_OPTION for o in options)
    assert len({o.casefold() for o in options}) == len(options)


def parsed_poll(text: str, language: str = "en") -> PollSpec | PollInputError:
    try:
        return parse_poll(text, language, LANGUAGES)
    except PollInputError as exc:
        return exc


@FAST
@given(text=st.one_of(poll_lines, st.text(max_size=80)), language=st.sampled_from(LANGUAGES))
def test_a_poll_line_is_a_poll_within_the_limits_or_a_named_problem(text: str,
                                                                     language: str) -> None:
    spec = parsed_poll(text, language)
    if isinstance(spec, PollInputError):
        message = str(spec)
        assert message.strip() and "Traceback" not in message
        assert len(message) < 600  # a sentence, not a dump of the input
        return
    check_poll_wording(spec.question, spec.options)
    assert MIN_DURATION <= spec.duration <= MAX_DURATION
    assert spec.language in LANGUAGES and spec.language not in spec.translations
    for code, (question, options) in spec.translations.items():
        assert code in LANGUAGES
        check_poll_wording(question, options)
        assert len(options) == len(spec.options)


def test_the_poll_strategy_reaches_valid_polls_with_translations() -> None:
    found = find(poll_lines, lambda t: isinstance(spec := parsed_poll(t), PollSpec)
                 and bool(spec.translations), settings=FIND)
    spec = parse_poll(found, "en", LANGUAGES)
    assert spec.translations


def test_a_huge_poll_duration_is_a_named_problem() -> None:
    for text in ("--for 99999999999999999999d Q | a | b", "Q | a | b --for 9999999999w"):
        spec = parsed_poll(text)
        assert isinstance(spec, PollInputError)
        assert str(spec) == "A poll stays open at most 4 weeks."


# --- content files: shared ----------------------------------------------------------------
PROBLEM = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<text>\S.*)$", re.S)


@contextmanager
def academy_folder(files: dict[str, str]) -> Iterator[Path]:
    """A fresh academy folder: the sample's academy.toml and `files` (relative paths)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "academy"
        folder.mkdir()
        shutil.copy(SAMPLE_ACADEMY / "academy.toml", folder / "academy.toml")
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        yield folder


def loaded(files: dict[str, str], use: Callable[[Academy, list[str]], Any]) -> Any:
    """load_academy on a folder with `files`; every problem is `path:line: text` with a
    line of the file it names; returns `use(academy, problems)`."""
    with academy_folder(files) as folder:
        academy, problems = load_academy(folder)
        assert academy is not None
        for problem in problems:
            found = PROBLEM.match(problem)
            assert found, problem
            path = Path(found["path"])
            assert path.is_file() and path.is_relative_to(folder), problem
            lines = path.read_text(encoding="utf-8").split("\n")
            assert 1 <= int(found["line"]) <= len(lines), problem
        return use(academy, problems)


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def every_language(key: str, value: str) -> str:
    return f"{key} = {{ " + ", ".join(f"{c} = {value}" for c in LANGUAGES) + " }"


JUNK_LINES = st.one_of(
    st.sampled_from(['"', "[x", "= 1", "[[questions]", "x = ", "a.b = 1", "[[prompts]]",
                     "colour = 1", "text = 3", "[questions]", "# a comment", ""]),
    st.text(max_size=30))


# One draw per example: a clean example has every core and no extra line, so that valid
# files are common; a touched one has a few extra lines here and there (adding to a core,
# contradicting it, or junk), so that one problem at a time is met; a noisy one has many
# and may leave cores out.
CLEAN, TOUCHED, NOISY = 0, 1, 2
MODE = st.shared(st.sampled_from([CLEAN, TOUCHED, TOUCHED, NOISY]), key="mode")


def core_or_none(cores: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    return MODE.flatmap(lambda mode: cores if mode != NOISY else st.one_of(cores, st.just([])))


def extras(lines: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    some = st.lists(st.one_of(lines, lines, lines, JUNK_LINES), min_size=1, max_size=4)
    return MODE.flatmap(lambda mode: {
        CLEAN: st.just([]),
        TOUCHED: st.one_of(st.just([]), st.just([]), st.just([]), some.map(lambda x: x[:1])),
        NOISY: st.one_of(st.just([]), some)}[mode])


def blocks(header: str, cores: st.SearchStrategy[list[str]], lines: st.SearchStrategy[str],
           max_blocks: int) -> st.SearchStrategy[list[str]]:
    """`[[header]]` blocks: a core and extra lines (see CLEAN)."""
    block = st.builds(lambda core, extra: "\n".join([f"[[{header}]]", *core, *extra]),
                      core_or_none(cores), extras(lines))
    return st.lists(block, max_size=max_blocks)


def with_extras(core: st.SearchStrategy[list[str]], lines: st.SearchStrategy[str]
                ) -> st.SearchStrategy[str]:
    """A file's top: a core and extra lines (see CLEAN)."""
    return st.builds(lambda c, extra: "\n".join([*c, *extra]), core_or_none(core),
                     extras(lines))


# --- surveys ------------------------------------------------------------------------------
SURVEY_TOP = st.sampled_from([
    'name = "s"', 'name = "s"', 'name = "other"', "name = 3", "anonymous = true",
    "anonymous = false", 'anonymous = "yes"', every_language("title", '"Title"'),
    every_language("title", '"Title"'), 'title.en = "Only English"', "title = 3",
    every_language("intro", '"Intro"'), 'intro = "not per language"', "intro = 3",
    "intro = { en = 3 }", "questions = 3", 'questions = ["a"]', "questions = [1, {}]",
    "unknown = 1"])
QUESTION_LINES = st.sampled_from([
    'id = "q1"', 'id = "q2"', 'id = "q3"', 'id = "interview"', 'id = "Q!"', "id = 3",
    'type = "single"', 'type = "multiple"', 'type = "scale"', 'type = "text"',
    'type = "yesno"', 'type = "essay"', "type = 3", 'type = ["single"]',
    every_language("text", '"Question?"'), every_language("text", '"Question?"'),
    'text.en = "English only"', "text = 7", every_language("text", "3"),
    every_language("options", '["A", "B", "C"]'), every_language("options", '["A", "B"]'),
    'options = { en = ["A", "B"], fr = ["A"], es = ["A", "B"], pt = ["A", "B"], '
    'ar = ["A", "B"] }', every_language("options", '"A, B"'), every_language("options", "5"),
    every_language("options", "[1, 2]"), "options = 5", 'options = ["A", "B"]',
    "min = 1", "max = 5", "min = 5", "max = 1", 'min = "1"', "max = 2.5", "min = [1]",
    every_language("min_label", '"Low"'), every_language("max_label", '"High"'),
    "min_label = 3", 'max_label = "High"', "min_label = { en = 3 }",
    'when = { question = "q1", answer = "yes" }', 'when = { question = "q1", answer = 2 }',
    'when = { question = "q1", answer = ">= 4" }', 'when = { question = "q2", answer = "1" }',
    'when = { question = "nowhere", answer = "yes" }', 'when = { question = ["q1"] }',
    "when = { question = { a = 1 } }", 'when = "q1"', "when = { answer = 1 }",
    "shortlist = true", 'shortlist = "yes"', "shortlist_options = [1, 2]",
    "shortlist_options = 3", 'shortlist_options = ["a"]', "shortlist_options = [{}]",
    "optional = true", 'optional = "no"', "colour = 1"])
WHEN = st.sampled_from(["", "", "", "", 'when = { question = "q1", answer = "yes" }',
                        'when = { question = "q1", answer = "2" }',
                        'when = { question = "q2", answer = ">= 4" }'])
QUESTION_KINDS = st.sampled_from([
    ['type = "yesno"', every_language("text", '"Yes or no?"')],
    ['type = "text"', every_language("text", '"Tell us"')],
    ['type = "single"', every_language("text", '"One?"'),
     every_language("options", '["A", "B", "C"]')],
    ['type = "multiple"', every_language("text", '"Some?"'),
     every_language("options", '["A", "B"]')],
    ['type = "scale"', every_language("text", '"How much?"'), "min = 1", "max = 5"]])


def survey_file(top: str, questions: list[tuple[list[str], str, list[str]]]) -> str:
    """The top, then each question: `id = "q<n>"` (n: its position), a valid core (kind and
    `when`, or nothing), and the extra lines."""
    out = [top]
    for n, (kind, when, extra) in enumerate(questions, 1):
        core = [f'id = "q{n}"', *kind, when] if kind else []
        out += ["[[questions]]", *core, *extra]
    return "\n".join(out) + "\n"


survey_files = st.builds(
    survey_file,
    with_extras(st.just(['name = "s"', every_language("title", '"Title"')]), SURVEY_TOP),
    st.lists(st.tuples(core_or_none(QUESTION_KINDS), WHEN, extras(QUESTION_LINES)),
             max_size=4))


def survey_outcome(text: str) -> tuple[bool, list[str]]:
    """(the survey was accepted, the problems); an accepted survey is built into the
    engine's model and walked through."""
    def use(academy: Academy, problems: list[str]) -> tuple[bool, list[str]]:
        data = academy.surveys.get("s")
        assert (data is None) == bool(problems)
        if data is not None:
            survey = build_survey(data, academy.default_language)
            assert survey.name == "s" and len(survey.questions) == len(data.get("questions", []))
            for q in survey.questions:
                for language in LANGUAGES:
                    assert isinstance(survey.t(q.text, language), str)
                    assert all(isinstance(o, str) for o in survey.options(q, language))
                    survey.t(survey.title, language)
                    survey.t(survey.intro, language)
                assert q.low < q.high or q.kind != "scale"
            survey.next_index({})
            survey.applicable({q.id: "yes" for q in survey.questions})
            survey.shortlisted({q.id: 1 for q in survey.questions})
        return data is not None, problems
    return loaded({"surveys/s.toml": text}, use)


@FAST
@given(text=survey_files)
def test_a_survey_file_loads_and_builds_or_its_problems_have_lines(text: str) -> None:
    survey_outcome(text)


def test_the_survey_strategy_reaches_valid_surveys() -> None:
    found = find(survey_files, lambda t: survey_outcome(t)[0] and t.count("[[questions]]") >= 2
                 and "when" in t, settings=FIND)
    assert survey_outcome(found) == (True, [])


# --- the animation plan -------------------------------------------------------------------
PROMPT_LINES = st.sampled_from([
    'id = "p1"', 'id = "p2"', 'id = "P 1"', "id = 1", 'at = "face_to_face_end+7d 10:00"',
    'at = "prelearning_start"', 'at = "impact_survey-1w 09:30"', 'at = "tomorrow"',
    'at = "face_to_face_end+7d 25:00"', 'at = "face_to_face_start+999w"', "at = 3",
    'every = "monday 10:00"', 'every = "day 18:00"', 'every = "mon 7:05"',
    'every = "funday 10:00"', 'every = "monday 24:00"', "every = [1]",
    'from = "face_to_face_end"', 'from = "face_to_face_end+14d"', 'from = "nowhere"',
    'from = "face_to_face_end 10:00"', 'until = "impact_survey-7d"',
    'until = "face_to_face_end-3d"', "until = 5", 'text.en = "Hello all"',
    'text.en = "Hello all"', 'text.fr = "Bonjour"', 'text.ar = "مرحبا"', 'text.xx = "?"',
    'text.en = ["Topic A", "Topic B"]', 'text.fr = ["Thème A", "Thème B"]',
    'text.fr = ["Thème A"]', 'text.en = ""', 'text.en = "   "', "text.en = 3",
    "text.en = []", f"text.en = {toml_string('x' * 1501)}", "text = 3", 'text = "Hi"',
    "text.en.deep = 1", "colour = 1"])
PROMPT_CORES = st.builds(lambda pid, when, texts: [pid, *when, *texts],
                        st.sampled_from(['id = "p1"', 'id = "p2"', 'id = "p3"']),
                        st.sampled_from([['at = "face_to_face_end+7d 10:00"'],
                                         ['every = "monday 10:00"'],
                                         ['every = "day 18:00"', 'until = "face_to_face_end+7d"']]),
                        st.sampled_from([['text.en = "Hello"'],
                                         ['text.en = "Hello"', 'text.fr = "Bonjour"']]))
animation_files = st.builds(
    lambda top, ps: "\n".join([top, *ps]) + "\n",
    with_extras(st.just([]), st.sampled_from(["prompts = 3", "prompts = [1]", "title = 1"])),
    blocks("prompts", PROMPT_CORES, PROMPT_LINES, max_blocks=4))
COHORT = Cohort("c", "C", LANGUAGES, "en", ZoneInfo("Europe/Rome"), date(2026, 11, 18),
                date(2026, 12, 8), date(2026, 12, 12), date(2027, 4, 12), True, frozenset(),
                time(9, 0), 3)


def animation_outcome(text: str) -> tuple[int, list[str]]:
    """(prompts kept, problems); each kept prompt is planned for a cohort and shown."""
    def use(academy: Academy, problems: list[str]) -> tuple[int, list[str]]:
        for prompt in academy.animation.prompts:
            moments = list(islice(prompt.occurrences(COHORT), 500))
            assert moments == sorted(moments)
            for n, _moment in enumerate(moments[:3]):
                code, shown = prompt.text([*LANGUAGES], n)
                assert code in LANGUAGES and shown.strip()
            assert prompt.signature()
        return len(academy.animation.prompts), problems
    return loaded({"animation.toml": text}, use)


@FAST
@given(text=animation_files)
def test_an_animation_plan_loads_or_its_problems_have_lines(text: str) -> None:
    animation_outcome(text)


def test_the_animation_strategy_reaches_valid_plans() -> None:
    found = find(animation_files, lambda t: animation_outcome(t)[0] >= 2 and "every" in t,
                 settings=FIND)
    kept, _problems = animation_outcome(found)
    assert kept >= 2


# --- good practices -----------------------------------------------------------------------
REQUIRED = [f for f in FIELDS if f not in OPTIONAL_FIELDS]
PRACTICE_LINES = st.sampled_from([
    'language = "en"', 'language = "fr"', 'language = "xx"', "language = 3",
    "language = []", "\n".join(f'{f}.en = "The {f}."' for f in REQUIRED),
    "\n".join(f'{f}.en = "The {f}."' for f in REQUIRED),
    "\n".join(f'{f}.fr = "Le {f}."' for f in REQUIRED),
    "\n".join(f'{f}.es = "El {f}."' for f in REQUIRED[:3]),
    'contact.en = "ana@example.org"', 'url.en = "https://example.org"', 'url.fr = "x"',
    'title.en = "A title"', 'title.fr = "Un titre"', 'title.es = "Dos\\nlíneas"',
    f"objectives.pt = {toml_string('o' * 3501)}", f"title.ar = {toml_string('t' * 201)}",
    'title.xx = "?"', "title = 3", 'title = "no language"', "title.en = 3",
    "horizontality = { en = [1] }", 'innovation.en = ""', "colour = 1", "[title]"])
practice_files = st.tuples(
    st.sampled_from(["good-one", "good-one", "sstc-academy", "Bad Name", "_x"]),
    with_extras(st.sampled_from([[f'{f}.en = "The {f}."' for f in REQUIRED],
                                 ['language = "fr"', *(f'{f}.fr = "Le {f}."' for f in REQUIRED)]]),
                PRACTICE_LINES).map(lambda text: text + "\n"))


def practice_outcome(name: str, text: str) -> tuple[bool, list[str]]:
    """(no problem found, problems); a practice without problems reads back whole."""
    from bot.content.practices import read_practice
    from bot.content.units import Problems

    def use(academy: Academy, problems: list[str]) -> tuple[bool, list[str]]:
        again = Problems()
        seed = read_practice(academy.folder / "practices" / f"{name}.toml", academy.languages,
                             again)
        assert again.found == problems  # the file is the only source of problems here
        assert (seed is None) == bool(problems)
        if seed is not None:
            original = seed.original()
            assert all(original[f] for f in REQUIRED)
            assert "\n" not in original["title"] and len(original["title"]) <= 200
            for fields in seed.translations().values():
                assert set(fields) == set(FIELDS) and all(fields[f] for f in REQUIRED)
        return seed is not None, problems
    return loaded({f"practices/{name}.toml": text}, use)


@FAST
@given(file=practice_files)
def test_a_practice_file_loads_or_its_problems_have_lines(file: tuple[str, str]) -> None:
    practice_outcome(*file)


def test_the_practice_strategy_reaches_valid_practices_with_translations() -> None:
    name, text = find(practice_files,
                      lambda f: practice_outcome(*f)[0] and "Le title" in f[1], settings=FIND)
    assert practice_outcome(name, text) == (True, [])



def test_a_practice_without_its_original_is_reported() -> None:
    text = "\n".join(f'{f}.fr = "Le {f}."' for f in REQUIRED) + "\n"  # no language = "fr"
    accepted, problems = practice_outcome("good-one", text)
    assert not accepted and problems
