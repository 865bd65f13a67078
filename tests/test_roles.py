"""/facilitator add|remove|list and /audit: roles across linked accounts, in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import sync_bridges
from bot.authz import FACILITATOR
from bot.model import ChatKind, ChatRef, Event, EventKind, UserRef
from storage.links import LinkRepository
from tests.harness import ConsoleHarness, make_config, open_console

BRIDGE = {"bridges": [{"name": "academy", "channels": [
    {"platform": "console", "chat_id": "lobby", "language": "en"},
    {"platform": "console", "chat_id": "salon", "language": "en"},
]}]}


async def people(h: ConsoleHarness) -> dict[str, int]:
    """Ana Lima on Telegram and Discord (one participant), two Marcos, and Zoé."""
    s = h.bot.services
    now = s.clock.now()
    ana, _ = await s.participants.ensure("telegram", "1001", "Ana Lima", now)
    ana_dc, _ = await s.participants.ensure("discord", "2002", "ana.lima", now)
    await LinkRepository(s.db).merge(keep=ana.id, absorb=ana_dc.id)
    marco1, _ = await s.participants.ensure("telegram", "3003", "Marco", now)
    marco2, _ = await s.participants.ensure("discord", "4004", "Marco", now)
    zoe, _ = await s.participants.ensure("telegram", "5005", "Zoé Quintana", now)
    for pid in (ana.id, marco1.id, marco2.id, zoe.id):
        await s.participants.set_language(pid, "en")
    return {"ana": ana.id, "marco1": marco1.id, "marco2": marco2.id, "zoe": zoe.id}


async def test_a_role_granted_by_name_holds_on_every_linked_account_and_is_audited(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        s = h.bot.services
        ids = await people(h)
        await h.send("fac", "/language en")
        [done] = await h.send("fac", "/facilitator add @ana_lima")
        assert done.text == ("Ana Lima (Telegram 1001, Discord 2002) is now a facilitator, on "
                             "every account they linked.")
        # Both accounts are one participant: the role holds on each.
        for platform, user_id in (("telegram", "1001"), ("discord", "2002")):
            account = await s.participants.account(platform, user_id)
            assert account is not None
            assert await s.authorizer.is_facilitator(account.participant_id)
        # She is told privately, on her account (the facilitator's platform has none).
        row = await s.db.fetchone("SELECT payload FROM outbox WHERE platform = 'telegram' "
                                  "AND chat_id = '1001' ORDER BY id DESC LIMIT 1")
        assert row is not None and "fac made you a facilitator" in row[0]

        [again] = await h.send("fac", "/facilitator add 2002")  # her Discord id
        assert again.text == "Ana Lima is already a facilitator."
        [accents] = await h.send("fac", "/facilitator add zoe quintana")
        assert accents.text.startswith("Zoé Quintana (Telegram 5005) is now a facilitator")

        [listing] = await h.send("fac", "/facilitator list")
        assert listing.text.splitlines() == [
            "Facilitators:",
            "• fac (Console fac): from the configuration file",
            "• Ana Lima (Telegram 1001, Discord 2002): granted in chat",
            "• Zoé Quintana (Telegram 5005): granted in chat",
        ]

        [removed] = await h.send("fac", "/facilitator remove <@2002>")  # a Discord mention
        assert removed.text == "Ana Lima (Telegram 1001, Discord 2002) is no longer a facilitator."
        assert not await s.authorizer.is_facilitator(ids["ana"])
        [absent] = await h.send("fac", "/facilitator remove Ana Lima")
        assert absent.text == "Ana Lima is not a facilitator."

        [log] = await h.send("fac", "/audit 5")
        lines = log.text.splitlines()
        assert lines[0] == "Latest admin actions:"
        # Newest first: when, who (by name), what (the command and whom), where, outcome.
        # The dispatcher logs each facilitator command as typed, with the outcome the
        # handler reported; the command logs what it did to whom, refused when it changed
        # nothing.
        assert [line.split(" · ", 1)[1] for line in lines[1:]] == [
            "fac · /facilitator remove Ana Lima on console · refused",
            f"fac · /facilitator remove Ana Lima (participant {ids['ana']}) on console · refused",
            "fac · /facilitator remove <@2002> on console · done",
            f"fac · /facilitator remove Ana Lima (participant {ids['ana']}) on console · done",
            "fac · /facilitator list on console · done",
        ]
        when = lines[1].split(" · ", 1)[0]
        assert str(s.clock.now().year) in when and ":" in when


async def test_ambiguous_and_unknown_names_get_the_candidates(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        ids = await people(h)
        await h.send("fac", "/language en")
        [ambiguous] = await h.send("fac", "/facilitator add Marco")
        assert ambiguous.text.splitlines() == [
            'Several participants are called "Marco":',
            "• Marco (Telegram 3003)",
            "• Marco (Discord 4004)",
            "Name one by their user id on the platform, or answer one of their messages "
            "with the command.",
        ]
        [near] = await h.send("fac", "/facilitator add Ana Lma")
        assert near.text.splitlines() == ['I know nobody called "Ana Lma". Did you mean:',
                                          "• Ana Lima (Telegram 1001, Discord 2002)"]
        [unknown] = await h.send("fac", "/facilitator add Quentin")
        assert unknown.text.startswith('I know nobody called "Quentin". A person is known')
        [usage] = await h.send("fac", "/facilitator promote Ana")
        assert usage.text.startswith("Use /facilitator add <user>, /facilitator remove <user>")
        roles = await h.bot.services.db.fetchone("SELECT COUNT(*) FROM roles")
        assert roles is not None and roles[0] == 0
        [by_id] = await h.send("fac", "/facilitator add 4004")
        assert by_id.text.startswith("Marco (Discord 4004) is now a facilitator")
        assert await h.bot.services.roles.has(ids["marco2"], FACILITATOR)
        assert not await h.bot.services.roles.has(ids["marco1"], FACILITATOR)


async def test_config_listed_facilitators_cannot_be_removed_in_chat(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac", "boss"]) as h:
        await h.send("boss", "/language en")
        await h.send("fac", "/language en")
        [refused] = await h.send("fac", "/facilitator remove boss")
        assert refused.text.startswith("boss is a facilitator through the configuration file "
                                       "([facilitators] in config.toml)")
        assert await h.bot.services.authorizer.is_facilitator(
            (await h.bot.services.participants.account("console", "boss")).participant_id)  # type: ignore[union-attr]
        entries = await h.bot.services.audit.latest(2)
        assert ("facilitator remove", "refused") in [(e.action, e.outcome) for e in entries]
        # A participant cannot use the command at all.
        [no] = await h.send("ana", "/facilitator add ana", language="en")
        assert no.text == "Sorry, /facilitator is for facilitators only."


async def test_answering_a_message_names_its_author_also_through_a_relayed_copy(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        s = h.bot.services
        s.config = make_config(tmp_path, **BRIDGE, facilitators={"console": ["fac"]})
        await sync_bridges(s.config, s)
        await h.send("fac", "/language en")
        await h.send("bob", "/language en")
        h.adapter._group = "lobby"
        await h.send("bob", "Hello from the lobby")
        h.adapter._group = None
        row = await s.db.fetchone("SELECT relay_id FROM relay_messages WHERE role = 'origin'")
        assert row is not None
        copies = await s.relay.relay_map.copies(row[0])
        origin = next(e for e in copies if e.role == "origin")
        copy = next(e for e in copies if e.role == "copy")
        assert origin.chat_id == "#lobby" and copy.chat_id == "#salon"

        def answer(chat: str, native_id: str | None) -> Event:
            return Event(EventKind.COMMAND, "console",
                         ChatRef("console", f"#{chat}", ChatKind.GROUP, title=chat),
                         UserRef("console", "fac", "fac"), datetime.now(UTC), native_id="x1",
                         text="/facilitator add", command="facilitator", args=["add"],
                         reply_to_native_id=native_id)

        await h.bot.dispatcher.handle(answer("salon", copy.native_id))
        replies = {r.chat_id: r.text for r in await h._new_replies()}
        assert replies == {
            "#salon": "bob (Console bob) is now a facilitator, on every account they linked.",
            "bob": "fac made you a facilitator. Type /help to see the facilitator commands."}
        bob = await s.participants.account("console", "bob")
        assert bob is not None and await s.roles.has(bob.participant_id, FACILITATOR)

        # A message the bot knows nothing about: it says so.
        await h.bot.dispatcher.handle(answer("lobby", "unknown-42"))
        [unknown] = await h._new_replies()
        assert unknown.text.startswith("I cannot tell who wrote that message.")
