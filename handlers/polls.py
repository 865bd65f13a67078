"""/poll: facilitators' polls, native on Telegram and Discord and numbered on the console,
posted into one group chat or into every chat of a bridge (each copy in its chat's
language), the votes of all copies merged into one result per voter, closed by the bot
at the deadline with the results as text and as a bar chart in every copy's chat.
Anonymous polls on Telegram name no voter: their copies count by the totals Telegram
reports (POLL_TOTALS), added to the per-voter votes of the other copies.

Syntax (flags before or after the poll):
    /poll [--anonymous|--public] [--multiple] [--for 2d] [--bridge] [xx:] Question | A | B
          [|| fr: Question | A | B] [|| es: …]
    /poll bridge <name> …     /poll list     /poll results <n>     /poll close <n>
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.charts import bar_chart
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.exports import write_export
from bot.i18n import N_, _, format_datetime, format_ratio, ngettext, rtl_marked, use_language
from bot.model import Attachment, ChatKind, ChatRef, OutboundMessage, Poll, poll_key
from bot.outbox import INTERACTIVE, SCHEDULED
from bot.relay import NoTranslation
from bot.scheduler import Firing
from bot.services import Services
from storage.bridges import BridgeChannel
from storage.outbox import OutboxItem
from storage.polls import PollCopy, PollRecord, PollRepository, Tally
from storage.schedules import NewSchedule, Schedule

log = logging.getLogger("handlers.polls")

CLOSE = "poll_close"  # schedule kind: close a poll at its deadline
COPY_KEY = "poll:"  # outbox dedupe keys "poll:<id>:<platform>:<chat>": the copies
STOP_KEY = "pollstop:"
RESULT_KEY = "pollresult:"

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION, MAX_OPTION = 300, 100
# What each platform's native poll takes (Discord: 55 characters an option); a longer
# copy is shortened there, and the results text carries the whole wording.
OPTION_LIMIT = {"discord": 55}
MIN_DURATION, MAX_DURATION = timedelta(minutes=5), timedelta(weeks=4)
DEFAULT_DURATION = timedelta(days=1)
BAR_CELLS = 10
# Per the adapter contract (bot/adapters/base.py): Discord reports single votes added or
# removed; the other platforms report the voter's whole current choice.
INCREMENTAL_VOTES = frozenset({"discord"})
# Platforms whose "poll" shows no sign of a vote taken: the voter is told in words.
ACKNOWLEDGE_VOTES = frozenset({"console"})
# Discord polls always show who voted: "anonymous" cannot be honoured there.
VISIBLE_VOTERS = frozenset({"discord"})

_DURATION = re.compile(r"(\d+)\s*(min|[mhdw])")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LANGUAGE_PREFIX = re.compile(r"^([A-Za-z]{2})\s*:\s*(.*)$", re.S)
FLAGS = ("--anonymous", "--public", "--multiple", "--for", "--bridge")


class PollInputError(Exception):
    """What is wrong with a /poll, already in the reader's language."""


@dataclass
class PollSpec:
    question: str
    options: list[str]
    language: str  # of the original wording
    translations: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    anonymous: bool = False
    multiple: bool = False
    duration: timedelta = DEFAULT_DURATION
    bridge: bool = False  # --bridge: every chat of this chat's bridge


