"""The feedback of the week's assessment as the cohort reads it: anonymous, only from
`surveys.anonymous_min_group` responses on, each answer shared only by groups that large
(smaller ones merged into "other answers" or left out), written comments kept for the
facilitators; a chart of how many rated each scale question high; the facilitators' words,
translated for the chat and marked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from babel import Locale

from bot.charts import bar_chart
from bot.exports import write_export
from bot.i18n import _, active, format_number, format_ratio, ngettext
from bot.model import Attachment
from bot.services import Services
from handlers.cohorts import Cohort
from handlers.surveys import Survey, minimum, protect, survey_named, translated
from storage.post_learning import Feedback
from storage.surveys import Response

ASSESSMENT = "assessment"


@dataclass
class Results:
    survey: Survey
    responses: list[Response]
    least: int

    @property
    def shareable(self) -> bool:
        return len(self.responses) >= self.least


async def results(services: Services, cohort: Cohort) -> Results | None:
    """The cohort's assessment answers; None without an assessment survey."""
    survey = survey_named(services, ASSESSMENT)
    if survey is None:
        return None
    repo = services.surveys
    wave = await repo.wave_for(ASSESSMENT, cohort.code)
    responses = await repo.responses([wave.id], survey.anonymous) if wave else []
    return Results(survey, responses, minimum(services))


def language_name(code: str) -> str:
    """A language's name in the reader's language ("anglais" for a French reader)."""
    try:
        return Locale.parse(code).get_display_name(active().locale) or code
    except (ValueError, TypeError):
        return code


def _high(value: int, low: int, high: int) -> bool:
    return value >= high - (high - low) // 4  # 4 or 5 on 1–5


def text(res: Results, cohort: Cohort, language: str) -> str:
    """The feedback in the active language (call within `use_language`)."""
    survey, n = res.survey, len(res.responses)
    lines = ["📊 " + ngettext("What you told us about the face-to-face week: {n} response",
                             "What you told us about the face-to-face week: {n} responses",
                             n).format(n=n),
             _("Thank you to everyone in {cohort} who answered. The answers are anonymous: "
               "here is what the group said.").format(cohort=cohort.name)]
    merged = False
    for q in survey.questions:
        values = [r.answers[q.id] for r in res.responses if r.answers.get(q.id) is not None]
        if q.kind == "text" or len(values) < res.least:
            continue  # written comments are for the facilitators; too few would tell
        lines.append("")
        lines.append(survey.t(q.text, language))
        if q.kind == "scale":
            average = sum(values) / len(values)
            rated = sum(1 for v in values if _high(v, q.low, q.high))
            lines.append("   " + _("average {average} on {low}–{high}").format(
                average=format_number(round(average, 1)), low=q.low, high=q.high))
            lines.append("   " + _("{share} rated it {value} or more").format(
                share=format_ratio(rated / len(values)), value=q.high - (q.high - q.low) // 4))
            continue
        if q.kind == "yesno":
            labels = {"yes": _("Yes"), "no": _("No")}
            groups: dict[str, list[object]] = {}
            for v in values:
                groups.setdefault(labels.get(str(v), str(v)), []).append(v)
        else:
            options = survey.options(q, language)
            groups = {}
            for v in values:
                for pick in v if isinstance(v, list) else [v]:
                    if isinstance(pick, int) and 0 < pick <= len(options):
                        groups.setdefault(options[pick - 1], []).append(pick)
        kept = protect(groups, res.least, total_shown=True)
        merged = merged or kept.changed
        for label, members in sorted(kept.shown.items(), key=lambda g: -len(g[1])):
            lines.append("   • " + _("{answer}: {share}").format(
                answer=label, share=format_ratio(len(members) / len(values))))
        if kept.other:
            lines.append("   • " + _("other answers: {share}").format(
                share=format_ratio(len(kept.other) / len(values))))
    if merged:
        lines.append("")
        lines.append(ngettext(
            "Answers given by fewer than {n} person are grouped or left out, so that nobody "
            "can be recognised.",
            "Answers given by fewer than {n} people are grouped or left out, so that nobody "
            "can be recognised.", res.least).format(n=res.least))
    return "\n".join(lines)


async def chart(services: Services, res: Results, cohort: Cohort, language: str
                ) -> Attachment | None:
    """How many rated each scale question high, as a bar chart in `language`."""
    scales = [q for q in res.survey.questions if q.kind == "scale"]
    labels, counts = [], []
    for q in scales:
        values = [v for r in res.responses if isinstance(v := r.answers.get(q.id), int)]
        if len(values) >= res.least:
            labels.append(res.survey.t(q.text, language))
            counts.append(sum(1 for v in values if _high(v, q.low, q.high)))
    if not labels:
        return None
    title = _("Rated high, out of {n} responses").format(n=len(res.responses))
    data = await asyncio.to_thread(bar_chart, labels, counts, len(res.responses), title=title)
    return await write_export(services, f"feedback-{cohort.code}-{language}", ".png", data)


async def note_for(services: Services, feedback: Feedback, language: str) -> str | None:
    """The facilitators' words for a reader of `language`: translated when an engine is
    configured (and marked so), else as written."""
    if not feedback.note:
        return None
    head = "✍️ " + _("The facilitators' words:")
    other = await translated(services, feedback.note, language, feedback.note_language)
    if other:
        return f"{head}\n{other}\n" + _("(machine translation; written in {language})").format(
            language=language_name(feedback.note_language or "en"))
    return f"{head}\n{feedback.note}"


def too_few(res: Results) -> str:
    return ngettext(
        "The assessment has {count} response so far: its feedback is shared from {n} "
        "responses on, so that nobody can be recognised.",
        "The assessment has {count} responses so far: its feedback is shared from {n} "
        "responses on, so that nobody can be recognised.", len(res.responses)).format(
        count=len(res.responses), n=res.least)
