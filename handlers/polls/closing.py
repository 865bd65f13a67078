"""A poll's results (text with bars, and a bar chart) and its closing: every copy stopped
and the results posted in each copy's chat; also the outbox hook that records each copy's
native id. Apart from handlers/polls/commands.py (the /poll command and the votes), which uses it.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from bot.charts import bar_chart
from bot.exports import write_export
from bot.i18n import _, format_ratio, ngettext, rtl_marked, use_language
from bot.model import Attachment, ChatKind, ChatRef, MessageAction, OutboundMessage, Tag, poll_key
from bot.outbox import SCHEDULED
from bot.scheduler import Firing
from bot.scope import FacilitatorScope
from bot.services import Services
from storage.outbox import OutboxItem
from storage.polls import PollCopy, PollRecord, Tally
from storage.schedules import Schedule

log = logging.getLogger("handlers.polls")

COPY_KEY = "poll:"  # outbox dedupe keys "poll:<id>:<platform>:<chat>": the copies
COPY = "poll-copy"  # the copies' tag: refs (poll id,)
STOP_KEY = "pollstop:"
RESULT_KEY = "pollresult:"
BAR_CELLS = 10


async def in_scope(services: Services, scope: FacilitatorScope, record: PollRecord) -> bool:
    """A poll the reader may list, read and close: theirs, or one whose every copy is in
    a chat of their cohorts."""
    if scope.everywhere or record.created_by == scope.participant_id:
        return True
    copies = await services.polls.copies(record.id)
    return bool(copies) and scope.covers_chats((c.platform, c.chat_id) for c in copies)


def copy_tag(poll_id: int) -> Tag:
    return Tag(COPY, refs=(poll_id,))


def copy_key(poll_id: int, copy: PollCopy, prefix: str = COPY_KEY) -> str:
    return f"{prefix}{poll_id}:{copy.platform}:{copy.chat_id}"


def copy_chat(copy: PollCopy) -> ChatRef:
    return ChatRef(copy.platform, copy.chat_id, ChatKind(copy.chat_kind), title=copy.title)


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


async def chart(services: Services, record: PollRecord, language: str, question: str,
                labels: list[str], tally: Tally) -> Attachment:
    # Drawn in a thread: a chart is CPU work that would hold up every chat.
    data = await asyncio.to_thread(bar_chart, labels, tally.counts, tally.voters,
                                   title=question)
    return await write_export(services, f"poll-{record.id}-{language}", ".png", data)


async def close_poll(services: Services, poll_id: int) -> int | None:
    """Close the poll (it takes no more votes), stop every native copy and post the results
    in every copy's chat, each in the chat's language; returns the number of chats, None
    for no such poll. Safe to run twice (after a crash, or a deadline after an early
    close): the results go out once."""
    repo = services.polls
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
                chat=copy_chat(copy), text="", action=MessageAction.STOP_POLL,
                target_native_id=copy.native_id,
            ), priority=SCHEDULED, dedupe_key=copy_key(poll_id, copy, STOP_KEY))
        with use_language(services.language_for(copy.language)) as pack:
            text = results_text(record, copy.question, copy.options, tally, final=True)
            if copy.language not in charts:
                charts[copy.language] = await chart(services, record, copy.language,
                                                    copy.question, copy.options, tally)
            await services.outbox.enqueue(OutboundMessage(
                chat=copy_chat(copy), text=rtl_marked(text, pack),
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
    """Outbox hook for COPY tags: a copy of a poll went out; remember its native id, which
    votes name. A copy that went out after its poll was closed (its platform was down) is
    stopped."""
    if msg.action is not MessageAction.SEND or msg.poll is None or msg.tag is None \
            or not msg.tag.refs:
        return
    poll_id = msg.tag.refs[0]
    repo = services.polls
    await repo.record_sent(poll_id, msg.chat.platform, msg.chat.chat_id, native_id,
                           poll_key(native_id))
    record = await repo.get(poll_id)
    if record is not None and not record.is_open:
        await services.outbox.enqueue(OutboundMessage(
            chat=msg.chat, text="", action=MessageAction.STOP_POLL, target_native_id=native_id,
        ), priority=SCHEDULED, dedupe_key=f"{STOP_KEY}{poll_id}:{msg.chat.platform}:"
                                          f"{msg.chat.chat_id}")


async def install_hook(services: Services) -> None:
    services.outbox.subscribe(COPY, on_sent=functools.partial(record_copy, services))