def parse_duration(text: str) -> timedelta:
    """"30m", "2h", "3d", "1w", "1d12h" -> a duration within the limits; else
    PollInputError."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise PollInputError(_("I could not read the duration \"{text}\": write minutes, "
                               "hours, days or weeks, like 30m, 2h, 3d or 1w.").format(
            text=text[:20]))
    try:
        duration = sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), timedelta())
    except OverflowError:  # more days than a timedelta holds ("--for 99999999999d")
        duration = MAX_DURATION + timedelta(days=1)
    if duration < MIN_DURATION:
        raise PollInputError(_("A poll stays open at least 5 minutes."))
    if duration > MAX_DURATION:
        raise PollInputError(_("A poll stays open at most 4 weeks."))
    return duration


def _split_flags(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Flags (with --for's value) taken from the start and the end of the words; the words
    in between are the poll, where "--" is just text."""
    flags: list[str] = []
    while tokens and tokens[0].startswith("--"):
        flag = tokens.pop(0)
        flags.append(flag)
        if flag.lower() == "--for" and tokens:
            flags.append(tokens.pop(0))
    tail: list[str] = []
    while tokens:
        if len(tokens) >= 2 and tokens[-2].lower() == "--for":
            tail[:0] = tokens[-2:]
            del tokens[-2:]
        elif tokens[-1].startswith("--"):
            tail.insert(0, tokens.pop())
        else:
            break
    return flags + tail, tokens


def _check(question: str, options: list[str]) -> None:
    if not question:
        raise PollInputError(_("The question is empty: write it before the first |."))
    if len(question) > MAX_QUESTION:
        raise PollInputError(_("The question is too long: {length} characters, at most "
                               "{max}.").format(length=len(question), max=MAX_QUESTION))
    if len(options) < MIN_OPTIONS:
        raise PollInputError(_("A poll needs at least {min} options; this one has {count}."
                               ).format(min=MIN_OPTIONS, count=len(options)))
    if len(options) > MAX_OPTIONS:
        raise PollInputError(_("A poll has at most {max} options; this one has {count}."
                               ).format(max=MAX_OPTIONS, count=len(options)))
    for n, option in enumerate(options, 1):
        if not option:
            raise PollInputError(_("Option {n} is empty: remove the extra |.").format(n=n))
        if len(option) > MAX_OPTION:
            raise PollInputError(_("Option {n} is too long: {length} characters, at most "
                                   "{max}.").format(n=n, length=len(option), max=MAX_OPTION))
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            raise PollInputError(_("The option \"{option}\" is there twice.").format(
                option=option))
        seen.add(option.casefold())


def _section(text: str) -> tuple[str, list[str]]:
    question, *options = (part.strip() for part in text.split("|"))
    return question, options


def parse_poll(text: str, language: str, languages: tuple[str, ...]) -> PollSpec:
    """Read `/poll`'s arguments; `language` is the original's unless it starts with "xx:".
    Raises PollInputError with the specific problem."""
    flags, words = _split_flags(text.split())
    spec = PollSpec("", [], language)
    chosen: set[str] = set()
    i = 0
    while i < len(flags):
        flag = flags[i].lower()
        name, _sep, value = flag.partition("=")
        if name not in FLAGS:
            raise PollInputError(_("I don't know the option {flag}. Options: {flags}.").format(
                flag=flags[i][:30], flags=", ".join(FLAGS)))
        chosen.add(name)
        if name == "--for":
            if not value:
                i += 1
                if i >= len(flags):
                    raise PollInputError(_("Say how long after --for, like --for 2d."))
                value = flags[i]
            spec.duration = parse_duration(value)
        i += 1
    if {"--anonymous", "--public"} <= chosen:
        raise PollInputError(_("Choose --anonymous or --public, not both."))
    spec.anonymous = "--anonymous" in chosen
    spec.multiple = "--multiple" in chosen
    spec.bridge = "--bridge" in chosen
    body = " ".join(words)
    if "|" not in body:
        raise PollInputError(_("Write the question, then the options, separated by |: "
                               "{example}").format(
            example=_("/poll Which day suits you? | Monday | Tuesday | Wednesday")))
    first, *others = body.split("||")
    prefix = _LANGUAGE_PREFIX.match(first.strip())
    if prefix and prefix.group(1).lower() in languages:
        spec.language = prefix.group(1).lower()
        first = prefix.group(2)
    spec.question, spec.options = _section(first)
    _check(spec.question, spec.options)
    for section in others:
        tagged = _LANGUAGE_PREFIX.match(section.strip())
        if not tagged:
            raise PollInputError(_("Each translation after {sep} starts with its language "
                                   "code, like {sep} fr: Question | option | option.").format(
                sep="||"))
        code = tagged.group(1).lower()
        if code not in languages:
            raise PollInputError(_("{code} is not one of the bot's languages ({languages})."
                                   ).format(code=code, languages=", ".join(languages)))
        if code == spec.language or code in spec.translations:
            raise PollInputError(_("The poll has its {code} wording twice.").format(code=code))
        question, options = _section(tagged.group(2))
        try:
            _check(question, options)
        except PollInputError as exc:
            raise PollInputError(f"{code}: {exc}") from None
        if len(options) != len(spec.options):
            raise PollInputError(_("The {code} translation has {count} options; the poll has "
                                   "{expected}.").format(code=code, count=len(options),
                                                         expected=len(spec.options)))
        spec.translations[code] = (question, options)
    return spec


