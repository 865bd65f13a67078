"""The reader's data: /whoami (a summary), /mydata (everything, as a JSON file) and
/forgetme (delete it, after a confirmation)."""

from __future__ import annotations

import json
import logging
import os
from datetime import timedelta
from pathlib import Path

from bot.buttons import parse_int
from bot.clock import from_iso
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.conversations import Conversation
from bot.i18n import LANGUAGE_NAMES, N_, _, comma_list, format_datetime, rtl_marked, use_language
from bot.model import Attachment, AttachmentKind, Button, ChatKind, ChatRef, OutboundMessage
from bot.scheduler import Firing
from bot.services import Services
from handlers.surveys import booking_erased, booking_of
from storage.schedules import NewSchedule, Schedule

log = logging.getLogger("bot.privacy")

FORGET = "forget"
# For ten minutes after the question, what the person types in private is their answer.
CONVERSATION = "forgetme"
CONFIRM_WITHIN = timedelta(minutes=10)
# An export file is deleted a day after it was made (time enough to be uploaded).
EXPORT_KEPT = timedelta(days=1)
EXPORT_EXPIRY = "mydata-expiry"
# The farewell message is removed from the outbox once it has been sent.
FAREWELL_PURGE = "forgetme-purge"
PURGE_AFTER = timedelta(minutes=1)
PURGE_GIVE_UP = timedelta(days=2)


async def whoami(ctx: Context) -> None:
    s = ctx.services
    p = await ctx.reload_participant()
    accounts = await s.participants.accounts_of(p.id)

    def when(stamp: str | None) -> str:
        return format_datetime(from_iso(stamp), ctx.zone) if stamp else "—"

    if p.consent == "given":
        consent = _("given on {date}").format(date=when(p.consent_at))
    elif p.consent == "declined":
        consent = _("declined on {date}").format(date=when(p.consent_at))
    elif p.consent_asked_at:
        consent = _("asked on {date}, not answered yet").format(date=when(p.consent_asked_at))
    else:
        consent = _("not asked yet")
    lines = [
        _("What I store about you:"),
        "• " + _("Participant number: {id}").format(id=p.id),
        "• " + _("Language: {language}").format(
            language=LANGUAGE_NAMES.get(p.language or "", _("not chosen yet"))),
        "• " + _("Time zone: {zone}").format(zone=ctx.zone.key),
        "• " + _("Consent: {consent}").format(consent=consent),
        "• " + _("First contact: {date}").format(date=when(p.created_at)),
        "• " + _("Accounts:"),
    ]
    lines += [
        "   – " + _("{platform}: {name} (since {date})").format(
            platform=a.platform.capitalize(), name=a.display_name, date=when(a.linked_at))
        for a in accounts
    ]
    roles = [_("facilitator")] if ctx.is_facilitator else []
    lines.append("• " + _("Roles: {roles}").format(roles=comma_list(roles) or _("participant")))
    await ctx.reply_private("\n".join(lines))


def _private_chat(ctx: Context) -> ChatRef:
    return ChatRef(ctx.platform, ctx.event.author.user_id, ChatKind.PRIVATE)


async def _send(ctx: Context, msg: OutboundMessage, dedupe_key: str | None = None
                ) -> int | None:
    msg.text = rtl_marked(msg.text, ctx.language)
    return await ctx.services.outbox.enqueue(msg, dedupe_key=dedupe_key)


async def _in_group_note(ctx: Context) -> None:
    if not ctx.event.chat.is_private:
        await ctx.reply(_("I have answered you in a private message."))


# --- /mydata ---------------------------------------------------------------------------


