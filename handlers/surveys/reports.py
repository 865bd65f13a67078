"""What facilitators read of a survey: /survey status, results and export (the commands
are handlers/surveys/commands.py). Answers of an anonymous survey are shown only for groups of at
least `surveys.anonymous_min_group` (handlers/surveys/anonymity.py): smaller ones are merged into
"other" or left out, and the reader is told."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bot.context import Context
from bot.exports import write_csv
from bot.i18n import _, format_datetime, format_number, format_ratio, ngettext
from bot.services import Services
from handlers.surveys import engine
from handlers.surveys.anonymity import Groups, group_by, minimum, protect
from handlers.surveys.model import Question, Survey, answer_text
from storage.surveys import Invitation, Response, Wave

MAX_TEXTS_SHOWN = 15
BAR = 10


def _rate(done: int, total: int) -> str:
    return format_ratio(done / total) if total else "–"


def other_label() -> str:
    return _("other")


def small_groups_note(least: int) -> str:
    return ngettext(
        "Anonymous survey: groups of fewer than {n} person are merged into “other” or left "
        "out, so that nobody can be recognised.",
        "Anonymous survey: groups of fewer than {n} people are merged into “other” or left "
        "out, so that nobody can be recognised.", least).format(n=least)


async def anonymous_responses(services: Services, waves: list[Wave]) -> Groups[Response]:
    """The responses of an anonymous survey by cohort, small cohorts merged or left out: a
    facilitator can ask for each cohort alone, so none may be recovered by subtraction."""
    responses = await engine.repository(services).responses([w.id for w in waves], True)
    cohort_of = {w.id: w.cohort for w in waves}
    return protect(group_by(responses, lambda r: cohort_of.get(r.wave_id, "")),
                   minimum(services), total_shown=False)


def shown_from(least: int) -> str:
    return ngettext("The answers of an anonymous survey are shown from {n} response on, so "
                    "that nobody can be recognised.",
                    "The answers of an anonymous survey are shown from {n} responses on, so "
                    "that nobody can be recognised.", least).format(n=least)


def _too_few(services: Services, groups: Groups[Response]) -> str:
    """Why (some) answers of an anonymous survey are not shown."""
    least = minimum(services)
    if not groups.included:
        return shown_from(least)
    return ngettext("{count} response from a cohort with fewer than {n} is left out, so that "
                    "nobody can be recognised.",
                    "{count} responses from cohorts with fewer than {n} are left out, so that "
                    "nobody can be recognised.", len(groups.hidden)).format(
        count=len(groups.hidden), n=least)


def _heading(survey: Survey, count: int, language: str) -> str:
    return ngettext("📊 {title}: {n} response", "📊 {title}: {n} responses", count).format(
        title=survey.t(survey.title, language), n=count)


# --- /survey status ----------------------------------------------------------------------
def _breakdown(ctx: Context, invitations: list[Invitation], key: str, anonymous: bool
               ) -> tuple[list[str], bool]:
    """One line per group of invitations; for an anonymous survey, small groups merged
    (the total is shown above, so a lone small group could be subtracted from it)."""
    groups = group_by(invitations, lambda i: str(getattr(i, key) or "?"))
    if anonymous:
        kept = protect(groups, minimum(ctx.services), total_shown=True)
        groups = dict(kept.shown)
        if kept.other:
            groups[other_label()] = kept.other
        changed = kept.changed
    else:
        changed = False
    lines = []
    for name, members in sorted(groups.items(), key=lambda g: (g[0] == other_label(), g[0])):
        done = sum(i.completed for i in members)
        lines.append("  " + _("{name}: {done} of {total} completed ({rate})").format(
            name=name, done=done, total=len(members), rate=_rate(done, len(members))))
    return lines, changed


async def status(ctx: Context, survey: Survey, waves: list[Wave]) -> None:
    invitations = await engine.repository(ctx.services).invitations([w.id for w in waves])
    started = sum(1 for i in invitations if i.started_at is not None)
    done = sum(1 for i in invitations if i.completed)
    lines = [f"📋 {survey.t(survey.title, ctx.language.code)}"]
    for w in waves:
        when = datetime.fromtimestamp(w.opened_at or w.opens_at, UTC)
        lines.append(_("Cohort {cohort}: sent on {when}").format(
            cohort=w.cohort, when=format_datetime(when, ctx.zone)))
    lines.append(_("Invited: {invited} · started: {started} · completed: {done} ({rate})"
                   ).format(invited=len(invitations), started=started, done=done,
                            rate=_rate(done, len(invitations))))
    merged = False
    for title, key in ((_("By platform:"), "platform"), (_("By language:"), "language")):
        rows, changed = _breakdown(ctx, invitations, key, survey.anonymous)
        merged = merged or changed
        if rows:
            lines.append(title)
            lines += rows
    if survey.anonymous:
        lines.append(_("This survey is anonymous: answers are stored without names."))
        if merged:
            lines.append(small_groups_note(minimum(ctx.services)))
    await ctx.reply("\n".join(lines))


# --- /survey results ---------------------------------------------------------------------
def bar(count: int, total: int) -> str:
    filled = round(BAR * count / total) if total else 0
    return "█" * filled + "░" * (BAR - filled)


async def translated(services: Services, text: str, target: str, source: str | None
                     ) -> str | None:
    """`text` in `target` when a translation engine is configured and the text is in
    another language; None otherwise."""
    if services.config.translation.engine == "none":
        return None
    result = await services.relay.translator.translate_for(text, {target}, source_hint=source)
    if result.source is None or result.source == target or target in result.failed:
        return None
    out = result.texts.get(target)
    return out if out and out != text else None


async def summary(services: Services, survey: Survey, q: Question,
                  responses: list[Response], language: str) -> list[str]:
    """One question's results as lines of text."""
    values = [r.answers[q.id] for r in responses if r.answers.get(q.id) is not None]
    head = f"{q.index + 1}. {survey.t(q.text, language)}"
    lines = [head, "   " + ngettext("{n} answer", "{n} answers", len(values)).format(
        n=len(values))]
    if not values:
        return lines
    if q.kind == "scale":
        average = sum(values) / len(values)
        lines.append("   " + _("average {average} on {low}–{high}").format(
            average=format_number(round(average, 1)), low=q.low, high=q.high))
        counts = Counter(values)
        for v in range(q.low, q.high + 1):
            lines.append(f"   {v} {bar(counts[v], len(values))} {counts[v]}")
    elif q.kind in ("single", "multiple", "yesno"):
        if q.kind == "yesno":
            labels = [("yes", _("Yes")), ("no", _("No"))]
            counts = Counter(values)
        else:
            labels = list(enumerate(survey.options(q, language), 1))
            counts = Counter(v for value in values
                             for v in (value if isinstance(value, list) else [value]))
        for key, label in labels:
            n = counts[key]
            lines.append(f"   {bar(n, len(values))} {n} ({_rate(n, len(values))}) · {label}")
    else:
        shown = [r for r in responses if r.answers.get(q.id)][-MAX_TEXTS_SHOWN:]
        for r in shown:
            text = str(r.answers[q.id])
            lines.append(f"   • {text}")
            other = await translated(services, text, language, r.language)
            if other:
                lines.append(f"     → {other}")
        if len(values) > len(shown):
            lines.append("   " + _("… and {n} more in the export").format(
                n=len(values) - len(shown)))
    return lines


