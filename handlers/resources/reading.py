"""/resources: what a participant has received and what is coming; /resources <n> and the
"Read it" button open one (recorded as opened, like a unit)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.args import echo
from bot.args import number as typed_number
from bot.buttons import no_longer_works, parse_int
from bot.context import Context
from bot.i18n import _, format_datetime
from bot.model import MessageFormat
from handlers.post_learning_plans import store_of
from handlers.resources.drip import first_day, limit, localized
from storage.post_learning import Drip


async def _say(ctx: Context, text: str, **options: object) -> None:
    """Resources are personal: asked for in a group, they come by private message."""
    if ctx.event.chat.is_private:
        await ctx.reply(text, **options)  # type: ignore[arg-type]
    else:
        await ctx.reply_private(text, **options)  # type: ignore[arg-type]
        await ctx.reply(_("I have sent it to you in a private message."))


def _arrived(ctx: Context, drip: Drip) -> bool:
    return drip.delivered_at is not None or drip.due_at <= ctx.services.clock.timestamp()


async def open_resource(ctx: Context, drip: Drip) -> None:
    academy = ctx.services.academy
    cohort = ctx.services.cohorts.get(drip.cohort)
    if academy is None or cohort is None:
        return
    resource = localized(academy, drip.resource, ctx.language.code, cohort.default_language)
    if resource is None:
        return
    await store_of(ctx.services).opened(ctx.participant.id, drip.cohort, drip.resource,
                                        ctx.services.clock.timestamp())
    await _say(ctx, f"**📚 {resource.title}**\n\n{resource.body}", format=MessageFormat.MARKDOWN)


async def list_resources(ctx: Context) -> None:
    s = ctx.services
    academy = s.academy
    if academy is None or not academy.resources:
        await ctx.reply(_("This academy has no complementary resources."))
        return
    cohorts = await s.cohorts.of_participant(ctx.participant.id)
    if not cohorts:
        await ctx.reply(_("The resources come with a cohort. Join yours with {command}.").format(
            command=ctx.command("join")))
        return
    drips = await store_of(s).drips_of(ctx.participant.id)
    if ctx.event.args:
        await _read(ctx, drips, ctx.event.args[0])
        return
    if not drips:
        cohort = cohorts[0]
        start = cohort.moment(first_day(s, cohort))
        if start > s.clock.now() and limit(s, cohort):
            await _say(ctx, _("After the face-to-face week, from {date}, I will send you here "
                              "resources chosen for the needs you reported in the "
                              "pre-assessment ({command}).").format(
                date=format_datetime(start, cohort.zone), command=ctx.command("assessment")))
        else:
            await _say(ctx, _("No complementary resource was chosen for you."))
        return
    lines = [_("Your complementary resources:")]
    suggested: int | None = None
    for drip in drips:
        cohort = s.cohorts.get(drip.cohort)
        resource = localized(academy, drip.resource, ctx.language.code,
                             cohort.default_language if cohort else academy.default_language)
        if resource is None:
            continue
        if not _arrived(ctx, drip):
            status = "🔒 " + _("comes on {date}").format(date=format_datetime(
                datetime.fromtimestamp(drip.due_at, UTC), ctx.zone))
        elif drip.opened_at is not None:
            status = "📖 " + _("read")
        else:
            status = "🆕 " + _("new")
            suggested = suggested or drip.resource
        lines.append(f"{drip.resource}. {resource.title} — {status}")
    if suggested:
        lines.append(_("Read one with {command}.").format(
            command=ctx.command(f"resources {suggested}")))
    await _say(ctx, "\n".join(lines))


async def _read(ctx: Context, drips: list[Drip], wanted: str) -> None:
    number = typed_number(wanted.lstrip("#"))
    drip = next((d for d in drips if d.resource == number), None)
    if drip is None:
        mine = ", ".join(str(d.resource) for d in drips) or "-"
        await ctx.reply(_("You have no resource \"{n}\". Yours: {numbers}.").format(
            n=echo(wanted), numbers=mine))
        return
    if not _arrived(ctx, drip):
        await ctx.reply(_("This resource comes on {date}. I will send it to you then.").format(
            date=format_datetime(datetime.fromtimestamp(drip.due_at, UTC), ctx.zone)))
        return
    await open_resource(ctx, drip)


async def resource_button(ctx: Context) -> None:
    """"res:open:<cohort>:<n>": only a resource sent to the one who presses it."""
    action, _sep, rest = ctx.callback_payload.partition(":")
    cohort, _sep, wanted = rest.partition(":")
    number = parse_int(wanted, 1)
    drip = await store_of(ctx.services).drip(ctx.participant.id, cohort, number) \
        if action == "open" and number is not None else None
    if drip is None or not _arrived(ctx, drip):
        await ctx.reply(no_longer_works())
        return
    await open_resource(ctx, drip)
