"""/facilitator add|remove|list: facilitator roles granted in chat.

A role belongs to the participant, so it holds on every account they linked. The person is
named by `@name`, their display name, a platform user id (a Discord mention is one), or by
answering one of their messages with the command (known for messages in bridged chats).
Facilitators listed in the configuration file cannot be removed in chat.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

from bot.adapters.capabilities import declared
from bot.authz import FACILITATOR
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, comma_list, rtl_marked, use_language
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.scope import Reach
from storage.participants import Account

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Person:
    participant_id: int
    accounts: tuple[Account, ...]

    @property
    def name(self) -> str:
        return self.accounts[0].display_name if self.accounts else f"#{self.participant_id}"

    def describe(self) -> str:
        """"Ana (Telegram 123, Discord 456)": enough to tell two Anas apart."""
        ids = comma_list(f"{declared(a.platform).name} {a.user_id}"
                        for a in self.accounts)
        return f"{self.name} ({ids})" if ids else self.name


@dataclass
class Found:
    person: Person | None = None
    candidates: list[Person] | None = None  # ambiguous, or near misses of an unknown name
    ambiguous: bool = False  # the candidates all match exactly


def normalized(text: str) -> str:
    """Case, accents, spaces and punctuation ignored: "@zoe_quintana" ~ "Zoé Quintana"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _people(accounts: list[Account], ids: list[int]) -> list[Person]:
    seen: list[int] = []
    for pid in ids:
        if pid not in seen:
            seen.append(pid)
    return [Person(pid, tuple(a for a in accounts if a.participant_id == pid)) for pid in seen]


async def resolve(ctx: Context, words: str) -> Found:
    """The participant `words` names; None with candidates when ambiguous or unknown."""
    s = ctx.services
    accounts = await s.roles.directory()
    query = words.strip()
    query = ctx.services.mentioned_user(query) or query
    bare = query.lstrip("@")
    by_id = [a.participant_id for a in accounts if a.user_id == bare]
    wanted = normalized(bare)
    by_name = [a.participant_id for a in accounts if wanted and normalized(a.display_name)
               == wanted]
    for ids in (by_id, by_name):
        people = _people(accounts, ids)
        if len(people) == 1:
            return Found(person=people[0])
        if people:
            return Found(candidates=people[:MAX_CANDIDATES], ambiguous=True)
    names = {normalized(a.display_name): a.participant_id for a in accounts}
    near = [names[n] for n in difflib.get_close_matches(wanted, list(names), n=MAX_CANDIDATES,
                                                           cutoff=0.6)]
    near += [a.participant_id for a in accounts
             if wanted and len(wanted) >= 2 and wanted in normalized(a.display_name)]
    return Found(candidates=_people(accounts, near)[:MAX_CANDIDATES])


async def replied_author(ctx: Context) -> Person | None:
    """The author of the message the command answers, when the bot knows it: a message
    in a bridged chat, or a copy of one."""
    event = ctx.event
    relay_map = ctx.services.relay.relay_map
    for entry in await relay_map.relays_of(event.platform, event.chat.chat_id,
                                           event.reply_to_native_id or ""):
        origin = await relay_map.origin(entry.relay_id)
        if origin is not None and origin.author_participant_id is not None:
            pid = origin.author_participant_id
            return Person(pid, tuple(await ctx.services.participants.accounts_of(pid)))
    return None


def usage(ctx: Context) -> str:
    return _("Use {add}, {remove} or {list}. Name the person with @name, their name, or "
             "their user id on the platform, or answer one of their messages with the "
             "command.").format(add=ctx.command("facilitator add <user>"),
                                remove=ctx.command("facilitator remove <user>"),
                                list=ctx.command("facilitator list"))


async def target(ctx: Context, words: str) -> Person | None:
    """The person the command is about; answers the reader and returns None when it
    cannot tell."""
    if not words.strip():
        if ctx.event.reply_to_native_id:
            person = await replied_author(ctx)
            if person is None:
                await ctx.refuse(_("I cannot tell who wrote that message. Please name them: "
                                  "@name, their name, or their user id on the platform."))
            return person
        await ctx.refuse(usage(ctx))
        return None
    found = await resolve(ctx, words)
    if found.person is not None:
        return found.person
    shown = words.strip()[:60]
    listing = "\n".join(f"• {p.describe()}" for p in found.candidates or [])
    named = [p.participant_id for p in found.candidates or []]
    if found.ambiguous:
        await ctx.refuse(_("Several participants are called \"{name}\":").format(name=shown)
                        + "\n" + listing + "\n"
                        + _("Name one by their user id on the platform, or answer one of "
                            "their messages with the command."), about=named)
    elif found.candidates:
        await ctx.refuse(_("I know nobody called \"{name}\". Did you mean:").format(name=shown)
                        + "\n" + listing, about=named)
    else:
        await ctx.refuse(_("I know nobody called \"{name}\". A person is known to me once "
                          "they have written to me or in a chat I am in.").format(name=shown))
    return None