# --- posting ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Wording:
    question: str
    options: list[str]
    how: str  # "original" | "provided" | "machine" | "failed"


async def wordings(services: Services, spec: PollSpec, languages: set[str]
                   ) -> dict[str, Wording]:
    """The poll in each language: as written, the facilitator's translation, else the
    relay's machine translation (when an engine is configured), else as written."""
    result: dict[str, Wording] = {}
    original = Wording(spec.question, spec.options, "original")
    for language in languages:
        if language == spec.language:
            result[language] = original
        elif language in spec.translations:
            question, options = spec.translations[language]
            result[language] = Wording(question, options, "provided")
    todo = languages - set(result)
    translator = services.relay.translator
    if not todo or isinstance(translator, NoTranslation):
        return result | {language: original for language in todo}
    texts = [spec.question, *spec.options]
    outcomes = await asyncio.gather(*(translator.translate_for(t, todo, source_hint=spec.language)
                                      for t in texts))
    for language in todo:
        if any(language in o.failed for o in outcomes):
            result[language] = Wording(spec.question, spec.options, "failed")
            continue
        translated = [o.texts.get(language, t) for o, t in zip(outcomes, texts, strict=True)]
        result[language] = Wording(translated[0][:MAX_QUESTION],
                                   [t[:MAX_OPTION] for t in translated[1:]], "machine")
    return result


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def native_poll(copy: PollCopy, record: PollRecord, seconds: int) -> Poll:
    limit = OPTION_LIMIT.get(copy.platform, MAX_OPTION)
    return Poll(question=_fit(copy.question, MAX_QUESTION),
                options=[_fit(o, limit) for o in copy.options], anonymous=record.anonymous,
                multiple=record.multiple, close_after_seconds=seconds)


def copy_key(poll_id: int, copy: PollCopy, prefix: str = COPY_KEY) -> str:
    return f"{prefix}{poll_id}:{copy.platform}:{copy.chat_id}"


def _chat(copy: PollCopy) -> ChatRef:
    return ChatRef(copy.platform, copy.chat_id, ChatKind(copy.chat_kind), title=copy.title)


async def _targets(ctx: Context, spec: PollSpec, bridge_name: str | None
                   ) -> list[BridgeChannel] | None:
    """The chats the poll goes to (a bridge's, or this group chat); None after telling the
    facilitator why there are none."""
    s = ctx.services
    chat = ctx.event.chat
    if bridge_name is None and spec.bridge:
        here = await s.relay.channel_of(ctx.event)
        if here is None:
            await ctx.reply(_("This chat is not linked to a bridge: leave out --bridge, or "
                              "name one with {command}.").format(
                command=ctx.command("poll bridge <name> …")))
            return None
        bridge_name = here.bridge_name
    if bridge_name is not None:
        bridge_id = await s.relay.bridges.id_of(bridge_name)
        if bridge_id is None:
            await ctx.reply(_("There is no bridge called {name}. See {command}.").format(
                name=bridge_name[:40], command=ctx.command("bridge list")))
            return None
        channels = await s.relay.bridges.channels(bridge_id)
        if not channels:
            await ctx.reply(_("The bridge {name} has no chats yet.").format(name=bridge_name))
            return None
        return channels
    if chat.is_private:
        await ctx.reply(_("Post a poll in a group chat, or into every chat of a bridge with "
                          "{command}.").format(command=ctx.command("poll bridge <name> …")))
        return None
    stored = await s.chats.get(chat.platform, chat.chat_id)
    language = (stored.language if stored else None) or spec.language
    return [BridgeChannel(0, "", chat.platform, chat.chat_id, chat.kind.value, language,
                          chat.title)]


