"""/join: participants enrol in a cohort by its code, or by being in one of its channels."""

from __future__ import annotations

import difflib
from datetime import date

from bot.args import echo, word
from bot.buttons import no_longer_works
from bot.commands import Command, CommandRegistry
from bot.consent import has_consent
from bot.context import Context
from bot.i18n import N_, _, comma_list, format_date
from bot.model import Button
from bot.services import Services
from handlers.cohorts.roster import Cohort

# The button a facilitator presses to take part in their own cohort as a participant.
AS_PARTICIPANT = "joinas"
CHOSEN = "facilitator"  # the enrolment's `via`: a facilitator who chose to take part


def _dates(ctx: Context, cohort: Cohort) -> str:
    def day(d: date) -> str:
        return format_date(cohort.moment(d), cohort.zone)

    return _("Pre-learning from {start}, face-to-face week {f2f_start} – {f2f_end}").format(
        start=day(cohort.prelearning_start), f2f_start=day(cohort.face_to_face_start),
        f2f_end=day(cohort.face_to_face_end))


async def join(ctx: Context) -> None:
    cohorts = ctx.services.cohorts
    mine = {c.code for c in await cohorts.of_participant(ctx.participant.id)}
    if not ctx.event.args:
        listed = [c for c in cohorts.all() if c.open or c.code in mine]
        if not listed:
            await ctx.reply(_("No cohort is open to join right now. Your facilitator can "
                              "give you a code."))
            return
        lines = [_("Cohorts you can join:")]
        for c in listed:
            mark = " ✓ " + _("(you are in it)") if c.code in mine else ""
            lines.append(f"• {c.name} — {ctx.command('join ' + c.code)}{mark}\n  "
                         f"{_dates(ctx, c)}")
        await ctx.reply("\n".join(lines))
        return
    typed = ctx.event.args[0]
    # Without the marks a right-to-left writer may type around it; never 10,000 characters.
    code = (word(typed) or "").lower()
    cohort = cohorts.get(code) if code else None
    if cohort is None:
        close = difflib.get_close_matches(code, [c.code for c in cohorts.all()], n=1,
                                          cutoff=0.6)
        text = _("There is no cohort with the code \"{code}\".").format(code=echo(typed, 40))
        if close:
            text += " " + _("Did you mean {command}?").format(
                command=ctx.command("join " + close[0]))
        else:
            text += " " + _("Type {command} to see the cohorts open to join.").format(
                command=ctx.command("join"))
        await ctx.reply(text)
        return
    if cohort.code in mine:
        await ctx.reply(_("You are already in {name}.").format(name=cohort.name))
        return
    if await facilitates(ctx.services, ctx.participant.id, cohort):
        # Never enrolled by default: they would get its surveys and nudges and be counted.
        await ctx.reply(_(
            "You facilitate {name}, so you are not enrolled as a participant: no surveys, "
            "reminders or nudges, and you are not counted in its reports. Do you want to "
            "take part as a participant too?").format(name=cohort.name),
            buttons=[[Button(_("Join as a participant"), f"{AS_PARTICIPANT}:{cohort.code}")]])
        return
    await _welcome_and_enrol(ctx, cohort, "command")


async def _welcome_and_enrol(ctx: Context, cohort: Cohort, via: str) -> None:
    # The welcome goes first; features' on_enrolled hooks (units open so far) follow it.
    await ctx.reply(_("Welcome to {name}! {dates}.").format(
        name=cohort.name, dates=_dates(ctx, cohort)))
    await ctx.services.cohorts.enrol(ctx.services, cohort, ctx.participant.id, via)


async def facilitates(services: Services, participant_id: int, cohort: Cohort) -> bool:
    """A facilitator of this cohort, or of every cohort."""
    codes = await services.authorizer.cohort_scope(participant_id)
    return codes is None or cohort.code in codes


async def join_as_participant(ctx: Context) -> None:
    """A facilitator chose to take part in the cohort as a participant."""
    cohort = ctx.services.cohorts.get(ctx.callback_payload)
    if cohort is None:
        await ctx.reply(no_longer_works())
        return
    if cohort.code in {c.code for c in await ctx.services.cohorts.of_participant(
            ctx.participant.id)}:
        await ctx.reply(_("You are already in {name}.").format(name=cohort.name))
        return
    await _welcome_and_enrol(ctx, cohort, CHOSEN)


async def leave(ctx: Context) -> None:
    cohorts = ctx.services.cohorts
    # An unusable code ("?": no cohort has it) leaves none, not the only one.
    code = (word(ctx.event.args[0]) or "?").lower() if ctx.event.args else ""
    mine = await cohorts.of_participant(ctx.participant.id)
    cohort = next((c for c in mine if c.code == code), None) if code else \
        (mine[0] if len(mine) == 1 else None)
    if cohort is None:
        if not mine:
            await ctx.reply(_("You are not in any cohort."))
        else:
            await ctx.reply(_("Which cohort? {choices}").format(
                choices=comma_list(ctx.command("leave " + c.code) for c in mine)))
        return
    await cohorts.leave(cohort, ctx.participant.id)
    await ctx.reply(_("You have left {name}. You can come back with {command}.").format(
        name=cohort.name, command=ctx.command("join " + cohort.code)))


async def enrol_channel_member(ctx: Context) -> None:
    """Being in a cohort's channel enrols: on joining it, or on writing in it; not someone
    who has not given consent, nor a facilitator (they take part with /join if they wish)."""
    cohort = ctx.services.cohorts.of_chat(ctx.platform, ctx.event.chat.chat_id)
    if cohort is None or ctx.event.author.is_bot or not has_consent(ctx.participant):
        return
    if ctx.services.cohorts.known_member(cohort, ctx.participant.id) or \
            await facilitates(ctx.services, ctx.participant.id, cohort):
        return
    await ctx.services.cohorts.enrol(ctx.services, cohort, ctx.participant.id, "channel")


async def enrol_on_message(ctx: Context) -> bool:
    if not ctx.event.chat.is_private:
        await enrol_channel_member(ctx)
    return False  # never consumes the message: the relay and others still see it


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("join", join, N_("Join a cohort, or list the cohorts open to join"),
                         usage=N_("[code]"), needs_consent=True))
    registry.add(Command("leave", leave, N_("Leave a cohort"), usage=N_("[code]")))
    registry.add_callback(AS_PARTICIPANT, join_as_participant, needs_consent=True)
    registry.add_message_handler("cohort channel members", enrol_on_message)
    registry.add_event_handler("member_joined", enrol_channel_member)
