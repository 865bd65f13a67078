"""/announce: one message from the facilitators to every group chat and/or participant,
each in the reader's language: written per language (`|| fr: …`) or machine-translated
and marked as such."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, format_datetime, rtl_marked, use_language
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.outbox import BULK
from bot.scope import FacilitatorScope, Reach
from bot.services import Services
from handlers.polls import LANGUAGE_PREFIX
from handlers.relay import NoTranslation

AUDIENCES = ("all", "channels", "participants")
MAX_TEXT = 3500
STATUS_SCAN = 100  # the latest announcements looked at for the ones the reader may see


def _header(services: Services, language: str | None, text: str) -> str:
    with use_language(services.language_for(language)) as pack:
        return rtl_marked(_("📢 Announcement from the facilitators:"), pack) + "\n" + text


class AnnouncementInputError(ValueError):
    """What is wrong with an announcement's per-language sections, for the facilitator."""


def split_languages(text: str, language: str, languages: tuple[str, ...]
                    ) -> tuple[str, str, dict[str, str]]:
    """`Hello all || fr: Bonjour à tous`: the original's language (the writer's unless it
    starts with "xx:"), the original, and the texts given per language."""
    first, *others = text.split("||")
    prefix = LANGUAGE_PREFIX.match(first.strip())
    if prefix and prefix.group(1).lower() in languages:
        language, first = prefix.group(1).lower(), prefix.group(2)
    given: dict[str, str] = {}
    for section in others:
        tagged = LANGUAGE_PREFIX.match(section.strip())
        code = tagged.group(1).lower() if tagged else ""
        if not tagged or code not in languages or not tagged.group(2).strip():
            raise AnnouncementInputError(_(
                "Each translation after {sep} starts with one of the bot's languages "
                "({languages}), like {sep} fr: Bonjour à tous.").format(
                sep="||", languages=", ".join(languages)))
        given[code] = tagged.group(2).strip()
    return language, first.strip(), given


async def _bodies(services: Services, text: str, source: str, given: dict[str, str],
                  wanted: set[str]) -> dict[str, str]:
    """The body for each reader's language: the one given, the original, or a machine
    translation marked as such (the original, marked, if it fails)."""
    bodies = {language: given.get(language, text) for language in wanted
              if language in given or language == source}
    todo = wanted - set(bodies)
    translator = services.relay.translator
    if not todo or isinstance(translator, NoTranslation):
        return bodies | {language: text for language in todo}
    result = await translator.translate_for(text, todo, source_hint=source)
    for language in todo:
        with use_language(services.language_for(language)):
            if language in result.failed:
                bodies[language] = f"{text}\n{_('(translation unavailable)')}"
            elif result.source is None or result.texts.get(language, text) == text:
                bodies[language] = text  # not worth translating ("10:00", a link)
            else:
                bodies[language] = f"{result.texts[language]}\n({_('machine translation')})"
    return bodies


async def _queue(services: Services, announcement_id: int, audience: str, text: str,
                 scope: FacilitatorScope, source: str, given: dict[str, str]) -> int:
    """Queue the copies, each reader's in their language; a facilitator of some cohorts
    reaches only their cohorts' group chats (their configured channels) and members."""
    targets: list[tuple[ChatRef, str, str]] = []  # (chat, language, dedupe key)
    if audience in ("all", "channels"):
        for chat in await services.chats.groups():
            if scope.covers_chat(chat.platform, chat.chat_id):
                targets.append((ChatRef(chat.platform, chat.chat_id, ChatKind.GROUP,
                                        title=chat.title),
                                services.language_for(chat.language).code,
                                f"announce:{announcement_id}:{chat.platform}:{chat.chat_id}"))
    if audience in ("all", "participants"):
        members = await scope.members()
        for r in await services.participants.reachable():
            if members is None or r.participant_id in members:
                targets.append((ChatRef(r.platform, r.user_id, ChatKind.PRIVATE),
                                services.language_for(r.language).code,
                                f"announce:{announcement_id}:{r.platform}:{r.user_id}"))
    bodies = await _bodies(services, text, source, given, {t[1] for t in targets})
    batch = [(OutboundMessage(ref, _header(services, language, bodies[language])), key)
             for ref, language, key in targets]
    await services.outbox.enqueue_many(batch, BULK)
    return len(batch)


async def announce(ctx: Context) -> None:
    s = ctx.services
    args = ctx.event.args
    if not args:
        await ctx.reply(_("Write the announcement after the command: {example}. Start with "
                          "\"channels\" or \"participants\" to reach only group chats or only "
                          "private chats; {status} shows the delivery.").format(
            example=ctx.command("announce The session starts at 10:00"),
            status=ctx.command("announce status")))
        return
    if args[0].lower() == "status":
        await status(ctx)
        return
    audience = args[0].lower() if args[0].lower() in AUDIENCES else "all"
    text = " ".join(args[1:] if audience == args[0].lower() else args).strip()
    if not text:
        await ctx.reply(_("The announcement is empty."))
        return
    if len(text) > MAX_TEXT:
        await ctx.reply(_("The message is too long: {max} characters at most.").format(
            max=MAX_TEXT))
        return
    try:
        source, original, given = split_languages(text, ctx.language.code,
                                                  tuple(s.config.bot.languages))
    except AnnouncementInputError as problem:
        await ctx.reply(str(problem))
        return
    if not original:
        await ctx.reply(_("The announcement is empty."))
        return
    announcement_id = await s.announcements.create(ctx.participant.id, audience, text,
                                                   s.clock.timestamp())
    count = await _queue(s, announcement_id, audience, original, ctx.scope, source, given)
    await s.announcements.set_recipients(announcement_id, count)
    await ctx.reply(_("Announcement #{n} is on its way to {count} chats. {status} shows the "
                      "delivery.").format(n=announcement_id, count=count,
                                          status=ctx.command("announce status")))


async def status(ctx: Context) -> None:
    s = ctx.services
    latest = [a for a in await s.announcements.latest(STATUS_SCAN)
              if await ctx.scope.covers_facilitator(a.created_by)][:3]
    if not latest:
        await ctx.reply(_("No announcement yet."))
        return
    lines = [_("Announcements:")]
    for a in latest:
        counts = await s.outbox.repo.counts_for_prefix(f"announce:{a.id}:")
        lines.append(_("#{n} ({when}): {sent} delivered, {pending} pending, {failed} failed, of "
                       "{total}").format(
            n=a.id, when=format_datetime(datetime.fromtimestamp(a.created_at, UTC), ctx.zone),
            sent=counts.sent, pending=counts.pending, failed=counts.failed, total=a.recipients))
    await ctx.reply("\n".join(lines))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("announce", announce,
                         N_("Send an announcement to every chat; also status"),
                         usage=N_("[channels|participants] <text>"), facilitator_only=True,
                         scope=Reach.COHORT))