def write_export(folder: Path, participant_id: int, stamp: str, document: object) -> Path:
    """The file, readable by the bot's user only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"mydata-{participant_id}-{stamp}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=2)
    os.chmod(path, 0o600)
    return path


async def mydata(ctx: Context) -> None:
    s = ctx.services
    pid = ctx.participant.id
    now = s.clock.now()
    tables = await s.personal_data.export(pid)
    document = {
        "participant_id": pid,
        "exported_at": now.isoformat(timespec="seconds"),
        "about": "Every row of the bot's database that refers to you, table by table.",
        "tables": tables,
    }
    path = write_export(s.personal_data.exports_dir(), pid, now.strftime("%Y%m%dT%H%M%SZ"),
                        document)
    rows = sum(len(r) for r in tables.values())
    chat = _private_chat(ctx)
    item_id = await _send(ctx, OutboundMessage(
        chat, _("Here is everything I store about you: {rows} records from {tables} tables, "
                "in one JSON file. Type {command} if you want me to delete it all.").format(
            rows=rows, tables=len(tables), command=ctx.command("forgetme")),
        attachments=[Attachment(kind=AttachmentKind.DOCUMENT, file_name=path.name, path=str(path),
                                mime="application/json")]))
    await s.schedules.add(NewSchedule(
        kind=EXPORT_EXPIRY, participant_id=pid, platform=chat.platform, chat_id=chat.chat_id,
        chat_kind=chat.kind.value, payload={"file": path.name, "message": item_id},
        timezone="UTC", next_at=(now + EXPORT_KEPT).timestamp()), s.clock.timestamp())
    await s.scheduler.rearm()
    await _in_group_note(ctx)


async def export_expired(services: Services, schedule: Schedule, firing: Firing) -> None:
    """Delete the export a day after it was made, unless the message carrying it is still
    waiting for its platform: then a day after that, and so on until it has gone out (or
    failed for good)."""
    name = Path(str(schedule.data.get("file", ""))).name  # never a path out of the folder
    if not name:
        return
    message = schedule.data.get("message")
    item = await services.outbox.repo.get(int(message)) if isinstance(message, int) else None
    if item is not None and item.status in ("pending", "sending"):
        await services.schedules.add(NewSchedule(
            kind=EXPORT_EXPIRY, participant_id=schedule.participant_id,
            platform=schedule.platform, chat_id=schedule.chat_id,
            chat_kind=schedule.chat_kind, payload=schedule.data, timezone="UTC",
            next_at=(firing.occurrence + EXPORT_KEPT).timestamp()),
            services.clock.timestamp())
        return
    (services.personal_data.exports_dir() / name).unlink(missing_ok=True)


# --- /forgetme -------------------------------------------------------------------------


def _confirm_buttons(ctx: Context) -> list[list[Button]]:
    stamp = int(ctx.services.clock.timestamp())
    return [[Button(_("Yes, delete everything"), f"{FORGET}:yes:{ctx.participant.id}:{stamp}"),
             Button(_("Cancel"), f"{FORGET}:no")]]


async def _ask(ctx: Context, text: str) -> None:
    await _send(ctx, OutboundMessage(_private_chat(ctx), text, buttons=_confirm_buttons(ctx)))
    await ctx.services.conversations.begin(ctx.participant.id, CONVERSATION,
                                           within=CONFIRM_WITHIN)


async def forgetme(ctx: Context) -> None:
    await _ask(ctx, _(
        "This deletes everything I store about you: your accounts on every platform you "
        "linked, your language, time zone and consent, your roles, reminders, progress and "
        "the map of the messages you wrote in linked chats. Anonymous counts stay. It "
        "cannot be undone. What you wrote stays in the chats themselves: the platforms "
        "keep it. Delete everything?"))
    await _in_group_note(ctx)


async def typed_answer(ctx: Context) -> bool:
    """A typed answer to the /forgetme question (the conversation waiting for it): the
    buttons' words count; anything else gets the question again, said plainly."""
    typed = ctx.event.text.strip().casefold()
    if typed == _("Yes, delete everything").casefold():
        await erase(ctx)
    elif typed == _("Cancel").casefold():
        await cancelled(ctx)
    else:
        await _ask(ctx, _("I did not understand. To delete everything I store about you, "
                          "press \"{yes}\"; to keep it, press \"{cancel}\".").format(
            yes=_("Yes, delete everything"), cancel=_("Cancel")))
    return True


