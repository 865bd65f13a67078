"""/remind (personal reminders), /schedule (facilitators: posts in a chat), /timezone."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_time, get_day_names

from bot.args import MAX_ZONE, echo, number, zone_name
from bot.buttons import no_longer_works, parse_int
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, active, comma_list, format_datetime, rtl_marked, use_language
from bot.model import Button, ChatKind, ChatRef, OutboundMessage
from bot.outbox import SCHEDULED
from bot.scheduler import Firing, dedupe_key
from bot.scope import Reach, not_your_chat
from bot.services import Services
from bot.timeparse import DAY_NAMES, When, next_occurrence, read_when, standard_cron
from bot.when import not_readable, past, question, readings
from storage.schedules import NewSchedule, Schedule

REMINDER = "reminder"
POST = "post"
MAX_TEXT = 1000
# A button answering "Did you mean 09:00 or 21:00?": when:<kind>:<participant>:<UTC
# timestamp>:<crontab or ->:<text>, or when:no.
WHEN_BUTTON = "when"


def examples() -> str:
    # Each example is tested to parse in its language (tests/test_reminders.py).
    return _("Examples: {a} · {b} · {c}").format(
        a=_("/remind tomorrow 9:00 read unit 2"),
        b=_("/remind in 2 hours call Ana"),
        c=_("/remind every monday 10:00 weekly check-in"))


async def _parse(ctx: Context, text: str, kind: str) -> When | None:
    """Read `<when> <text>`; answer the reader with what is wrong, or ask back when the
    time is not sure, and return None."""
    now = ctx.services.clock.now()
    try:
        when = read_when(text, ctx.language.code, ctx.zone, now)
    except ValueError:
        when = None
    if when is None:
        await ctx.reply(not_readable(text) + "\n" + examples())
        return None
    if not when.rest.strip():
        await ctx.reply(_("What should the message say? Write it after the time.") + "\n"
                        + examples())
        return None
    if len(when.rest) > MAX_TEXT:
        await ctx.reply(_("The message is too long: {max} characters at most.").format(
            max=MAX_TEXT))
        return None
    if when.others or when.unsure:
        await _ask_back(ctx, kind, when)
        return None
    if when.first <= now:
        await ctx.reply(past(when, ctx.zone))
        return None
    return when


def _choice(ctx: Context, kind: str, when: When) -> str:
    return (f"{WHEN_BUTTON}:{kind}:{ctx.participant.id}:{int(when.first.timestamp())}:"
            f"{when.recurrence or '-'}:{when.rest}")


async def _ask_back(ctx: Context, kind: str, when: When) -> None:
    """The parser is not sure: offer its readings as buttons rather than guess."""
    cancel = Button(_("Cancel"), f"{WHEN_BUTTON}:no")
    if when.others:
        choices = [Button(label, _choice(ctx, kind, w)) for label, w in readings(when, ctx.zone)]
    else:
        choices = [Button(_("Yes"), _choice(ctx, kind, when))]
    await ctx.reply(question(when, ctx.zone), buttons=[choices, [cancel]])


async def when_chosen(ctx: Context) -> None:
    """A button of `_ask_back`: schedule the reading chosen, as the command would have."""
    parts = ctx.callback_payload.split(":", 4)
    if parts == ["no"]:
        await ctx.reply(_("Nothing was scheduled.") + "\n" + examples())
        return
    if len(parts) != 5 or parts[0] not in (REMINDER, POST) \
            or parse_int(parts[1]) != ctx.participant.id or parse_int(parts[2]) is None:
        await ctx.reply(no_longer_works())
        return
    kind, _owner, stamp, rule, rest = parts
    now = ctx.services.clock.now()
    first: datetime | None = datetime.fromtimestamp(int(stamp), UTC)
    recurrence = None if rule == "-" else rule
    if recurrence is not None:
        try:
            recurrence = standard_cron(recurrence)
        except ValueError:
            await ctx.reply(no_longer_works())
            return
        first = next_occurrence(recurrence, ctx.zone, now)
    when = When(first or now, recurrence, rest)
    if when.first <= now:
        await ctx.reply(past(when, ctx.zone))
        return
    if kind == REMINDER:
        await _add_reminder(ctx, when)
    elif ctx.is_facilitator:
        await _add_post(ctx, when)
    else:
        await ctx.reply(no_longer_works())


def describe_recurrence(recurrence: str) -> str:
    """"every Monday at 10:00" in the reader's language, for the rules people type; other
    cron rules are shown as they are."""
    minute, hour, day, month, weekday = recurrence.split()
    if not (minute.isdigit() and hour.isdigit() and day == "*" and month == "*"):
        return _("on the cron schedule {rule}").format(rule=recurrence)
    clock = format_time(time(int(hour), int(minute)), "short", locale=active().locale)
    if weekday == "*":
        return _("every day at {time}").format(time=clock)
    if weekday in DAY_NAMES:
        name = get_day_names("wide", locale=active().locale)[DAY_NAMES.index(weekday)]
        return _("every {weekday} at {time}").format(weekday=name, time=clock)
    return _("on the cron schedule {rule}").format(rule=recurrence)


def _describe(schedule: Schedule, ctx: Context) -> str:
    zone = ZoneInfo(schedule.timezone)
    when = format_datetime(datetime.fromtimestamp(schedule.next_at or 0, UTC), zone)
    if schedule.recurrence:
        when = _("{rule}, next on {when}").format(rule=describe_recurrence(schedule.recurrence),
                                                  when=when)
    return f"#{number_of(schedule)} · {when} · {schedule.data.get('text', '')[:80]}"


def number_of(schedule: Schedule) -> int:
    """The number its owner reads and types (per person or per chat; the id for the few
    made before numbers existed and not numbered by the migration)."""
    return schedule.number if schedule.number is not None else schedule.id


async def _list_or_cancel(ctx: Context, kind: str, schedules: list[Schedule]) -> bool:
    """Handle `list` and `cancel <n>`; False when the arguments are neither."""
    args = ctx.event.args
    if args and args[0].lower() == "list":
        if not schedules:
            await ctx.reply(_("Nothing is scheduled."))
        else:
            await ctx.reply("\n".join([_("Scheduled:")] + [_describe(s, ctx) for s in schedules]))
        return True
    if args and args[0].lower() == "cancel":
        wanted = args[1].lstrip("#") if len(args) > 1 else ""
        wanted_number = number(wanted)
        target = next((s for s in schedules if number_of(s) == wanted_number), None)
        if target is None:
            await ctx.reply(_("There is no #{n} among yours. See the numbers with {command}."
                              ).format(n=echo(wanted), command=ctx.command(f"{kind} list")))
            return True
        await ctx.services.schedules.cancel(target.id)
        await ctx.services.scheduler.rearm()
        await ctx.reply(_("Cancelled #{n}.").format(n=number_of(target)))
        return True
    return False


async def _store(ctx: Context, kind: str, chat: ChatRef, when: When) -> int:
    """Save a schedule of `kind` posting `when.rest` into `chat`, wake the scheduler, and
    return its number: a person's reminders are numbered 1, 2, … and so are a chat's posts."""
    s = ctx.services
    _id, schedule_number = await s.schedules.add_numbered(NewSchedule(
        kind=kind, participant_id=ctx.participant.id, platform=chat.platform,
        chat_id=chat.chat_id, chat_kind=chat.kind.value, payload={"text": when.rest},
        timezone=ctx.zone.key, next_at=when.first.timestamp(), recurrence=when.recurrence),
        s.clock.timestamp(), per="participant" if kind == REMINDER else "chat")
    await s.scheduler.rearm()
    return schedule_number


def _repeats(ctx: Context, when: When) -> str:
    if not when.recurrence:
        return ""
    return " " + _("It repeats {rule} ({zone}).").format(
        rule=describe_recurrence(when.recurrence), zone=ctx.zone.key)


async def remind(ctx: Context) -> None:
    s = ctx.services
    mine = await s.schedules.active(kind=REMINDER, participant_id=ctx.participant.id)
    if not ctx.event.args:
        await ctx.reply(_("Tell me when and what, and I will remind you by private message.")
                        + "\n" + examples())
        return
    if await _list_or_cancel(ctx, "remind", mine):
        return
    if len(mine) >= s.config.quotas.reminders_per_participant:
        await ctx.reply(_("You have reached the limit of {n} waiting reminders per person. "
                          "Cancel one first: {command}").format(
            n=s.config.quotas.reminders_per_participant, command=ctx.command("remind list")))
        return
    when = await _parse(ctx, ctx.event.args_text, REMINDER)
    if when is not None:
        await _add_reminder(ctx, when)


def _same(schedules: list[Schedule], when: When) -> bool:
    """Already there: a second press of the same button adds nothing."""
    return any(s.next_at == when.first.timestamp() and s.recurrence == when.recurrence
               and s.data.get("text") == when.rest for s in schedules)


async def _add_reminder(ctx: Context, when: When) -> None:
    s = ctx.services
    mine = await s.schedules.active(kind=REMINDER, participant_id=ctx.participant.id)
    if _same(mine, when):
        await ctx.reply(_("This is already scheduled."))
        return
    if len(mine) >= s.config.quotas.reminders_per_participant:
        await ctx.reply(_("You have reached the limit of {n} waiting reminders per person. "
                          "Cancel one first: {command}").format(
            n=s.config.quotas.reminders_per_participant, command=ctx.command("remind list")))
        return
    dm = ChatRef(ctx.platform, ctx.event.author.user_id, ChatKind.PRIVATE)
    schedule_id = await _store(ctx, REMINDER, dm, when)
    await ctx.reply(_("Done (#{n}): I will remind you on {when}.").format(
        n=schedule_id, when=format_datetime(when.first, ctx.zone)) + _repeats(ctx, when))


async def schedule_post(ctx: Context) -> None:
    s = ctx.services
    chat = ctx.event.chat
    if not chat.is_private and not ctx.scope.covers_chat(chat.platform, chat.chat_id):
        # Posts (and their list) are the chat's: only in a chat of one's cohorts, or in
        # one's own private chat.
        await ctx.reply(not_your_chat(ctx.command("schedule")))
        return
    here = await s.schedules.active(kind=POST, platform=chat.platform, chat_id=chat.chat_id)
    if not ctx.event.args:
        await ctx.reply(_("Give a time and the message to post in this chat, for example {example}"
                          ).format(example=_("/schedule every monday 10:00 weekly check-in")))
        return
    if await _list_or_cancel(ctx, "schedule", here):
        return
    if len(here) >= s.config.quotas.posts_per_chat:
        await ctx.reply(_("This chat has reached the limit of {n} scheduled posts. Cancel one "
                          "first: {command}").format(n=s.config.quotas.posts_per_chat,
                                                      command=ctx.command("schedule list")))
        return
    when = await _parse(ctx, ctx.event.args_text, POST)
    if when is not None:
        await _add_post(ctx, when)


async def _add_post(ctx: Context, when: When) -> None:
    s = ctx.services
    chat = ctx.event.chat
    if not chat.is_private and not ctx.scope.covers_chat(chat.platform, chat.chat_id):
        await ctx.reply(not_your_chat(ctx.command("schedule")))
        return
    here = await s.schedules.active(kind=POST, platform=chat.platform, chat_id=chat.chat_id)
    if _same(here, when):
        await ctx.reply(_("This is already scheduled."))
        return
    if len(here) >= s.config.quotas.posts_per_chat:
        await ctx.reply(_("This chat has reached the limit of {n} scheduled posts. Cancel one "
                          "first: {command}").format(n=s.config.quotas.posts_per_chat,
                                                      command=ctx.command("schedule list")))
        return
    schedule_id = await _store(ctx, POST, chat, when)
    await ctx.reply(_("Scheduled (#{n}) in this chat for {when} ({zone}).").format(
        n=schedule_id, when=format_datetime(when.first, ctx.zone), zone=ctx.zone.key)
        + _repeats(ctx, when))


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name tzdata refuses
        return None


async def timezone(ctx: Context) -> None:
    if not ctx.event.args:
        await ctx.reply(_("Your time zone is {zone}. Change it with {example}.").format(
            zone=ctx.zone.key, example=ctx.command("timezone America/Sao_Paulo")))
        return
    typed = ctx.event.args[0]
    name = zone_name(typed)  # never a path for ZoneInfo to open: "../x", 10,000 characters
    if name is None or _zone(name) is None:
        close = difflib.get_close_matches(typed[:MAX_ZONE], available_timezones(), n=3)
        await ctx.reply(_("\"{name}\" is not a time zone I know. Use a name like {examples}."
                          ).format(name=echo(typed, 40),
                                   examples=comma_list(close or ["Africa/Dakar", "Asia/Beirut"])))
        return
    await ctx.services.participants.set_timezone(ctx.participant.id, name)
    await ctx.reload_participant()
    now = ctx.services.clock.now()
    await ctx.reply(_("Your time zone is now {zone}: it is {time} there.").format(
        zone=name, time=format_datetime(now, ZoneInfo(name))))


async def fire_reminder(services: Services, schedule: Schedule, firing: Firing) -> None:
    participant = await services.participants.get(schedule.participant_id or 0)
    if participant is None:
        return
    zone = ZoneInfo(schedule.timezone)
    with use_language(services.language_for(participant.language)) as pack:
        text = _("⏰ Reminder: {text}").format(text=schedule.data["text"])
        if firing.late:
            text += "\n" + _("(This was due on {when}; I was offline then.)").format(
                when=format_datetime(firing.occurrence, zone))
        await services.outbox.enqueue(
            OutboundMessage(ChatRef(schedule.platform, schedule.chat_id, ChatKind.PRIVATE),
                            rtl_marked(text, pack)),
            priority=SCHEDULED, dedupe_key=dedupe_key(schedule, firing))


async def fire_post(services: Services, schedule: Schedule, firing: Firing) -> None:
    chat = ChatRef(schedule.platform, schedule.chat_id, ChatKind(schedule.chat_kind))
    await services.outbox.enqueue(OutboundMessage(chat, schedule.data["text"]),
                                  priority=SCHEDULED, dedupe_key=dedupe_key(schedule, firing))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("remind", remind, N_("Set a personal reminder; also list, cancel"),
                         usage=N_("<when> <text>"), needs_consent=True))
    registry.add(Command("timezone", timezone, N_("See or change your time zone"),
                         usage=N_("[Area/City]"), needs_consent=True))
    registry.add(Command("schedule", schedule_post,
                         N_("Post a message in this chat later or on a schedule; also list, "
                            "cancel"), usage=N_("<when> <text>"), facilitator_only=True,
                         scope=Reach.COHORT))
    registry.add_callback(WHEN_BUTTON, when_chosen, needs_consent=True)
    registry.add_timed(REMINDER, fire_reminder)
    registry.add_timed(POST, fire_post)
