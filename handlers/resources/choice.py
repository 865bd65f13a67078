"""Which resources each participant receives: the gaps they reported in the pre-assessment
(their lowest-confidence topics, lowest first, taken in turn with the needs they chose),
else the cohort's most reported gaps, each answered by the resources tagged with it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import zip_longest

from bot.content.academy import Academy
from handlers.surveys import Survey
from storage.surveys import Response


@dataclass(frozen=True)
class Choice:
    resource: int
    gap: str  # the tag it answers: "confidence-gender", "electives:3"
    personal: bool  # from the participant's own answers


def _picks(value: object) -> list[int]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def low_confidence(survey: Survey, answers: dict[str, object]) -> list[str]:
    """Scale questions answered at or below the scale's middle, lowest first."""
    found = []
    for q in survey.questions:
        value = answers.get(q.id)
        if q.kind == "scale" and isinstance(value, int) and value <= (q.low + q.high) / 2:
            found.append((value, q.index, q.id))
    return [qid for _value, _index, qid in sorted(found)]


def chosen_needs(survey: Survey, answers: dict[str, object]) -> list[str]:
    return [f"{q.id}:{n}" for q in survey.questions if q.kind in ("single", "multiple")
            for n in _picks(answers.get(q.id))]


def personal_gaps(survey: Survey, answers: dict[str, object]) -> list[str]:
    """Lowest confidence and chosen needs in turn, so both are answered."""
    pairs = zip_longest(low_confidence(survey, answers), chosen_needs(survey, answers))
    return [tag for pair in pairs for tag in pair if tag is not None]


def cohort_gaps(survey: Survey, responses: list[Response]) -> list[str]:
    """The cohort's gaps, most reported first (how many reported each, then the lowest
    average confidence)."""
    reported: Counter[str] = Counter()
    for r in responses:
        reported.update(personal_gaps(survey, r.answers))
    averages: dict[str, float] = {}
    for q in survey.questions:
        values = [v for r in responses if isinstance(v := r.answers.get(q.id), int)]
        if q.kind == "scale" and values:
            averages[q.id] = sum(values) / len(values)
    return sorted(reported, key=lambda tag: (-reported[tag], averages.get(tag, 99.0), tag))


def answering(academy: Academy) -> dict[int, list[str]]:
    """Resource number -> the gaps it answers (its original's `answers`)."""
    return {n: by[academy.default_language].answers
            for n, by in sorted(academy.resources.items()) if academy.default_language in by}


def choose(academy: Academy, gaps: list[str], limit: int, personal: bool) -> list[Choice]:
    """Up to `limit` resources, one per gap in the order given, then further ones."""
    tagged = answering(academy)
    chosen: list[Choice] = []
    taken: set[int] = set()
    for gap in gaps:
        for number, tags in tagged.items():
            if gap in tags and number not in taken:
                chosen.append(Choice(number, gap, personal))
                taken.add(number)
                break
    return chosen[:limit]


def for_participant(academy: Academy, survey: Survey | None, answers: dict[str, object] | None,
                    cohort_responses: list[Response], limit: int) -> list[Choice]:
    """Their own gaps; without an answer (or none a resource answers), the cohort's top
    gaps; without any answer in the cohort, the resources in their order."""
    if survey is not None and answers is not None:
        mine = choose(academy, personal_gaps(survey, answers), limit, True)
        if mine:
            return mine
    if survey is not None and cohort_responses:
        theirs = choose(academy, cohort_gaps(survey, cohort_responses), limit, False)
        if theirs:
            return theirs
    return [Choice(n, tags[0], False) for n, tags in answering(academy).items()][:limit]