async def results(ctx: Context, survey: Survey, waves: list[Wave]) -> None:
    language = ctx.language.code
    if survey.anonymous:
        groups = await anonymous_responses(ctx.services, waves)
        responses = sorted(groups.included, key=lambda r: r.id)
        lines = [_heading(survey, len(responses) + len(groups.hidden), language),
                 _("Anonymous survey: answers are shown without names.")]
        if groups.hidden:
            lines.append(_too_few(ctx.services, groups))
    else:
        responses = await engine.repository(ctx.services).responses([w.id for w in waves],
                                                                    False)
        lines = [_heading(survey, len(responses), language)]
    if responses:
        for q in survey.questions:
            lines.append("")
            lines += await summary(ctx.services, survey, q, responses, language)
    await ctx.reply("\n".join(lines))


# --- /survey export ----------------------------------------------------------------------
async def export_rows(services: Services, survey: Survey, waves: list[Wave], language: str
                      ) -> tuple[list[str], list[list[Any]]]:
    """The CSV: one row per response, one column per question; anonymous surveys carry no
    identifier (not even the order in which they were submitted), and their small cohorts
    are "other" or left out (see `anonymous_responses`)."""
    repo = engine.repository(services)
    questions = [q.id for q in survey.questions]
    rows: list[list[Any]] = []
    if survey.anonymous:
        groups = await anonymous_responses(services, waves)
        cohort_of = {r.id: cohort for cohort, members in groups.shown.items()
                     for r in members} | {r.id: other_label() for r in groups.other}
        for n, r in enumerate(sorted(groups.included, key=lambda r: r.id), 1):
            rows.append([n, cohort_of[r.id], *_cells(survey, r, language)])
        return ["response", "cohort", *questions], rows
    header = ["response", "cohort", "participant", "name", "platform", "language",
              "submitted_at", *questions]
    wave_cohort = {w.id: w.cohort for w in waves}
    for n, r in enumerate(await repo.responses([w.id for w in waves], False), 1):
        reach = await repo.reach(r.participant_id) if r.participant_id else None
        when = datetime.fromtimestamp(r.submitted_at or 0, UTC).isoformat(timespec="seconds")
        rows.append([n, wave_cohort.get(r.wave_id, ""), r.participant_id or "",
                     reach.display_name if reach else "", r.platform or "", r.language or "",
                     when, *_cells(survey, r, language)])
    return header, rows


def _cells(survey: Survey, r: Response, language: str) -> list[str]:
    return [_cell(survey, q, r.answers.get(q.id, ""), language, q.id in r.answers)
            for q in survey.questions]


def _cell(survey: Survey, q: Question, value: Any, language: str, asked: bool) -> str:
    if not asked:
        return ""
    if q.kind == "scale" and value is not None:
        return str(value)
    return answer_text(survey, q, value, language) if value is not None else ""


async def export(ctx: Context, survey: Survey, waves: list[Wave]) -> None:
    note = None
    if survey.anonymous:
        groups = await anonymous_responses(ctx.services, waves)
        if groups.hidden:
            note = _too_few(ctx.services, groups)
        if not groups.included:
            await ctx.reply(_heading(survey, len(groups.hidden), ctx.language.code) + "\n" +
                            (note or ""))
            return
    header, rows = await export_rows(ctx.services, survey, waves, ctx.language.code)
    attachment = await write_csv(ctx.services, f"survey-{survey.name}", header, rows)
    text = ngettext("{title}: {n} response, one row each.",
                    "{title}: {n} responses, one row each.", len(rows)).format(
        title=survey.t(survey.title, ctx.language.code), n=len(rows))
    await ctx.reply_private(f"{text}\n{note}" if note else text, attachments=[attachment])
    if not ctx.event.chat.is_private:
        await ctx.reply(_("I have sent it to you in a private message."))