def _how(wording: Wording) -> str:
    return {"original": _("as written"), "provided": _("your translation"),
            "machine": _("machine translation"),
            "failed": _("as written (the translation failed)")}[wording.how]


async def create(ctx: Context, text: str, bridge_name: str | None) -> None:
    s = ctx.services
    try:
        spec = parse_poll(text, ctx.language.code, s.catalogs.languages)
    except PollInputError as exc:
        await ctx.reply(str(exc))
        return
    channels = await _targets(ctx, spec, bridge_name)
    if channels is None:
        return
    texts = await wordings(s, spec, {c.language for c in channels})
    copies = [PollCopy(0, c.platform, c.chat_id, c.chat_kind, c.title, c.language,
                       texts[c.language].question, texts[c.language].options)
              for c in channels]
    repo = PollRepository(s.db)
    now = s.clock.timestamp()
    closes_at = now + spec.duration.total_seconds()
    shared = channels[0].bridge_name or None  # "" for a single group chat
    poll_id = await repo.create(ctx.participant.id, spec.question, spec.options, spec.language,
                                spec.anonymous, spec.multiple, shared, now, closes_at,
                                copies)
    chat = ctx.event.chat
    schedule_id = await s.schedules.add(NewSchedule(
        kind=CLOSE, participant_id=ctx.participant.id, platform=chat.platform,
        chat_id=chat.chat_id, chat_kind=chat.kind.value, payload={"poll": poll_id},
        timezone=ctx.zone.key, next_at=closes_at), now)
    await repo.set_schedule(poll_id, schedule_id)
    await s.scheduler.rearm()
    record = await repo.get(poll_id)
    assert record is not None
    seconds = int(spec.duration.total_seconds())
    for copy in copies:
        msg = OutboundMessage(chat=_chat(copy), text=copy.question,
                              poll=native_poll(copy, record, seconds),
                              dedupe_key=copy_key(poll_id, copy))
        await s.outbox.enqueue(msg, priority=INTERACTIVE)
    when = format_datetime(datetime.fromtimestamp(closes_at, UTC), ctx.zone)
    lines = [ngettext("Poll #{n} is posted in {count} chat and closes on {when}.",
                      "Poll #{n} is posted in {count} chats and closes on {when}.",
                      len(copies)).format(n=poll_id, count=len(copies), when=when)
             + " " + _("{results} shows the votes so far; {close} closes it now.").format(
                 results=ctx.command(f"poll results {poll_id}"),
                 close=ctx.command(f"poll close {poll_id}"))]
    if len(copies) > 1:
        lines += [f"· {c.platform}:{c.title or c.chat_id} ({c.language}): "
                  f"{_how(texts[c.language])}" for c in copies]
    if spec.anonymous and any(c.platform in VISIBLE_VOTERS for c in copies):
        lines.append(_("Note: Discord always shows who voted in a poll."))
    await ctx.reply("\n".join(lines))


# --- votes ------------------------------------------------------------------------------

