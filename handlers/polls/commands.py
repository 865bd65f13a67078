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

The text's reading is in handlers/polls/text.py; the results and the closing in
handlers/polls/closing.py.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.args import echo, number
from bot.capabilities import Capabilities
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, comma_list, format_datetime, ngettext
from bot.model import OutboundMessage, Poll
from bot.outbox import INTERACTIVE
from bot.scope import Reach, not_your_chat
from bot.services import Services
from handlers.polls.closing import (
    chart,
    close_poll,
    copy_chat,
    copy_key,
    copy_tag,
    fire_close,
    in_scope,
    install_hook,
    results_text,
)
from handlers.polls.text import MAX_OPTION, MAX_QUESTION, PollInputError, PollSpec, parse_poll
from handlers.relay import NoTranslation
from storage.bridges import BridgeChannel
from storage.polls import PollCopy, PollRecord
from storage.schedules import NewSchedule

log = logging.getLogger("handlers.polls")

CLOSE = "poll_close"  # schedule kind: close a poll at its deadline
LIST_SCAN = 200  # the latest polls looked at for the ten a reader may see

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


def native_poll(copy: PollCopy, record: PollRecord, seconds: int,
                capabilities: Capabilities) -> Poll:
    """The copy as its platform's native poll: an option longer than the platform takes is
    shortened there (the results text carries the whole wording)."""
    limit = min(MAX_OPTION, capabilities.poll_option_length)
    return Poll(question=_fit(copy.question, MAX_QUESTION),
                options=[_fit(o, limit) for o in copy.options], anonymous=record.anonymous,
                multiple=record.multiple, close_after_seconds=seconds)


async def _targets(ctx: Context, spec: PollSpec, bridge_name: str | None
                   ) -> list[BridgeChannel] | None:
    """The chats the poll goes to (a bridge's, or this group chat); None after telling the
    facilitator why there are none."""
    s = ctx.services
    chat = ctx.event.chat
    if bridge_name is None and spec.bridge:
        here = await s.relay.channel_of(ctx.event)
        if here is None:
            await ctx.tell_asker(_("This chat is not linked to a bridge: leave out --bridge, or "
                              "name one with {command}.").format(
                command=ctx.command("poll bridge <name> …")))
            return None
        bridge_name = here.bridge_name
    if bridge_name is not None:
        bridge_id = await s.relay.bridges.id_of(bridge_name)
        if bridge_id is not None and not await ctx.scope.covers_bridge(s.relay.bridges,
                                                                       bridge_id):
            bridge_id = None  # another cohort's bridge is answered as one that does not exist
        if bridge_id is None:
            await ctx.tell_asker(_("There is no bridge called {name}. See {command}.").format(
                name=bridge_name[:40], command=ctx.command("bridge list")))
            return None
        channels = await s.relay.bridges.channels(bridge_id)
        if not channels:
            await ctx.tell_asker(_("The bridge {name} has no chats yet.").format(
                name=bridge_name))
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
        await ctx.tell_asker(str(exc))
        return
    channels = await _targets(ctx, spec, bridge_name)
    if channels is None:
        return
    if not ctx.scope.covers_chats((c.platform, c.chat_id) for c in channels):
        await ctx.tell_asker(not_your_chat(ctx.command("poll")))
        return
    texts = await wordings(s, spec, {c.language for c in channels})
    copies = [PollCopy(0, c.platform, c.chat_id, c.chat_kind, c.title, c.language,
                       texts[c.language].question, texts[c.language].options)
              for c in channels]
    repo = s.polls
    now = s.clock.timestamp()
    closes_at = now + spec.duration.total_seconds()
    shared = channels[0].bridge_name or None  # "" for a single group chat
    poll_id = await repo.create(ctx.participant.id, spec.question, spec.options, spec.language,
                                spec.anonymous, spec.multiple, shared, now, closes_at,
                                copies)
    chat = ctx.event.chat
    schedule_id = await s.schedules.add(NewSchedule(
        # The poll's, not its creator's: it closes even if they have left (/forgetme).
        kind=CLOSE, participant_id=None, platform=chat.platform,
        chat_id=chat.chat_id, chat_kind=chat.kind.value, payload={"poll": poll_id},
        timezone=ctx.zone.key, next_at=closes_at), now)
    await repo.set_schedule(poll_id, schedule_id)
    await s.scheduler.rearm()
    record = await repo.get(poll_id)
    assert record is not None
    seconds = int(spec.duration.total_seconds())
    for copy in copies:
        msg = OutboundMessage(chat=copy_chat(copy), text=copy.question,
                              poll=native_poll(copy, record, seconds,
                                               s.capabilities(copy.platform)),
                              dedupe_key=copy_key(poll_id, copy), tag=copy_tag(poll_id))
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
    # Some platforms' polls always show who voted: "anonymous" cannot be honoured there.
    if spec.anonymous and any(not s.capabilities(c.platform).anonymous_polls
                              for c in copies):
        lines.append(_("Note: Discord always shows who voted in a poll."))
    await ctx.reply("\n".join(lines))


