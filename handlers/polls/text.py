"""Reading /poll's text: the flags, the duration, the question and options and their
translations, into a PollSpec or a PollInputError saying what is wrong. Pure logic (no
I/O), apart from handlers/polls/commands.py so that it can be tested and fuzzed on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from bot.i18n import _, comma_list

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION, MAX_OPTION = 300, 100
MIN_DURATION, MAX_DURATION = timedelta(minutes=5), timedelta(weeks=4)
DEFAULT_DURATION = timedelta(days=1)

_DURATION = re.compile(r"(\d+)\s*(min|[mhdw])")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LANGUAGE_PREFIX = re.compile(r"^([A-Za-z]{2})\s*:\s*(.*)$", re.S)
FLAGS = ("--anonymous", "--public", "--multiple", "--for", "--bridge")


class PollInputError(Exception):
    """What is wrong with a /poll, already in the reader's language."""


@dataclass
class PollSpec:
    question: str
    options: list[str]
    language: str  # of the original wording
    translations: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    anonymous: bool = False
    multiple: bool = False
    duration: timedelta = DEFAULT_DURATION
    bridge: bool = False  # --bridge: every chat of this chat's bridge


def parse_duration(text: str) -> timedelta:
    """"30m", "2h", "3d", "1w", "1d12h" -> a duration within the limits; else
    PollInputError."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise PollInputError(_("I could not read the duration \"{text}\": write minutes, "
                               "hours, days or weeks, like 30m, 2h, 3d or 1w.").format(
            text=text[:20]))
    try:
        duration = sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), timedelta())
    except OverflowError:  # more days than a timedelta holds ("--for 99999999999d")
        duration = MAX_DURATION + timedelta(days=1)
    if duration < MIN_DURATION:
        raise PollInputError(_("A poll stays open at least 5 minutes."))
    if duration > MAX_DURATION:
        raise PollInputError(_("A poll stays open at most 4 weeks."))
    return duration


def _split_flags(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Flags (with --for's value) taken from the start and the end of the words; the words
    in between are the poll, where "--" is just text."""
    flags: list[str] = []
    while tokens and tokens[0].startswith("--"):
        flag = tokens.pop(0)
        flags.append(flag)
        if flag.lower() == "--for" and tokens:
            flags.append(tokens.pop(0))
    tail: list[str] = []
    while tokens:
        if len(tokens) >= 2 and tokens[-2].lower() == "--for":
            tail[:0] = tokens[-2:]
            del tokens[-2:]
        elif tokens[-1].startswith("--"):
            tail.insert(0, tokens.pop())
        else:
            break
    return flags + tail, tokens


def _check(question: str, options: list[str]) -> None:
    if not question:
        raise PollInputError(_("The question is empty: write it before the first |."))
    if len(question) > MAX_QUESTION:
        raise PollInputError(_("The question is too long: {length} characters, at most "
                               "{max}.").format(length=len(question), max=MAX_QUESTION))
    if len(options) < MIN_OPTIONS:
        raise PollInputError(_("A poll needs at least {min} options; this one has {count}."
                               ).format(min=MIN_OPTIONS, count=len(options)))
    if len(options) > MAX_OPTIONS:
        raise PollInputError(_("A poll has at most {max} options; this one has {count}."
                               ).format(max=MAX_OPTIONS, count=len(options)))
    for n, option in enumerate(options, 1):
        if not option:
            raise PollInputError(_("Option {n} is empty: remove the extra |.").format(n=n))
        if len(option) > MAX_OPTION:
            raise PollInputError(_("Option {n} is too long: {length} characters, at most "
                                   "{max}.").format(n=n, length=len(option), max=MAX_OPTION))
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            raise PollInputError(_("The option \"{option}\" is there twice.").format(
                option=option))
        seen.add(option.casefold())


def _section(text: str) -> tuple[str, list[str]]:
    question, *options = (part.strip() for part in text.split("|"))
    return question, options


def parse_poll(text: str, language: str, languages: tuple[str, ...]) -> PollSpec:
    """Read `/poll`'s arguments; `language` is the original's unless it starts with "xx:".
    Raises PollInputError with the specific problem."""
    # Flags may close any section, not only the whole text: "| Wednesday --for 2d || fr: …".
    flags, sections = [], []
    for section in text.split("||"):
        found, words = _split_flags(section.split())
        flags += found
        sections.append(" ".join(words))
    spec = PollSpec("", [], language)
    chosen: set[str] = set()
    i = 0
    while i < len(flags):
        flag = flags[i].lower()
        name, _sep, value = flag.partition("=")
        if name not in FLAGS:
            raise PollInputError(_("I don't know the option {flag}. Options: {flags}.").format(
                flag=flags[i][:30], flags=comma_list(FLAGS)))
        chosen.add(name)
        if name == "--for":
            if not value:
                i += 1
                if i >= len(flags):
                    raise PollInputError(_("Say how long after --for, like --for 2d."))
                value = flags[i]
            spec.duration = parse_duration(value)
        i += 1
    if {"--anonymous", "--public"} <= chosen:
        raise PollInputError(_("Choose --anonymous or --public, not both."))
    spec.anonymous = "--anonymous" in chosen
    spec.multiple = "--multiple" in chosen
    spec.bridge = "--bridge" in chosen
    body = " || ".join(sections)
    if "|" not in sections[0]:
        raise PollInputError(_("Write the question, then the options, separated by |: "
                               "{example}").format(
            example=_("/poll Which day suits you? | Monday | Tuesday | Wednesday")))
    first, *others = body.split("||")
    prefix = LANGUAGE_PREFIX.match(first.strip())
    if prefix and prefix.group(1).lower() in languages:
        spec.language = prefix.group(1).lower()
        first = prefix.group(2)
    spec.question, spec.options = _section(first)
    _check(spec.question, spec.options)
    for section in others:
        tagged = LANGUAGE_PREFIX.match(section.strip())
        if not tagged:
            raise PollInputError(_("Each translation after {sep} starts with its language "
                                   "code, like {sep} fr: Question | option | option.").format(
                sep="||"))
        code = tagged.group(1).lower()
        if code not in languages:
            raise PollInputError(_("{code} is not one of the bot's languages ({languages})."
                                   ).format(code=code, languages=comma_list(languages)))
        if code == spec.language or code in spec.translations:
            raise PollInputError(_("The poll has its {code} wording twice.").format(code=code))
        question, options = _section(tagged.group(2))
        try:
            _check(question, options)
        except PollInputError as exc:
            raise PollInputError(f"{code}: {exc}") from None
        if len(options) != len(spec.options):
            raise PollInputError(_("The {code} translation has {count} options; the poll has "
                                   "{expected}.").format(code=code, count=len(options),
                                                         expected=len(spec.options)))
        spec.translations[code] = (question, options)
    return spec
