"""The dispatcher: authorization, failure isolation, locale per event, the loop guard."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from bot.app import FEATURES
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _, current_language
from bot.model import ChatKind, ChatRef, Event, EventKind, UserRef
from tests.harness import open_console

SEEN_LANGUAGES: list[str] = []


async def probe(ctx: Context) -> None:
    SEEN_LANGUAGES.append(current_language())
    await ctx.reply(_("Welcome back, {name}! Type {help} to see what you can do.").format(
        name="x", help="y"))


async def explode(ctx: Context) -> None:
    raise RuntimeError("boom: secret participant text")


def _probe_setup(registry: CommandRegistry) -> None:
    registry.add(Command("probe", probe, N_("probe")))
    registry.add(Command("explode", explode, N_("explode")))


probe_feature = ModuleType("probe_feature")
probe_feature.setup = _probe_setup  # type: ignore[attr-defined]
sys.modules["probe_feature"] = probe_feature


async def test_facilitator_command_is_refused_and_audited_for_a_participant(tmp_path: Path
                                                                            ) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        [refusal] = await h.send("ana", "/audit")
        assert refusal.text == "Sorry, /audit is for facilitators only."
        [log] = await h.send("fac", "/audit")
        assert "Latest admin actions:" in log.text
        assert "/audit on console · refused" in log.text
        entries = await h.bot.services.audit.latest()
        assert [(e.action, e.outcome) for e in entries] == [("audit", "done"),
                                                            ("audit", "refused")]


async def test_help_lists_only_what_the_reader_may_run(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        [participant] = await h.send("ana", "/help")
        [facilitator] = await h.send("fac", "/help")
    assert "/audit" not in participant.text and "/whoami" in participant.text
    assert "For facilitators:" in facilitator.text and "/audit [n]" in facilitator.text


async def test_unknown_commands_get_a_hint(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        [close] = await h.send("ana", "/hlep")
        [far] = await h.send("ana", "/xyzzy")
    assert close.text == "I don't know the command /hlep. Did you mean /help?"
    assert far.text == "I don't know the command /xyzzy. Type /help to see what I can do."


async def test_a_failing_handler_is_isolated(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                             ) -> None:
    caplog.set_level(logging.INFO)
    async with open_console(tmp_path, features=(*FEATURES, probe_feature)) as h:
        [apology] = await h.send("ana", "/explode")
        assert apology.text.startswith("Sorry, something went wrong on my side.")
        assert "boom" not in apology.text and "Traceback" not in apology.text
        [after] = await h.send("ana", "/help")  # the bot keeps running
        assert after.text.startswith("What I can do for you:")
    failure = [r for r in caplog.records if r.getMessage().startswith("handler failed")]
    # The type and the frames, never the exception's message: it may quote what was typed.
    assert failure and "/explode on console chat ana" in failure[0].getMessage()
    assert "RuntimeError" in failure[0].getMessage() and "in explode" in failure[0].getMessage()
    # (the frames quote source lines: the handler's own, here with its literal)
    assert failure[0].getMessage().splitlines()[-1] == "RuntimeError"
    assert "RuntimeError: boom" not in failure[0].getMessage() and failure[0].exc_info is None


async def test_the_locale_does_not_leak_between_consecutive_events(tmp_path: Path) -> None:
    SEEN_LANGUAGES.clear()
    async with open_console(tmp_path, features=(*FEATURES, probe_feature)) as h:
        await h.send("francoise", "/probe", language="fr")
        await h.send("amina", "/probe", language="ar")
        await h.send("nobody-said", "/probe")
        assert current_language() == "en"  # nothing left set in this task
    assert SEEN_LANGUAGES == ["fr", "ar", "en"]


async def test_the_bots_own_and_relayed_messages_are_dropped(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        chat = ChatRef("console", "ana", ChatKind.PRIVATE)
        now = datetime.now(UTC)
        own = Event(EventKind.COMMAND, "console", chat, UserRef("console", "bot", "bot", True),
                    now, command="help")
        relayed = Event(EventKind.COMMAND, "console", chat, UserRef("console", "ana", "ana"),
                        now, command="help", relay_id="r1")
        await h.bot.dispatcher.handle(own)
        await h.bot.dispatcher.handle(relayed)
        assert await h.bot.services.outbox.repo.unfinished() == 0
        row = await h.bot.services.db.fetchone("SELECT COUNT(*) FROM outbox")
        assert row is not None and row[0] == 0
