"""Feedback from the week's assessment (issue 20): prepared when the cohort's assessment
closes (the day after its last reminder) or on the cohort's `feedback_at`; the cohort's
facilitators are told first. `/feedback preview [cohort]` shows it in the facilitator's
language, `/feedback note [cohort] <text>` adds their own words, `/feedback post [cohort]`
posts it to each of the cohort's chats in the chat's language (once). With the cohort's
`feedback_auto_post = true` it is posted when prepared; otherwise nothing is posted without
a facilitator's go-ahead. The text is handlers/feedback/summary.py."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from bot.authz import FACILITATOR
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, format_datetime, rtl_marked, use_language
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.outbox import SCHEDULED
from bot.scheduler import Firing
from bot.scope import Reach
from bot.services import Services
from bot.timeline import Planned
from handlers.cohorts import Cohort
from handlers.engagement import targets
from handlers.feedback import summary
from handlers.post_learning_plans import plan_moment, settings, store_of
from handlers.surveys import pick_cohort, reminder_days, scheduled_moment
from storage.schedules import Schedule

log = logging.getLogger("bot.feedback")

PREPARE = "feedback_prepare"
NOTE_LIMIT = 1500


def moment(services: Services, cohort: Cohort) -> datetime | None:
    """When the feedback is prepared: the cohort's `feedback_at`, else the day after the
    assessment's last reminder (when it has had its chance), at the release time."""
    entry = settings(services, cohort)
    if entry is not None and entry.feedback_at is not None:
        day = entry.feedback_at if isinstance(entry.feedback_at, date) else \
            services.cohorts.anchor + timedelta(days=entry.feedback_at)
        return cohort.moment(day)
    opens = scheduled_moment(summary.ASSESSMENT, cohort)
    if opens is None:
        return None
    last = max(reminder_days(services, summary.ASSESSMENT), default=0)
    return cohort.moment(opens.astimezone(cohort.zone).date() + timedelta(days=last + 1))


def auto_post(services: Services, cohort: Cohort) -> bool:
    entry = settings(services, cohort)
    return bool(entry and entry.feedback_auto_post)


async def plan_feedback(services: Services) -> None:
    if services.academy is None or summary.ASSESSMENT not in services.academy.surveys:
        return
    for cohort in services.cohorts.all():
        at = moment(services, cohort)
        if at is not None:
            await plan_moment(services, cohort, "feedback", PREPARE, at)


async def facilitator_chats(services: Services, cohort: Cohort
                            ) -> list[tuple[ChatRef, str | None]]:
    """The private chats of the cohort's facilitators the bot knows, with their language:
    listed for every cohort or for this one, granted the role, or console facilitators."""
    authorizer = services.authorizer
    listed = [authorizer.listed, *([authorizer.by_cohort[cohort.code]]
                                   if cohort.code in authorizer.by_cohort else [])]
    keys = {account for section in listed for account in section.accounts()}
    keys |= {("console", name) for name in authorizer.console_facilitators}
    found: dict[tuple[str, str], str | None] = {}
    for platform, user_id in sorted(keys):
        account = await services.participants.account(platform, user_id)
        if account is not None:
            participant = await services.participants.get(account.participant_id)
            found[(platform, user_id)] = participant.language if participant else None
    for participant_id in await services.roles.holders(FACILITATOR):
        participant = await services.participants.get(participant_id)
        for account in (await services.participants.accounts_of(participant_id))[:1]:
            found[(account.platform, account.user_id)] = \
                participant.language if participant else None
    return [(ChatRef(p, u, ChatKind.PRIVATE), lang) for (p, u), lang in found.items()]


async def post(services: Services, cohort: Cohort, by: int | None) -> int | None:
    """Post the feedback to each of the cohort's chats, in its language; the number of
    chats, or None when it was posted already. Each chat's copy has its own dedupe key,
    so a second run (a crash, a restart) sends nothing twice."""
    res = await summary.results(services, cohort)
    if res is None or not res.shareable:
        return 0
    store = store_of(services)
    feedback = await store.feedback(cohort.code)
    if feedback.posted_at is not None:
        return None
    chats = await targets(services, cohort)
    charts = {}
    for target in chats:
        with use_language(services.language_for(target.language, cohort.default_language)
                          ) as pack:
            body = summary.text(res, cohort, pack.code)
            note = await summary.note_for(services, feedback, pack.code)
            if pack.code not in charts:
                charts[pack.code] = await summary.chart(services, res, cohort, pack.code)
            chart = charts[pack.code]
            msg = OutboundMessage(ChatRef(target.platform, target.chat_id,
                                          ChatKind(target.chat_kind)),
                                  rtl_marked(body + (f"\n\n{note}" if note else ""), pack),
                                  attachments=[chart] if chart else [])
        await services.outbox.enqueue(
            msg, priority=SCHEDULED,
            dedupe_key=f"feedback:{cohort.code}:{target.platform}:{target.chat_id}")
    await store.posted(cohort.code, services.clock.timestamp(), by)
    log.info("feedback of cohort %s posted to %d chat(s)", cohort.code, len(chats))
    return len(chats)


