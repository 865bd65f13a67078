"""A time as people type it, for people: the question asked back when the parser is not
sure (/remind, /schedule), and `python -m bot when` that facilitators use to check wording
and tests use to check the parser."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.i18n import Catalogs, _, format_datetime, use_language
from bot.timeparse import When, next_occurrence, read_when


def readings(when: When, zone: ZoneInfo) -> list[tuple[str, When]]:
    """Each reading of an unsure hour with its clock label: ("09:00", …), ("21:00", …)."""
    return [(f"{w.first.astimezone(zone):%H:%M}", w) for w in (when, *when.others)]


def question(when: When, zone: ZoneInfo) -> str:
    """What to ask when `when` is not sure (its hour, or a time word left in the text)."""
    if when.others:
        labels = [label for label, _reading in readings(when, zone)]
        return _("Did you mean {a} or {b}?").format(a=labels[0], b=labels[1])
    return _("I read the time as {when}, and the message as \"{text}\". Is that right?"
             ).format(when=format_datetime(when.first, zone), text=when.rest[:80])


def not_readable(text: str) -> str:
    return _("I could not read a time at the start of \"{text}\".").format(text=text[:60])


def past(when: When, zone: ZoneInfo) -> str:
    return _("{when} is already past. Please give a time in the future.").format(
        when=format_datetime(when.first, zone))


def describe(when: When, zone: ZoneInfo) -> dict[str, object]:
    """{"first", "then", "text"}: local ISO 8601 with offset; `then` the next two
    occurrences of a recurrence, empty for a one-off."""
    then: list[str] = []
    moment = when.first
    while when.recurrence and len(then) < 2:
        nxt = next_occurrence(when.recurrence, zone, moment)
        if nxt is None:
            break
        then.append(nxt.astimezone(zone).isoformat())
        moment = nxt
    return {"first": when.first.astimezone(zone).isoformat(), "then": then, "text": when.rest}


def print_when(text: str, language: str, zone: ZoneInfo, now: datetime, out: TextIO,
               err: TextIO) -> int:
    """`python -m bot when`: one JSON line and 0, or the localized question or error and 1."""
    with use_language(Catalogs((language,), language).pack(language)):
        try:
            when = read_when(text, language, zone, now)
        except ValueError:
            when = None
        if when is None:
            problem = not_readable(text)
        elif when.others or when.unsure:
            problem = question(when, zone)
        elif when.first <= now:
            problem = past(when, zone)
        else:
            print(json.dumps(describe(when, zone), ensure_ascii=False), file=out)
            return 0
    print(problem, file=err)
    return 1