async def _notify(ctx: Context, person: Person, text: str) -> None:
    """Tell the person privately, in their language, on the account nearest the reader's
    platform."""
    if not person.accounts:
        return
    account = next((a for a in person.accounts if a.platform == ctx.platform),
                   person.accounts[0])
    participant = await ctx.services.participants.get(person.participant_id)
    pack = ctx.services.language_for(participant.language if participant else None)
    with use_language(pack):
        body = _(text).format(name=ctx.event.author.display_name,
                              help=ctx.services.command_prefix(account.platform) + "help")
    # It names the facilitator who acted: theirs too.
    await ctx.services.outbox.enqueue(OutboundMessage(
        ChatRef(account.platform, account.user_id, ChatKind.PRIVATE), rtl_marked(body, pack)),
        about=[ctx.participant.id])


GRANTED = N_("{name} made you a facilitator. Type {help} to see the facilitator commands.")
REVOKED = N_("{name} removed your facilitator role.")


async def _audit(ctx: Context, action: str, person: Person, outcome: str) -> None:
    await ctx.services.audit.record(
        ctx.participant.id, ctx.platform, f"facilitator {action}", outcome,
        ctx.services.clock.now(), detail=f"{person.name} (participant {person.participant_id})",
        subject=person.participant_id)


def _is_listed(ctx: Context, person: Person) -> bool:
    return any(ctx.services.authorizer.is_listed(a.platform, a.user_id) for a in person.accounts)


async def add(ctx: Context, words: str) -> None:
    person = await target(ctx, words)
    if person is None:
        return
    s = ctx.services
    if _is_listed(ctx, person) or await s.roles.has(person.participant_id, FACILITATOR):
        await ctx.refuse(_("{name} is already a facilitator.").format(name=person.name),
                        about=[person.participant_id])
        await _audit(ctx, "add", person, "refused")
        return
    await s.roles.grant(person.participant_id, FACILITATOR, ctx.participant.id, s.clock.now())
    await _audit(ctx, "add", person, "done")
    await ctx.reply(_("{name} is now a facilitator, on every account they linked.").format(
        name=person.describe()), about=[person.participant_id])
    if person.participant_id != ctx.participant.id:
        await _notify(ctx, person, GRANTED)


async def remove(ctx: Context, words: str) -> None:
    person = await target(ctx, words)
    if person is None:
        return
    s = ctx.services
    if _is_listed(ctx, person):
        await ctx.refuse(_("{name} is a facilitator through the configuration file "
                          "([facilitators] in config.toml), which cannot be changed in chat. "
                          "Ask whoever runs the bot to remove them there.").format(
            name=person.name), about=[person.participant_id])
        await _audit(ctx, "remove", person, "refused")
        return
    if not await s.roles.revoke(person.participant_id, FACILITATOR):
        await ctx.refuse(_("{name} is not a facilitator.").format(name=person.name),
                        about=[person.participant_id])
        await _audit(ctx, "remove", person, "refused")
        return
    await _audit(ctx, "remove", person, "done")
    await ctx.reply(_("{name} is no longer a facilitator.").format(name=person.describe()),
                    about=[person.participant_id])
    if person.participant_id != ctx.participant.id:
        await _notify(ctx, person, REVOKED)


async def listing(ctx: Context) -> None:
    s = ctx.services
    accounts = await s.roles.directory()
    lines = [_("Facilitators:")]
    listed_ids = s.config.facilitators.accounts()
    config_people: list[int] = []
    for user_id in s.authorizer.console_facilitators:
        listed_ids.add(("console", user_id))
    for a in accounts:
        if (a.platform, a.user_id) in listed_ids and a.participant_id not in config_people:
            config_people.append(a.participant_id)
    for person in _people(accounts, config_people):
        lines.append("• " + _("{person}: from the configuration file").format(
            person=person.describe()))
    known = {(a.platform, a.user_id) for a in accounts}
    for platform, user_id in sorted(listed_ids - known):
        lines.append("• " + _("{platform} {id}: from the configuration file, not seen yet"
                              ).format(platform=declared(platform).name,
                                       id=user_id))
    granted = [pid for pid in await s.roles.holders(FACILITATOR) if pid not in config_people]
    for person in _people(accounts, granted):
        lines.append("• " + _("{person}: granted in chat").format(person=person.describe()))
    if len(lines) == 1:
        lines.append(_("none yet"))
    await ctx.reply("\n".join(lines), about=[*config_people, *granted])


async def facilitator(ctx: Context) -> None:
    args = ctx.event.args
    action = args[0].lower() if args else ""
    words = " ".join(args[1:])
    if action in ("add", "remove") and not ctx.scope.everywhere:
        # The role granted in chat is for every cohort: a facilitator of one cohort only
        # cannot grant (or take) more than they have.
        await ctx.refuse(_("Only a facilitator of every cohort can give or take the "
                          "facilitator role; you facilitate {cohorts} only.").format(
            cohorts=comma_list(c.name for c in await ctx.services.cohorts.facilitated_by(
                ctx.services, ctx.participant.id))))
        await ctx.services.audit.record(ctx.participant.id, ctx.platform,
                                        f"facilitator {action}", "refused",
                                        ctx.services.clock.now())
        return
    if action == "add":
        await add(ctx, words)
    elif action == "remove":
        await remove(ctx, words)
    elif action == "list":
        await listing(ctx)
    else:
        await ctx.refuse(usage(ctx))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("facilitator", facilitator,
                         N_("Give or take the facilitator role, or list facilitators"),
                         usage="add|remove|list", facilitator_only=True, scope=Reach.REPORT,
                         subcommands={"add": Reach.ALL_COHORTS,
                                      "remove": Reach.ALL_COHORTS}))