async def cancelled(ctx: Context) -> bool:
    """"Cancel", typed or pressed, or /cancel."""
    await ctx.services.conversations.end(ctx.participant.id, CONVERSATION)
    await ctx.reply(_("Nothing was deleted."))
    return True


async def forget_chosen(ctx: Context) -> None:
    answer, *rest = ctx.callback_payload.split(":")
    if answer == "no" and not rest:
        await cancelled(ctx)
        return
    numbers = [parse_int(r) for r in rest]
    stamp = numbers[1] if len(numbers) == 2 else None
    if answer != "yes" or stamp is None or numbers[0] != ctx.participant.id:
        await ctx.reply(_("This button no longer works. Please use the command again."))
        return
    if not 0 <= ctx.services.clock.timestamp() - stamp <= CONFIRM_WITHIN.total_seconds():
        await ctx.reply(_("This confirmation has expired. Type {command} to start again."
                          ).format(command=ctx.command("forgetme")))
        return
    await erase(ctx)


async def erase(ctx: Context) -> None:
    """Delete the reader's data, then say goodbye in their language through the outbox,
    to the chat captured before it was deleted."""
    s = ctx.services
    chat = _private_chat(ctx)
    pack = ctx.language
    with use_language(pack):
        farewell = rtl_marked(_(
            "Done: I have deleted everything I stored about you. Your messages remain in "
            "the chats where you wrote them, and their relayed copies in the linked chats; "
            "delete them there if you wish. If you write to me again, I will meet you as a "
            "new person."), pack)
    booked = await booking_of(s, ctx.participant.id)
    result = await s.personal_data.erase(ctx.participant.id)
    if booked is not None:
        await booking_erased(s, booked)
    await s.audit.record(None, ctx.platform, "forgetme", "done", s.clock.now())
    log.info("a participant's data was erased: %d rows in %d tables, %d export file(s)",
             result.rows_changed, len(result.tables), result.files_deleted)
    item_id = await s.outbox.enqueue(OutboundMessage(chat, farewell))
    await _purge_later(s, chat.platform, item_id)


async def _purge_later(services: Services, platform: str, item_id: int | None) -> None:
    """Every minute until it is gone: one schedule row, holding no personal data."""
    now = services.clock.timestamp()
    await services.schedules.add(NewSchedule(
        kind=FAREWELL_PURGE, participant_id=None, platform=platform, chat_id="",
        chat_kind=ChatKind.PRIVATE.value, payload={"outbox_id": item_id, "since": now},
        timezone="UTC", next_at=now + PURGE_AFTER.total_seconds(), recurrence="* * * * *"),
        now)
    await services.scheduler.rearm()


async def farewell_sent(services: Services, schedule: Schedule, firing: Firing) -> None:
    """The farewell is the last row naming the person's chat: deleted once delivered (or
    given up on)."""
    data = schedule.data
    item_id = data.get("outbox_id")
    repo = services.outbox.repo
    item = await repo.get(int(item_id)) if item_id is not None else None
    waited = services.clock.timestamp() - float(data.get("since", 0.0))
    if item is not None and item.status not in ("sent", "failed") \
            and waited < PURGE_GIVE_UP.total_seconds():
        return  # still waiting to be delivered: look again next minute
    if item is not None:
        await repo.remove(item.id)
    await services.schedules.cancel(schedule.id)


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("whoami", whoami, N_("See what I store about you")))
    registry.add(Command("mydata", mydata, N_("Get everything I store about you, as a file")))
    registry.add(Command("forgetme", forgetme, N_("Delete everything I store about you")))
    registry.add_callback(FORGET, forget_chosen)
    registry.add_conversation(Conversation(CONVERSATION, typed_answer, on_cancel=cancelled))
    registry.add_timed(EXPORT_EXPIRY, export_expired)
    registry.add_timed(FAREWELL_PURGE, farewell_sent)
