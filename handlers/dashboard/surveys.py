"""A cohort's surveys on the dashboard: each one's status, its results with a chart per
question (and the same figures as a table), the pre-assessment's needs (lowest confidence
first), each as CSV. Anonymous surveys keep /survey's rule: a cohort with fewer responses
than `surveys.anonymous_min_group` shows none (bot/anonymity.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from bot.exports import csv_bytes
from bot.i18n import _, format_datetime, format_number, format_ratio
from bot.services import Services
from bot.web.pages import csv_response, facilitator, language_of, not_found, render, services_of
from bot.web.svg import Series, bar_chart
from handlers.cohorts import Cohort
from handlers.dashboard.common import cohort_of
from handlers.surveys import (
    PRE_ASSESSMENT,
    Question,
    Survey,
    anonymous_responses,
    export_rows,
    gaps_of,
    shown_from,
    survey_named,
)
from handlers.surveys import surveys as all_surveys
from storage.surveys import Response, Wave

LATEST_TEXTS = 15


@dataclass(frozen=True)
class SurveyStatus:
    name: str
    title: str
    sent: str
    invited: int
    started: int
    completed: int
    rate: str


@dataclass
class QuestionResult:
    title: str
    answered: int
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # label, count, share
    average: str = ""
    texts: list[str] = field(default_factory=list)


async def statuses(s: Services, cohort: Cohort, language: str) -> list[SurveyStatus]:
    repo = s.surveys
    found = []
    for name, survey in sorted(all_surveys(s).items()):
        wave = await repo.wave_for(name, cohort.code)
        if wave is None or wave.status != "open":
            continue
        invitations = await repo.invitations([wave.id])
        done = sum(i.completed for i in invitations)
        sent = datetime.fromtimestamp(wave.opened_at or wave.opens_at, UTC)
        found.append(SurveyStatus(
            name, survey.t(survey.title, language), format_datetime(sent, cohort.zone),
            len(invitations), sum(i.started_at is not None for i in invitations), done,
            format_ratio(done / len(invitations)) if invitations else "–"))
    return found


async def shown_responses(s: Services, survey: Survey, wave: Wave) -> list[Response] | None:
    """The responses a facilitator may read; None when an anonymous survey has too few."""
    if survey.anonymous:
        groups = await anonymous_responses(s, [wave])
        return sorted(groups.included, key=lambda r: r.id) if groups.included else None
    return await s.surveys.responses([wave.id], False)


def question_result(survey: Survey, q: Question, responses: list[Response], language: str
                    ) -> QuestionResult:
    values = [r.answers[q.id] for r in responses if r.answers.get(q.id) is not None]
    result = QuestionResult(f"{q.index + 1}. {survey.t(q.text, language)}", len(values))
    if not values:
        return result
    if q.kind == "text":
        result.texts = [str(v) for v in values][-LATEST_TEXTS:]
        return result
    if q.kind == "scale":
        counts = Counter(values)
        labels = [(v, str(v)) for v in range(q.low, q.high + 1)]
        result.average = f"{format_number(round(sum(values) / len(values), 1))}/{q.high}"
    else:
        counts = Counter(v for value in values
                         for v in (value if isinstance(value, list) else [value]))
        labels = ([("yes", _("Yes")), ("no", _("No"))]
                  if q.kind == "yesno" else list(enumerate(survey.options(q, language), 1)))
    result.rows = [(label, counts[key], format_ratio(counts[key] / len(values)))
                   for key, label in labels]
    return result


async def _survey(request: web.Request) -> tuple[Cohort, Survey, Wave]:
    session, _scope = await facilitator(request)
    cohort = await cohort_of(request, session.participant_id)
    s = services_of(request)
    survey = all_surveys(s).get(request.match_info["name"])
    wave = await s.surveys.wave_for(survey.name, cohort.code) if survey else None
    if survey is None or wave is None or wave.status != "open":
        raise not_found()
    return cohort, survey, wave


async def results(request: web.Request) -> web.StreamResponse:
    cohort, survey, wave = await _survey(request)
    s = services_of(request)
    pack = language_of(request)
    responses = await shown_responses(s, survey, wave)
    questions = []
    for q in survey.questions if responses else []:
        result = question_result(survey, q, responses or [], pack.code)
        chart = bar_chart([label for label, _n, _share in result.rows],
                          [Series("answers", [n / result.answered if result.answered else 0
                                             for _label, n, _share in result.rows])],
                          rtl=pack.rtl) if result.rows else None
        questions.append((result, chart))
    return render(request, "dashboard/survey.html", {
        "cohort": cohort, "survey": survey, "title": survey.t(survey.title, pack.code),
        "count": len(responses or []), "hidden": responses is None,
        "hidden_note": shown_from(s.config.surveys.anonymous_min_group),
        "questions": questions})


async def results_csv(request: web.Request) -> web.StreamResponse:
    cohort, survey, wave = await _survey(request)
    s = services_of(request)
    if await shown_responses(s, survey, wave) is None:
        raise not_found()
    header, rows = await export_rows(s, survey, [wave], language_of(request).code)
    return csv_response(csv_bytes(header, rows), f"survey-{survey.name}-{cohort.code}.csv")


@dataclass(frozen=True)
class Need:
    question: str
    average: str
    answers: int
    share: float  # the average as a share of the scale's top


@dataclass(frozen=True)
class Needs:
    rows: list[Need]
    hidden: bool  # an anonymous pre-assessment with too few responses to show


async def needs(s: Services, cohort: Cohort, language: str) -> Needs | None:
    """The pre-assessment's scale questions, lowest average confidence first (/gaps);
    None when this cohort has no pre-assessment."""
    survey = survey_named(s, PRE_ASSESSMENT)
    wave = await s.surveys.wave_for(PRE_ASSESSMENT, cohort.code) \
        if survey else None
    if survey is None or wave is None:
        return None
    responses = await shown_responses(s, survey, wave)
    if responses is None:
        return Needs([], True)
    return Needs([Need(survey.t(g.question.text, language),
                       f"{format_number(round(g.average, 1))}/{g.question.high}",
                       len(g.values), g.average / g.question.high)
                  for g in gaps_of(survey, responses)], False)