async def on_poll_answer(ctx: Context) -> None:
    event = ctx.event
    if not event.poll_id or not ctx.participant.id:
        return
    s = ctx.services
    repo = PollRepository(s.db)
    copy = await repo.find_copy(event.platform, event.poll_id, event.chat.chat_id)
    if copy is None:
        return  # not one of ours (another feature's poll)
    poll = await repo.get(copy.poll_id)
    if poll is None or not poll.is_open:
        return
    if not all(0 <= i < len(poll.options) for i in event.option_ids):
        log.warning("poll %d: vote for an option out of range ignored", poll.id)
        return
    chosen = set(event.option_ids)
    current = await repo.vote_of(poll.id, ctx.participant.id)
    if event.platform in INCREMENTAL_VOTES:
        same_copy = current is not None and \
            (current.platform, current.chat_id) == (copy.platform, copy.chat_id)
        base = set(current.options) if current is not None and same_copy else set()
        if event.text == "remove":
            if not same_copy:
                return  # their vote stands, cast in another copy
            choice = base - chosen
        else:
            choice = base | chosen if poll.multiple else chosen
    else:
        choice = chosen
    if len(choice) > 1 and not poll.multiple:
        log.warning("poll %d: several answers to a one-answer poll ignored", poll.id)
        return
    await repo.set_vote(poll.id, ctx.participant.id, sorted(choice), copy.platform,
                        copy.chat_id, s.clock.timestamp())
    if event.platform in ACKNOWLEDGE_VOTES:
        if choice:
            await ctx.reply(_("Your vote is counted: {choice}.").format(
                choice=", ".join(copy.options[i] for i in sorted(choice))))
        else:
            await ctx.reply(_("Your vote is withdrawn."))


async def on_poll_totals(ctx: Context) -> None:
    """The current totals of an anonymous copy (Telegram names no voter there): they
    replace that copy's earlier totals. A public poll's votes come one voter at a time
    (on_poll_answer), so totals for it are ignored: they would count its votes twice."""
    event = ctx.event
    counts = event.option_counts
    if not event.poll_id or counts is None:
        return
    s = ctx.services
    repo = PollRepository(s.db)
    copy = await repo.find_copy(event.platform, event.poll_id)
    if copy is None:
        return  # not one of ours (another feature's poll)
    poll = await repo.get(copy.poll_id)
    if poll is None or not poll.is_open or not poll.anonymous:
        return
    voters = event.voter_count
    if voters is None:  # at least the busiest option's voters; exactly the sum for one answer
        voters = max(counts, default=0) if poll.multiple else sum(counts)
    if len(counts) != len(poll.options) or min(counts, default=0) < 0 or voters < 0:
        log.warning("poll %d: totals that do not fit the poll ignored", poll.id)
        return
    await repo.set_totals(poll.id, copy.platform, copy.chat_id, list(counts), voters,
                          s.clock.timestamp())


# --- results and closing ----------------------------------------------------------------

def text_bar(share: float) -> str:
    full = round(share * BAR_CELLS)
    return "█" * full + "░" * (BAR_CELLS - full)


def results_text(record: PollRecord, question: str, labels: list[str], tally: Tally,
                 *, final: bool, closes: str = "") -> str:
    """The results in the active language: one numbered line per option (the chart's
    numbers), its votes, share of the voters and a text bar."""
    if final:
        lines = [_("📊 Results of the poll: {question}").format(question=question)]
    else:
        lines = [_("📊 Votes so far (poll #{n}, open until {when}): {question}").format(
            n=record.id, when=closes, question=question)]
    for n, (label, count) in enumerate(zip(labels, tally.counts, strict=True), 1):
        share = count / tally.voters if tally.voters else 0.0
        lines.append(_("{number}. {option}: {bar} {votes} ({percent})").format(
            number=n, option=label, bar=text_bar(share),
            votes=ngettext("{n} vote", "{n} votes", count).format(n=count),
            percent=format_ratio(share)))
    lines.append(ngettext("{n} person voted.", "{n} people voted.", tally.voters).format(
        n=tally.voters))
    if record.multiple:
        lines.append(_("Several answers were allowed: each share is of the people who voted."))
    return "\n".join(lines)


def chart(services: Services, record: PollRecord, language: str, question: str,
          labels: list[str], tally: Tally) -> Attachment:
    data = bar_chart(labels, tally.counts, tally.voters, title=question)
    return write_export(services, f"poll-{record.id}-{language}", ".png", data)