async def fire_prepare(services: Services, schedule: Schedule, firing: Firing) -> None:
    """The assessment has closed: tell the facilitators (once), and post it when the
    cohort's config says so."""
    cohort = services.cohorts.get(str(schedule.data.get("cohort", "")))
    res = await summary.results(services, cohort) if cohort else None
    if cohort is None or res is None:
        return
    if not await store_of(services).prepared(cohort.code, services.clock.timestamp()):
        return
    posted = await post(services, cohort, None) if auto_post(services, cohort) else None
    prefix = "/"
    for chat, language in await facilitator_chats(services, cohort):
        prefix = services.command_prefix(chat.platform)
        with use_language(services.language_for(language)) as pack:
            if not res.shareable:
                text = "📊 " + summary.too_few(res)
            elif posted:
                text = "📊 " + _("The feedback from the assessment of {cohort} was posted to "
                                "its chats, as the cohort's settings ask.").format(
                    cohort=cohort.name)
            else:
                text = "📊 " + _("The feedback from the assessment of {cohort} is ready. "
                                "Nothing is posted until you say so. See it with {preview}, "
                                "add your own words with {note}, post it to the cohort's "
                                "chats with {post}.").format(
                    cohort=cohort.name, preview=f"{prefix}feedback preview {cohort.code}",
                    note=f"{prefix}feedback note {cohort.code} …",
                    post=f"{prefix}feedback post {cohort.code}")
            msg = OutboundMessage(chat, rtl_marked(text, pack))
        await services.outbox.enqueue(
            msg, priority=SCHEDULED,
            dedupe_key=f"feedback-ready:{cohort.code}:{chat.platform}:{chat.chat_id}")


# --- /feedback ---------------------------------------------------------------------------
def _usage(ctx: Context) -> str:
    return _("Use {preview}, {note} or {post}.").format(
        preview=ctx.command("feedback preview [cohort]"),
        note=ctx.command("feedback note [cohort] <text>"),
        post=ctx.command("feedback post [cohort]"))


async def _cohort_and_rest(ctx: Context, words: list[str], note: bool
                           ) -> tuple[Cohort | None, list[str]]:
    """The cohort named first (for a note: only a word naming a configured cohort, the
    rest is the text); else the facilitator's own."""
    if words and (not note or ctx.services.cohorts.get(words[0].lower()) is not None):
        return await pick_cohort(ctx, words[0]), words[1:]
    return await pick_cohort(ctx, None), words


async def feedback(ctx: Context) -> None:
    args = list(ctx.event.args)
    action = args[0].lower() if args else ""
    if action not in ("preview", "post", "note"):
        await ctx.reply(_usage(ctx))
        return
    cohort, rest = await _cohort_and_rest(ctx, args[1:], action == "note")
    if cohort is None:
        return
    s = ctx.services
    res = await summary.results(s, cohort)
    if res is None:
        await ctx.reply(_("This academy has no assessment survey."))
        return
    store = store_of(s)
    if action == "note":
        text = " ".join(rest).strip()
        if not text:
            current = (await store.feedback(cohort.code)).note
            await ctx.reply(_("Your words, posted with the feedback: {note}").format(
                note=current) if current else _usage(ctx))
            return
        if len(text) > NOTE_LIMIT:
            await ctx.reply(_("Please keep it under {n} characters.").format(n=NOTE_LIMIT))
            return
        await store.set_note(cohort.code, text, ctx.language.code, ctx.participant.id)
        await ctx.reply(_("Saved. Your words will be posted with the feedback, translated "
                          "for each chat and marked as yours. See it with {preview}.").format(
            preview=ctx.command(f"feedback preview {cohort.code}")))
        return
    if not res.shareable:
        await ctx.reply(summary.too_few(res))
        return
    if action == "preview":
        text = summary.text(res, cohort, ctx.language.code)
        note = await summary.note_for(s, await store.feedback(cohort.code), ctx.language.code)
        chart = await summary.chart(s, res, cohort, ctx.language.code)
        done = (await store.feedback(cohort.code)).posted_at
        tail = _("Posted on {date}.").format(date=format_datetime(
            datetime.fromtimestamp(done, UTC), ctx.zone)) if done else \
            _("Not posted yet: {post} posts it to the cohort's chats.").format(
                post=ctx.command(f"feedback post {cohort.code}"))
        await ctx.reply_private("\n\n".join(p for p in (text, note, tail) if p),
                                attachments=[chart] if chart else None)
        if not ctx.event.chat.is_private:
            await ctx.reply(_("I have sent it to you in a private message."))
        return
    count = await post(s, cohort, ctx.participant.id)
    if count is None:
        done = (await store.feedback(cohort.code)).posted_at or 0
        await ctx.reply(_("The feedback of {cohort} was already posted on {date}.").format(
            cohort=cohort.name, date=format_datetime(datetime.fromtimestamp(done, UTC),
                                                     ctx.zone)))
        return
    await ctx.reply(_("The feedback of {cohort} is posted to its chats ({n}).").format(
        cohort=cohort.name, n=count))


async def timeline(services: Services, cohort: Cohort) -> list[Planned]:
    at = moment(services, cohort)
    if services.academy is None or summary.ASSESSMENT not in services.academy.surveys \
            or at is None:
        return []
    entries = [Planned(at, "the cohort's facilitators", "private message",
                       "📊 The feedback from the week's assessment is ready: /feedback preview, "
                       "/feedback note, /feedback post", "feedback")]
    if auto_post(services, cohort):
        entries.append(Planned(at, "cohort channels (each in its language)", "group",
                               "📊 What you told us about the face-to-face week (posted by "
                               "itself: feedback_auto_post)", "feedback"))
    return entries


def setup(registry: CommandRegistry) -> None:
    registry.add(Command(
        "feedback", feedback,
        N_("Feedback from the week's assessment: preview, note <text>, post"),
        usage=N_("preview|post [cohort] | note [cohort] <text>"), facilitator_only=True,
        scope=Reach.COHORT, subcommands={"preview": Reach.REPORT}))
    registry.add_timed(PREPARE, fire_prepare)
    registry.startup.append(plan_feedback)
    registry.timeline.append(timeline)
