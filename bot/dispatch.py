"""The dispatcher: every event passes here on its way to a handler.

It drops the bot's own messages (the loop guard lives in the core, not in each adapter),
resolves the participant, sets the reader's language for exactly this event, enforces
facilitator-only commands, and keeps a failing handler from taking the bot down.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import sqlite3
from dataclasses import replace
from datetime import datetime

from bot.adapters.base import RetryLater
from bot.args import BadArgument, cleaned, echo, screen
from bot.buttons import no_longer_works
from bot.commands import Command, CommandRegistry
from bot.consent import CONSENT, ConsentGate, has_consent
from bot.context import Context
from bot.conversation_steps import take_text
from bot.delivery_timing import RetryPolicy, retrying, when_unlocked
from bot.flood import FloodGuard
from bot.i18n import N_, LanguagePack, _, rtl_marked, use_language
from bot.logs import describe, redacted_traceback
from bot.model import Audience, Event, EventKind, MessageAction, OutboundMessage
from bot.scope import FacilitatorScope
from bot.services import Services
from storage.busy import database_locked
from storage.errors import describe as storage_problem
from storage.errors import storage_failure
from storage.participants import Account, Participant

log = logging.getLogger("bot.dispatch")
# An apology the database could not store: one wait for the platform (a 429), then none.
APOLOGY_RETRY = RetryPolicy(max_attempts=2, base_delay=1.0, max_delay=30.0)
# The apology when the database cannot store anything (full disk, I/O error, read-only):
# "try again in a moment" would not be true.
STORAGE_APOLOGY = N_("Sorry, I cannot save anything at the moment (my storage is full or "
                     "failing), so I could not do that. It has been logged; please try "
                     "again later.")
# Events whose handlers may depend on the sender being a facilitator.
_AUTHORISED = frozenset({EventKind.COMMAND, EventKind.CALLBACK})


def _nobody(now: datetime) -> Participant:
    return Participant(0, None, None, None, None, now.isoformat(timespec="seconds"), None, None)


class Dispatcher:
    def __init__(self, services: Services, registry: CommandRegistry):
        self.services = services
        self.registry = registry
        # Commands beyond this pace wait their turn (in their own chat's lane only), never
        # dropped; the person is told once.
        self.command_flood = FloodGuard(limit=services.config.quotas.commands_per_minute)
        self.consent = ConsentGate()

    async def handle(self, event: Event) -> None:
        if event.author.is_bot or event.relay_id is not None:
            return
        event = cleaned(event)  # nothing downstream can store a lone surrogate
        try:
            # A database locked by another process: the event is handled again once it
            # is free (a platform will not send it twice). A handler stopped by the lock
            # had written nothing yet in practice: its first write is what waited.
            await when_unlocked(lambda: self._handle(event),
                                f"{event.kind} event from {event.platform}")
        except sqlite3.OperationalError as exc:
            log.error("database still locked: %s event from %s chat %s not handled\n%s",
                      event.kind, event.platform, event.chat.chat_id, redacted_traceback(exc))

    async def _handle(self, event: Event) -> None:
        try:
            ctx = await self._context(event)
        except Exception as exc:
            if database_locked(exc):
                raise
            if not storage_failure(exc):
                log.error("could not prepare %s event from %s chat %s\n%s", event.kind,
                          event.platform, event.chat.chat_id, redacted_traceback(exc))
                return
            # A newcomer cannot be stored on a full disk: they still hear why.
            log.error("%s: %s event from %s chat %s not handled: %s", self.services.db.path,
                      event.kind, event.platform, event.chat.chat_id, storage_problem(exc))
            if _awaits_answer(event):
                pack = await self._language_without_context(event)
                with use_language(pack):
                    await self._deliver_apology(OutboundMessage(
                        chat=event.chat, text=rtl_marked(_(STORAGE_APOLOGY), pack),
                        reply_to_native_id=event.native_id, audience=Audience.ASKER))
            return
        with use_language(ctx.language):
            try:
                await self._pace_commands(ctx)
                await self._route(ctx)
            except BadArgument as bad:
                # Typed arguments it will not read: the reader is told why; the log says
                # only that it happened (what they typed is theirs).
                log.info("refused the arguments of /%s from participant %d on %s",
                         self._command_name(event), ctx.participant.id, event.platform)
                await ctx.reply(bad.text)
            except Exception as exc:
                if database_locked(exc):
                    raise
                what = (event.kind, self._command_name(event), event.platform,
                        event.chat.chat_id, ctx.participant.id)
                if storage_failure(exc):  # one clear line: no traceback to read through
                    log.error("%s: handler failed: %s /%s on %s chat %s (participant %d): %s",
                              self.services.db.path, *what, storage_problem(exc))
                else:
                    # The exception's type and where, never its message: it may quote the
                    # arguments (bot/logs.py).
                    log.error("handler failed: %s /%s on %s chat %s (participant %d): %s\n%s",
                              *what, describe(exc), redacted_traceback(exc))
                await self._apologise(ctx, exc)
            await self._close_answer(ctx)
            await self._observe(ctx)

    async def _close_answer(self, ctx: Context) -> None:
        """A command is answered where it was asked: when its handler wrote only to the
        author's private chat, a note says so there; when it answered nothing, the
        platform is told the answer is complete (a Discord interaction must be closed,
        or the asker sees "The application did not respond")."""
        event = ctx.event
        if event.kind is not EventKind.COMMAND or ctx.replied or not event.native_id:
            return
        if ctx.sent_privately and not event.chat.is_private:
            await ctx.reply(_("I have answered you in a private message."))
            return
        if event.awaits_settle:
            await self.services.outbox.enqueue(OutboundMessage(
                event.chat, "", action=MessageAction.SETTLE, target_native_id=event.native_id))

    async def _observe(self, ctx: Context) -> None:
        """Observers see every event once it was handled, consumed or not: after, so that
        counting does not hold up an answer or a relayed copy."""
        for name, observe in self.registry.observers if ctx.participant.id else ():
            try:
                await observe(ctx)
            except Exception as exc:  # the event was handled: never handle it again
                if storage_failure(exc):  # a full disk: one line per event, not a traceback
                    log.error("%s: observer %s failed on %s event: %s",
                              self.services.db.path, name, ctx.event.kind, storage_problem(exc))
                else:
                    log.error("observer %s failed on %s event\n%s", name, ctx.event.kind,
                              redacted_traceback(exc))

    async def _pace_commands(self, ctx: Context) -> None:
        # Typed commands only: a button press answers the bot's own question.
        if ctx.event.kind is not EventKind.COMMAND or not ctx.participant.id:
            return
        now = self.services.clock.timestamp()
        delay = self.command_flood.delay(ctx.participant.id, now)
        if not delay:
            return
        if self.command_flood.should_warn(ctx.participant.id, now):
            log.info("participant %d sends commands too fast: slowed", ctx.participant.id)
            await ctx.reply_private(_(
                "You are sending commands faster than I can follow, so I am answering them a "
                "little more slowly. Nothing is lost."))
        await asyncio.sleep(delay)

    async def _context(self, event: Event) -> Context:
        s = self.services
        now = s.clock.now()
        if not event.author.user_id:
            # A platform event with no known author (Discord's deletion of an uncached
            # message): handled, but it must not create a participant with no id.
            return Context(event, s, _nobody(now), Account(event.platform, "", 0, "", ""),
                           s.catalogs.pack(None), is_facilitator=False)
        participant, account = await s.participants.ensure(
            event.platform, event.author.user_id, event.author.display_name, now
        )
        chat = await s.chats.ensure(
            event.platform, event.chat.chat_id, event.chat.kind.value, event.chat.title, now
        )
        hinted = s.catalogs.match(event.author.language_hint)
        if participant.language is None and hinted is not None:
            # What the platform says is the best guess until they choose: keep it, so that
            # reminders and announcements reach them in it too.
            await s.participants.set_language(participant.id, hinted)
            participant = await s.participants.get(participant.id) or participant
        language = (
            participant.language
            or chat.language
            or s.config.bot.default_language
        )
        # Asked only where it decides something: two reads saved on every message.
        scope = await FacilitatorScope.of(s, participant.id) \
            if event.kind in _AUTHORISED else FacilitatorScope.nothing()
        return Context(
            event=event,
            services=s,
            participant=participant,
            account=account,
            language=s.catalogs.pack(language),
            is_facilitator=scope.is_facilitator,
            scope=scope,
        )

    async def _route(self, ctx: Context) -> None:
        event = ctx.event
        registry = self.registry
        if event.kind is EventKind.COMMAND:
            command = registry.get(event.command or "")
            if command is None:
                await self._unknown_command(ctx)
            elif command.facilitator_only and not ctx.is_facilitator:
                await self._refuse(ctx, command)
            elif command.asks_consent(event.args) and not has_consent(ctx.participant):
                await self.consent.refuse(ctx, resumable=True)
            else:
                screen(event.args, ctx.command(command.name))
                await command.handler(ctx)
                if command.facilitator_only:
                    # What the handler reported (Context.outcome), never read from its words.
                    await self.services.audit.record(
                        ctx.participant.id, ctx.platform, command.name, ctx.outcome.value,
                        self.services.clock.now(), detail=event.args_text[:200],
                    )
        elif event.kind is EventKind.CALLBACK:
            tokens = self.services.outbox.tokens
            if tokens is not None:
                # The platform carried a token (bot/buttons.py): the handler sees the data
                # it stands for, or nothing when it is unknown, expired or someone else's.
                data = await tokens.resolve(event, ctx.participant.id)
                if data is None:
                    log.info("refused a button press on %s: not a button sent to participant"
                             " %d", event.platform, ctx.participant.id)
                ctx.event = event = replace(event, callback_data=data)
            prefix = (event.callback_data or "").split(":", 1)[0]
            handler = registry.callbacks.get(prefix) if event.callback_data else None
            if handler is None:
                await ctx.reply(no_longer_works())
            elif prefix in registry.consent_callbacks and not has_consent(ctx.participant):
                await self.consent.refuse(ctx, resumable=False)
            else:
                await handler(ctx)
                if prefix == CONSENT:
                    await self._resume_after_consent(ctx)
        elif event.kind is EventKind.MESSAGE:
            consented = has_consent(ctx.participant)
            # The answer the bot waits for (bot/conversations.py), before anyone else.
            if await take_text(ctx, consented):
                return
            for name, handler in registry.message_handlers:
                if not consented and name in registry.consent_messages:
                    continue
                if await handler(ctx):
                    return
            if event.chat.is_private:
                await ctx.reply(
                    _("I answer commands. Type {help} to see what I can do.").format(
                        help=ctx.command("help"))
                )
        else:
            for handler in registry.event_handlers.get(event.kind.value, []):
                if id(handler) in registry.consent_events and not has_consent(ctx.participant):
                    continue  # e.g. a quiz answered in a native poll: not stored
                await handler(ctx)

    async def _resume_after_consent(self, ctx: Context) -> None:
        """Consent was just given: carry on with the command it was asked for."""
        participant = await ctx.reload_participant()
        pending = self.consent.resume(participant.id) if has_consent(participant) else None
        if pending is None:
            return
        resumed = await self._context(pending)
        with use_language(resumed.language):
            await self._route(resumed)

    def _command_name(self, event: Event) -> str:
        """The command for a log line: a registered name, never what was typed."""
        name = event.command or ""
        return name if self.registry.get(name) is not None else "-"

    async def _unknown_command(self, ctx: Context) -> None:
        # The name is typed too: shortened, and without what cannot be printed.
        name = echo("".join(c for c in ctx.event.command or "" if c.isprintable()), 40)
        allowed = [c.name for c in self.registry.visible_to(ctx.is_facilitator)]
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        if close:
            text = _("I don't know the command {command}. Did you mean {suggestion}?").format(
                command=ctx.command(name), suggestion=ctx.command(close[0]))
        else:
            text = _("I don't know the command {command}. Type {help} to see what I can do."
                     ).format(command=ctx.command(name), help=ctx.command("help"))
        await ctx.reply(text)

    async def _refuse(self, ctx: Context, command: Command) -> None:
        await self.services.audit.record(
            ctx.participant.id, ctx.platform, command.name, "refused", self.services.clock.now()
        )
        log.info("refused facilitator command /%s for participant %d on %s",
                 command.name, ctx.participant.id, ctx.platform)
        await ctx.reply(
            _("Sorry, {command} is for facilitators only.").format(
                command=ctx.command(command.name))
        )

    async def _apologise(self, ctx: Context, exc: Exception) -> None:
        text = _(STORAGE_APOLOGY) if storage_failure(exc) else _(
            "Sorry, something went wrong on my side. It has been logged; "
            "please try again in a moment.")
        await self._deliver_apology(ctx.reply_message(text))

    async def _deliver_apology(self, msg: OutboundMessage) -> None:
        """Through the outbox, or, when the database cannot store it (the write that
        failed may be the very one the apology needs), straight to the platform."""
        outbox = self.services.outbox
        try:
            await outbox.enqueue(msg)
            return
        except Exception as exc:
            log.error("could not store the apology (%s): sending it without storing it",
                      storage_problem(exc))
        async def wait(exc: Exception, pause: float) -> None:
            log.info("apology on %s: retried in %.0fs", msg.chat.platform, pause)

        with contextlib.suppress(Exception):  # one wait for the platform, then give up
            await retrying(lambda: outbox.send_unstored(msg), APOLOGY_RETRY, before_retry=wait,
                           retry_if=lambda exc: isinstance(exc, RetryLater))
            return
        log.error("could not send the apology on %s chat %s either", msg.chat.platform,
                  msg.chat.chat_id)

    async def _language_without_context(self, event: Event) -> LanguagePack:
        """The reader's language when the event could not be prepared: a full disk still
        lets the database be read; if even that fails, the platform's hint."""
        s = self.services
        with contextlib.suppress(Exception):
            account = await s.participants.account(event.platform, event.author.user_id)
            known = await s.participants.get(account.participant_id) if account else None
            if known is not None and known.language:
                return s.catalogs.pack(known.language)
        return s.catalogs.pack(s.catalogs.match(event.author.language_hint))


def _awaits_answer(event: Event) -> bool:
    """Someone is waiting for an answer: a command, a button, a private message."""
    return event.kind in _AUTHORISED or (
        event.kind is EventKind.MESSAGE and event.chat.is_private)