async def close_poll(services: Services, poll_id: int) -> int | None:
    """Close the poll (it takes no more votes), stop every native copy and post the results
    in every copy's chat, each in the chat's language; returns the number of chats, None
    for no such poll. Safe to run twice (after a crash, or a deadline after an early
    close): the results go out once."""
    repo = PollRepository(services.db)
    record = await repo.get(poll_id)
    if record is None:
        return None
    now = services.clock.timestamp()
    await repo.close(poll_id, now)
    copies = await repo.copies(poll_id)
    already = await services.outbox.repo.counts_for_prefix(f"{RESULT_KEY}{poll_id}:")
    if already.pending + already.sent + already.failed:
        return len(copies)
    tally = await repo.tally(poll_id, len(record.options))
    charts: dict[str, Attachment] = {}
    for copy in copies:
        if copy.native_id:
            await services.outbox.enqueue(OutboundMessage(
                chat=_chat(copy), text="", action="stop_poll", target_native_id=copy.native_id,
            ), priority=SCHEDULED, dedupe_key=copy_key(poll_id, copy, STOP_KEY))
        with use_language(services.language_for(copy.language)) as pack:
            text = results_text(record, copy.question, copy.options, tally, final=True)
            if copy.language not in charts:
                charts[copy.language] = chart(services, record, copy.language, copy.question,
                                              copy.options, tally)
            await services.outbox.enqueue(OutboundMessage(
                chat=_chat(copy), text=rtl_marked(text, pack),
                attachments=[charts[copy.language]],
            ), priority=SCHEDULED, dedupe_key=copy_key(poll_id, copy, RESULT_KEY))
    if record.schedule_id is not None and await services.schedules.cancel(record.schedule_id):
        await services.scheduler.rearm()
    log.info("poll %d closed: %d voters, results to %d chats", poll_id, tally.voters,
             len(copies))
    return len(copies)


async def fire_close(services: Services, schedule: Schedule, firing: Firing) -> None:
    await close_poll(services, int(schedule.data["poll"]))


async def record_copy(services: Services, item: OutboxItem, msg: OutboundMessage,
                      native_id: str) -> None:
    """Outbox hook: a copy of a poll went out; remember its native id, which votes name.
    A copy that went out after its poll was closed (its platform was down) is stopped."""
    if msg.action != "send" or msg.poll is None or \
            not (item.dedupe_key or "").startswith(COPY_KEY):
        return
    poll_id = int((item.dedupe_key or "").split(":")[1])
    repo = PollRepository(services.db)
    await repo.record_sent(poll_id, msg.chat.platform, msg.chat.chat_id, native_id,
                           poll_key(native_id))
    record = await repo.get(poll_id)
    if record is not None and not record.is_open:
        await services.outbox.enqueue(OutboundMessage(
            chat=msg.chat, text="", action="stop_poll", target_native_id=native_id,
        ), priority=SCHEDULED, dedupe_key=f"{STOP_KEY}{poll_id}:{msg.chat.platform}:"
                                          f"{msg.chat.chat_id}")


async def install_hook(services: Services) -> None:
    services.outbox.on_sent.append(functools.partial(record_copy, services))


# --- /poll list, results, close ---------------------------------------------------------

def _number(text: str) -> int | None:
    text = text.lstrip("#")
    return int(text) if text.isdigit() else None


async def _find(ctx: Context, text: str) -> PollRecord | None:
    poll_id = _number(text)
    record = await PollRepository(ctx.services.db).get(poll_id) if poll_id else None
    if record is None:
        await ctx.reply(_("There is no poll #{n}. See {command}.").format(
            n=text[:10], command=ctx.command("poll list")))
    return record


