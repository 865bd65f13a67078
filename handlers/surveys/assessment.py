"""/assessment (take the pre-assessment), and what facilitators learn from it: /gaps (the
cohort's top needs) and /electives (choices per elective module), each also as CSV."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.exports import write_csv
from bot.i18n import N_, _, format_date, format_number, format_ratio, ngettext
from bot.scope import Reach
from handlers.cohorts import Cohort
from handlers.surveys import engine
from handlers.surveys.anonymity import minimum
from handlers.surveys.commands import pick_cohort
from handlers.surveys.engine import PRE_ASSESSMENT
from handlers.surveys.model import Question, Survey
from handlers.surveys.reports import bar, shown_from
from handlers.surveys.taking import take
from storage.surveys import Response

LATEST_NEEDS = 8


async def assessment(ctx: Context) -> None:
    services = ctx.services
    survey = engine.survey_named(services, PRE_ASSESSMENT)
    if survey is None:
        await ctx.reply(_("This academy has no pre-assessment."))
        return
    cohorts = await services.cohorts.of_participant(ctx.participant.id)
    if not cohorts:
        await ctx.reply(_("Join your cohort first: {command}").format(
            command=ctx.command("join")))
        return
    repo = engine.repository(services)
    waves = [w for c in cohorts if (w := await repo.wave_for(PRE_ASSESSMENT, c.code))]
    wave = next((w for w in waves if w.status == "open"), None)
    if wave is None:
        planned = [w for w in waves if w.status == "planned"]
        if planned:
            cohort = services.cohorts.get(planned[0].cohort)
            when = datetime.fromtimestamp(planned[0].opens_at, UTC)
            await ctx.reply(_("The pre-assessment opens on {date}.").format(
                date=format_date(when, cohort.zone if cohort else ctx.zone)))
        else:
            await ctx.reply(_("The pre-assessment is not open for your cohort."))
        return
    if not ctx.event.chat.is_private:
        await ctx.reply(_("I have sent it to you in a private message."))
    await take(ctx, wave, survey)


@dataclass
class Report:
    cohort: Cohort
    survey: Survey
    responses: list[Response]
    csv: bool


async def _report(ctx: Context) -> Report | None:
    """`[cohort] [csv]`: the cohort's submitted pre-assessments."""
    words = [a.lower() for a in ctx.event.args]
    csv = "csv" in words
    codes = [w for w in words if w != "csv"]
    survey = engine.survey_named(ctx.services, PRE_ASSESSMENT)
    if survey is None:
        await ctx.reply(_("This academy has no pre-assessment."))
        return None
    cohort = await pick_cohort(ctx, codes[0] if codes else None)
    if cohort is None:
        return None
    repo = engine.repository(ctx.services)
    wave = await repo.wave_for(PRE_ASSESSMENT, cohort.code)
    responses = await repo.responses([wave.id], survey.anonymous) if wave else []
    if not responses:
        await ctx.reply(_("No pre-assessment has been submitted in {cohort} yet.").format(
            cohort=cohort.name))
        return None
    if survey.anonymous and len(responses) < minimum(ctx.services):
        # One cohort, one group: too small, its answers could be told apart.
        await ctx.reply(shown_from(minimum(ctx.services)))
        return None
    return Report(cohort, survey, responses, csv)


@dataclass
class Gap:
    question: Question
    values: list[int]

    @property
    def average(self) -> float:
        return sum(self.values) / len(self.values)


def gaps_of(survey: Survey, responses: list[Response]) -> list[Gap]:
    """Scale questions, lowest average confidence first."""
    found = []
    for q in survey.questions:
        if q.kind != "scale":
            continue
        values = [r.answers[q.id] for r in responses if isinstance(r.answers.get(q.id), int)]
        if values:
            found.append(Gap(q, values))
    return sorted(found, key=lambda g: (g.average, g.question.index))


