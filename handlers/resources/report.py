"""What /gaps adds for facilitators: the gaps reported, the resources that answered them,
how many received and opened each, and what the impact survey says helped; with `csv`, a
file. Scoped like /gaps: the facilitator's cohorts only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.content.resources import HELPED_QUESTION
from bot.context import Context
from bot.exports import write_csv
from bot.i18n import _, format_number, ngettext
from handlers.cohorts import Cohort
from handlers.post_learning_plans import store_of
from handlers.resources.choice import answering, personal_gaps
from handlers.resources.drip import localized
from handlers.surveys import PRE_ASSESSMENT, Survey, minimum, survey_named
from storage.post_learning import Drip
from storage.surveys import Response

IMPACT = "impact"
MATERIAL, COMMUNITY = "material-helped", "community-helped"
LABEL = 60


async def cohort_of(ctx: Context) -> Cohort | None:
    """The cohort /gaps reports on, found silently (/gaps itself tells the reader when
    the arguments single out none)."""
    codes = [a.lower() for a in ctx.event.args if a.lower() != "csv"]
    allowed = await ctx.services.cohorts.facilitated_by(ctx.services, ctx.participant.id)
    if codes:
        return next((c for c in allowed if c.code == codes[0]), None)
    mine = [c for c in await ctx.services.cohorts.of_participant(ctx.participant.id)
            if c in allowed]
    return mine[0] if len(mine) == 1 else allowed[0] if len(allowed) == 1 else None


def _common_start(texts: list[str]) -> str:
    """The characters every text starts with (two texts at least)."""
    if len(texts) < 2:
        return ""
    first, last = min(texts), max(texts)
    n = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
             min(len(first), len(last)))
    return first[:n]


def gap_label(survey: Survey | None, tag: str, language: str) -> str:
    qid, _sep, option = tag.partition(":")
    q = survey.question(qid) if survey else None
    if q is None or survey is None:
        return tag
    if option.isdigit():
        options = survey.options(q, language)
        n = int(option)
        return options[n - 1] if 0 < n <= len(options) else tag
    text = survey.t(q.text, language)
    # The scales all start alike ("How confident are you …"): what differs names the gap.
    scales = [survey.t(x.text, language) for x in survey.questions if x.kind == "scale"]
    common = _common_start(scales)
    common = common[:common.rfind(" ") + 1]
    text = text[len(common):] if common and text.startswith(common) else text
    return text if len(text) <= LABEL else text[:LABEL - 1].rstrip() + "…"


async def _responses(ctx: Context, name: str, cohort: Cohort) -> tuple[Survey | None,
                                                                         list[Response]]:
    survey = survey_named(ctx.services, name)
    repo = ctx.services.surveys
    wave = await repo.wave_for(name, cohort.code)
    if survey is None or wave is None:
        return survey, []
    responses = await repo.responses([wave.id], survey.anonymous)
    if survey.anonymous and len(responses) < minimum(ctx.services):
        return survey, []  # too few to show anything of an anonymous survey
    return survey, responses


@dataclass
class ResourceRow:
    number: int
    title: str
    gaps: list[str]
    reported_by: int
    chosen: int
    received: int
    opened: int
    helped: int | None  # None: no impact answers


async def rows_of(ctx: Context, cohort: Cohort) -> tuple[list[ResourceRow], Counter[str],
                                                         list[Response], Survey | None]:
    academy = ctx.services.academy
    assert academy is not None
    language = ctx.language.code
    pre, answers = await _responses(ctx, PRE_ASSESSMENT, cohort)
    reported: Counter[str] = Counter()
    for r in answers:
        if pre is not None and r.participant_id is not None:
            reported.update(set(personal_gaps(pre, r.answers)))
    drips = await store_of(ctx.services).drips_of_cohort(cohort.code)
    impact, impact_answers = await _responses(ctx, IMPACT, cohort)
    received_by: dict[int, set[int]] = {}
    for d in drips:
        if d.delivered_at is not None:
            received_by.setdefault(d.resource, set()).add(d.participant_id)
    rows = []
    for number, tags in answering(academy).items():
        resource = localized(academy, number, language, cohort.default_language)
        mine: list[Drip] = [d for d in drips if d.resource == number]
        helped = None
        if impact_answers:
            helped = sum(1 for r in impact_answers if number in _picks(r.answers.get(
                HELPED_QUESTION)) and ((impact is not None and impact.anonymous)
                                       or r.participant_id in received_by.get(number, set())))
        rows.append(ResourceRow(
            number, resource.title if resource else str(number),
            [gap_label(pre, t, language) for t in tags],
            len({r.participant_id for r in answers if pre is not None
                 and set(tags) & set(personal_gaps(pre, r.answers))}),
            len(mine), sum(d.delivered_at is not None for d in mine),
            sum(d.opened_at is not None for d in mine), helped))
    return rows, reported, impact_answers, pre


def _picks(value: object) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else \
        [value] if isinstance(value, int) else []


def _average(responses: list[Response], qid: str) -> tuple[float, int] | None:
    values = [v for r in responses if isinstance(v := r.answers.get(qid), int)]
    return (sum(values) / len(values), len(values)) if values else None


async def resources_report(ctx: Context) -> None:
    """The resources part of /gaps (after the needs)."""
    academy = ctx.services.academy
    if academy is None or not academy.resources:
        return
    cohort = await cohort_of(ctx)
    if cohort is None:
        return
    if not await store_of(ctx.services).drips_of_cohort(cohort.code):
        return  # nothing chosen yet: /gaps shows the needs alone
    rows, reported, impact_answers, pre = await rows_of(ctx, cohort)
    language = ctx.language.code
    if "csv" in (a.lower() for a in ctx.event.args):
        header = ["resource", "title", "gaps", "reported_by", "chosen", "received", "opened",
                  "helped"]
        attachment = await write_csv(ctx.services, f"resources-{cohort.code}", header, [
            [r.number, r.title, "; ".join(r.gaps), r.reported_by, r.chosen, r.received,
             r.opened, "" if r.helped is None else r.helped] for r in rows])
        await ctx.reply_private(_("The complementary resources of {cohort}: one row each.")
                                .format(cohort=cohort.name), attachments=[attachment])
        return
    lines = ["📚 " + _("Complementary resources of {cohort}").format(cohort=cohort.name)]
    if reported:
        lines.append(_("Gaps reported in the pre-assessment:"))
        for tag, count in reported.most_common():
            lines.append("• " + ngettext("{gap}: {n} participant", "{gap}: {n} participants",
                                         count).format(gap=gap_label(pre, tag, language),
                                                       n=count))
    lines.append(_("Resources that answer them:"))
    for r in rows:
        lines.append(f"{r.number}. {r.title}")
        counts = _("chosen for {chosen} · received {received} · opened {opened}").format(
            chosen=r.chosen, received=r.received, opened=r.opened)
        if r.helped is not None:
            counts += " · " + _("helped {n} (impact survey)").format(n=r.helped)
        lines.append("   " + counts)
    material, community = (_average(impact_answers, MATERIAL),
                           _average(impact_answers, COMMUNITY))
    if material or community:
        lines.append(_("Impact survey: the complementary material helped {material} of 5, the "
                       "community {community} of 5.").format(
            material=format_number(round(material[0], 1)) if material else "–",
            community=format_number(round(community[0], 1)) if community else "–"))
    await ctx.reply("\n".join(lines))