async def show_results(ctx: Context, record: PollRecord) -> None:
    s = ctx.services
    repo = PollRepository(s.db)
    copies = await repo.copies(record.id)
    mine = next((c for c in copies if c.language == ctx.language.code), None)
    question, labels = (mine.question, mine.options) if mine else (record.question,
                                                                     record.options)
    tally = await repo.tally(record.id, len(record.options))
    closes = format_datetime(datetime.fromtimestamp(record.closes_at, UTC), ctx.zone)
    text = results_text(record, question, labels, tally, final=not record.is_open,
                        closes=closes)
    await ctx.send(ctx.event.chat, text, reply_to=ctx.event.native_id,
                   attachments=[chart(s, record, ctx.language.code, question, labels, tally)])


async def list_polls(ctx: Context) -> None:
    s = ctx.services
    repo = PollRepository(s.db)
    latest = await repo.latest(10)
    if not latest:
        await ctx.reply(_("No poll yet. Create one with {example}").format(
            example=_("/poll Which day suits you? | Monday | Tuesday | Wednesday")))
        return
    lines = [_("Polls:")]
    for record in latest:
        voters = (await repo.tally(record.id, len(record.options))).voters
        if record.is_open:
            state = _("open until {when}").format(when=format_datetime(
                datetime.fromtimestamp(record.closes_at, UTC), ctx.zone))
        else:
            state = _("closed on {when}").format(when=format_datetime(
                datetime.fromtimestamp(record.closed_at or 0, UTC), ctx.zone))
        where = record.bridge_name or ""
        lines.append(f"#{record.id} · {state} · " + ngettext(
            "{n} voter", "{n} voters", voters).format(n=voters)
            + (f" · {where}" if where else "") + f" · {record.question[:60]}")
    await ctx.reply("\n".join(lines))


async def usage(ctx: Context) -> None:
    await ctx.reply(_(
        "Create a poll: {example}\n"
        "Options: --anonymous or --public (the default), --multiple (several answers), "
        "--for 30m, 2h, 3d or 1w (default: 1 day), --bridge (every chat of this chat's "
        "bridge). Into a bridge from anywhere: {bridge}. Your own translations: add "
        "{sep} fr: Question | option | option.\n"
        "Also: {list}, {results}, {close}.").format(
        example=_("/poll Which day suits you? | Monday | Tuesday | Wednesday"), sep="||",
        bridge=ctx.command("poll bridge <name> …"), list=ctx.command("poll list"),
        results=ctx.command("poll results <n>"), close=ctx.command("poll close <n>")))


async def poll(ctx: Context) -> None:
    args = ctx.event.args
    sub = args[0].lower() if args else ""
    plain = "|" not in ctx.event.args_text
    if not args or (sub == "help" and len(args) == 1):
        await usage(ctx)
    elif sub == "list" and len(args) == 1:
        await list_polls(ctx)
    elif sub in ("results", "close") and plain and len(args) <= 2:
        if len(args) == 1:
            await ctx.reply(_("Which poll? For example {command}. See {list}.").format(
                command=ctx.command(f"poll {sub} 1"), list=ctx.command("poll list")))
            return
        record = await _find(ctx, args[1])
        if record is None:
            return
        if sub == "results":
            await show_results(ctx, record)
        elif not record.is_open:
            await ctx.reply(_("Poll #{n} is already closed.").format(n=record.id))
        else:
            count = await close_poll(ctx.services, record.id)
            await ctx.reply(ngettext("Poll #{n} is closed; its results are posted in {count} "
                                     "chat.", "Poll #{n} is closed; its results are posted in "
                                     "{count} chats.", count or 0).format(n=record.id,
                                                                          count=count or 0))
    elif sub == "bridge" and len(args) >= 2 and "|" not in args[1]:
        await create(ctx, " ".join(args[2:]), bridge_name=args[1])
    else:
        await create(ctx, ctx.event.args_text, bridge_name=None)


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("poll", poll,
                         N_("Post a poll here or into a bridge; also list, results, close"),
                         usage=N_("<question> | <option> | <option> …"),
                         facilitator_only=True))
    registry.add_event_handler("poll_answer", on_poll_answer)
    registry.add_event_handler("poll_totals", on_poll_totals)
    registry.add_timed(CLOSE, fire_close)
    registry.startup.append(install_hook)