async def gaps(ctx: Context) -> None:
    report = await _report(ctx)
    if report is None:
        return
    survey, language = report.survey, ctx.language.code
    found = gaps_of(survey, report.responses)
    if report.csv:
        high = max((g.question.high for g in found), default=5)
        low = min((g.question.low for g in found), default=1)
        header = ["rank", "question", "text", "responses", "average",
                  *[str(v) for v in range(low, high + 1)]]
        rows = []
        for rank, g in enumerate(found, 1):
            counts = Counter(g.values)
            rows.append([rank, g.question.id, survey.t(g.question.text, language),
                         len(g.values), round(g.average, 2),
                         *[counts[v] for v in range(low, high + 1)]])
        attachment = await write_csv(ctx.services, f"gaps-{report.cohort.code}", header, rows)
        await ctx.reply_private(ngettext("The needs of {cohort} from {n} pre-assessment.",
                                         "The needs of {cohort} from {n} pre-assessments.",
                                         len(report.responses)).format(
            cohort=report.cohort.name, n=len(report.responses)), attachments=[attachment])
        return
    lines = [ngettext("🧭 Needs of {cohort}, from {n} pre-assessment: lowest confidence first",
                      "🧭 Needs of {cohort}, from {n} pre-assessments: lowest confidence "
                      "first", len(report.responses)).format(cohort=report.cohort.name,
                                                             n=len(report.responses))]
    for rank, g in enumerate(found, 1):
        counts = Counter(g.values)
        spread = " ".join(f"{v}:{counts[v]}" for v in range(g.question.low,
                                                             g.question.high + 1))
        lines.append(f"{rank}. {survey.t(g.question.text, language)}\n   " + ngettext(
            "average {average} of {high} · {n} answer · {spread}",
            "average {average} of {high} · {n} answers · {spread}", len(g.values)).format(
            average=format_number(round(g.average, 1)), high=g.question.high,
            n=len(g.values), spread=spread))
    needs = []
    repo = engine.repository(ctx.services)
    for r in reversed(report.responses):
        for q in survey.questions:
            if q.kind == "text" and r.answers.get(q.id):
                needs.append((r, str(r.answers[q.id])))
    if needs:
        lines.append("")
        lines.append(_("Latest needs, as written:"))
        for r, text in needs[:LATEST_NEEDS]:
            reach = await repo.reach(r.participant_id) if r.participant_id else None
            name = reach.display_name if reach else _("a participant")
            lines.append(f"• {name}: {text}")
    lines.append("")
    lines.append(_("As a file: {command}").format(command=ctx.command(
        f"gaps {report.cohort.code} csv")))
    # It names the people whose needs it quotes.
    await ctx.reply("\n".join(lines), about=[r.participant_id for r, _text
                                            in needs[:LATEST_NEEDS] if r.participant_id])


async def electives(ctx: Context) -> None:
    report = await _report(ctx)
    if report is None:
        return
    survey, language = report.survey, ctx.language.code
    q = survey.question("electives")
    if q is None or q.kind not in ("single", "multiple"):
        await ctx.reply(_("The pre-assessment has no question about the elective modules."))
        return
    options = survey.options(q, language)
    modules = ctx.services.academy.electives if ctx.services.academy else []
    titles = [survey.t(m.title, language) for m in modules] \
        if len(modules) == len(options) else options
    codes = [m.code for m in modules] if len(modules) == len(options) else \
        [str(n) for n in range(1, len(options) + 1)]
    chosen: dict[int, list[Response]] = {n: [] for n in range(1, len(options) + 1)}
    answered = 0
    for r in report.responses:
        value = r.answers.get(q.id)
        picks = value if isinstance(value, list) else [value] if isinstance(value, int) else []
        answered += bool(picks)
        for n in picks:
            chosen.setdefault(n, []).append(r)
    order = sorted(chosen, key=lambda n: (-len(chosen[n]), n))
    repo = engine.repository(ctx.services)
    if report.csv:
        rows = []
        for n in order:
            names = []
            for r in chosen[n]:
                reach = await repo.reach(r.participant_id) if r.participant_id else None
                names.append(reach.display_name if reach else "")
            rows.append([codes[n - 1], titles[n - 1], len(chosen[n]),
                         round(len(chosen[n]) / answered, 3) if answered else 0,
                         "; ".join(names)])
        attachment = await write_csv(ctx.services, f"electives-{report.cohort.code}",
                               ["module", "title", "participants", "share", "names"], rows)
        await ctx.reply_private(ngettext("Elective choices in {cohort}: {n} answer.",
                                         "Elective choices in {cohort}: {n} answers.",
                                         answered).format(
            cohort=report.cohort.name, n=answered), attachments=[attachment])
        return
    lines = [ngettext("🎓 Elective modules chosen in {cohort} ({n} answer):",
                      "🎓 Elective modules chosen in {cohort} ({n} answers):",
                      answered).format(
        cohort=report.cohort.name, n=answered)]
    for n in order:
        count = len(chosen[n])
        share = format_ratio(count / answered) if answered else "–"
        lines.append(f"{bar(count, answered)} {count} ({share}) · {titles[n - 1]}")
    lines.append("")
    lines.append(_("As a file: {command}").format(command=ctx.command(
        f"electives {report.cohort.code} csv")))
    await ctx.reply("\n".join(lines))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("assessment", assessment,
                         N_("Answer the pre-assessment of your needs (or continue it)"),
                         needs_consent=True))
    registry.add(Command("gaps", gaps, N_("The cohort's top needs from the pre-assessment; "
                                          "csv for a file"), usage=N_("[cohort] [csv]"),
                         facilitator_only=True, scope=Reach.REPORT))
    registry.add(Command("electives", electives,
                         N_("Elective modules chosen in the pre-assessment; csv for a file"),
                         usage=N_("[cohort] [csv]"), facilitator_only=True, scope=Reach.REPORT))