# --- votes ------------------------------------------------------------------------------

async def on_poll_answer(ctx: Context) -> None:
    event = ctx.event
    if not event.poll_id or not ctx.participant.id:
        return
    s = ctx.services
    repo = s.polls
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
    # Some platforms report single votes added or removed (bot/adapters/base.py), the
    # others the voter's whole current choice.
    if ctx.capabilities.incremental_votes:
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
    if ctx.capabilities.silent_votes:  # nothing shows the vote was taken: say so
        if choice:
            await ctx.reply(_("Your vote is counted: {choice}.").format(
                choice=comma_list(copy.options[i] for i in sorted(choice))))
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
    repo = s.polls
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


# --- /poll list, results, close ---------------------------------------------------------

async def _find(ctx: Context, text: str) -> PollRecord | None:
    poll_id = number(text)
    record = await ctx.services.polls.get(poll_id) if poll_id else None
    if record is not None and not await in_scope(ctx.services, ctx.scope, record):
        record = None  # another cohort's poll is answered as one that does not exist
    if record is None:
        await ctx.tell_asker(_("There is no poll #{n}. See {command}.").format(
            n=echo(text.lstrip("#")), command=ctx.command("poll list")))
    return record


async def show_results(ctx: Context, record: PollRecord) -> None:
    s = ctx.services
    repo = s.polls
    copies = await repo.copies(record.id)
    mine = next((c for c in copies if c.language == ctx.language.code), None)
    question, labels = (mine.question, mine.options) if mine else (record.question,
                                                                     record.options)
    tally = await repo.tally(record.id, len(record.options))
    closes = format_datetime(datetime.fromtimestamp(record.closes_at, UTC), ctx.zone)
    text = results_text(record, question, labels, tally, final=not record.is_open,
                        closes=closes)
    await ctx.send(ctx.event.chat, text, reply_to=ctx.event.native_id,
                   attachments=[await chart(s, record, ctx.language.code, question, labels, tally)])


async def list_polls(ctx: Context) -> None:
    s = ctx.services
    repo = s.polls
    latest = [r for r in await repo.latest(LIST_SCAN)
              if await in_scope(s, ctx.scope, r)][:10]
    if not latest:
        await ctx.tell_asker(_("No poll yet. Create one with {example}").format(
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
    await ctx.tell_asker(_(
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
            await ctx.tell_asker(_("Which poll? For example {command}. See {list}.").format(
                command=ctx.command(f"poll {sub} 1"), list=ctx.command("poll list")))
            return
        record = await _find(ctx, args[1])
        if record is None:
            return
        if sub == "results":
            await show_results(ctx, record)
        elif not record.is_open:
            await ctx.tell_asker(_("Poll #{n} is already closed.").format(n=record.id))
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
                         facilitator_only=True, scope=Reach.COHORT))
    registry.add_event_handler("poll_answer", on_poll_answer)
    registry.add_event_handler("poll_totals", on_poll_totals)
    registry.add_timed(CLOSE, fire_close)
    registry.startup.append(install_hook)
