"""Account linking: codes are short-lived and single-use; `/link CODE` shows whose account
it joins and what moves, and only Confirm merges; roles never pass to the code's owner;
wrong codes lock the account for an hour (issue 19 item 4)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import Bot
from bot.model import ChatKind, ChatRef, Event, EventKind, UserRef
from storage.links import LinkRepository
from tests.harness import make_config


def command(platform: str, user: str, text: str, language: str | None = None,
            display_name: str | None = None) -> Event:
    name, *args = text.lstrip("/").split()
    return Event(EventKind.COMMAND, platform, ChatRef(platform, user, ChatKind.PRIVATE),
                 UserRef(platform, user, display_name or f"{user}@{platform}",
                         language_hint=language),
                 datetime.now(UTC), native_id="1", command=name, args=args)


async def last_text(bot: Bot, platform: str, chat_id: str) -> str:
    row = await bot.services.db.fetchone(
        "SELECT payload FROM outbox WHERE platform = ? AND chat_id = ? ORDER BY id DESC LIMIT 1",
        (platform, chat_id))
    assert row is not None
    return str(json.loads(row[0])["text"])


async def last_message(bot: Bot, platform: str, chat_id: str) -> dict[str, Any]:
    row = await bot.services.db.fetchone(
        "SELECT payload FROM outbox WHERE platform = ? AND chat_id = ? ORDER BY id DESC LIMIT 1",
        (platform, chat_id))
    assert row is not None
    return dict(json.loads(row[0]))


async def press(bot: Bot, platform: str, user: str, label: str) -> str:
    """`user` presses the button labelled `label` on the bot's newest message that has one,
    in their private chat; returns the bot's answer."""
    rows = await bot.services.db.fetchall(
        "SELECT payload FROM outbox WHERE platform = ? AND chat_id = ? ORDER BY id DESC",
        (platform, user))
    for row in rows:
        for line in json.loads(row[0]).get("buttons", []):
            for button in line:
                if button["label"] == label:
                    chat = ChatRef(platform, user, ChatKind.PRIVATE)
                    await bot.dispatcher.handle(Event(
                        EventKind.CALLBACK, platform, chat,
                        UserRef(platform, user, f"{user}@{platform}"), datetime.now(UTC),
                        native_id="2", callback_data=button["data"]))
                    return await last_text(bot, platform, user)
    raise AssertionError(f"no button {label!r} in {user}'s chat")


async def issue_code(bot: Bot, platform: str, user: str, display_name: str | None = None
                     ) -> str:
    await bot.dispatcher.handle(command(platform, user, "/link", display_name=display_name))
    text = await last_text(bot, platform, user)
    match = re.search(r"\b[A-Z2-9]{8}\b", text)
    assert match, text
    return match.group(0)


async def test_linking_asks_first_then_merges_keeping_language_consent_and_roles(
        tmp_path: Path) -> None:
    bot = await Bot.create(make_config(tmp_path))
    try:
        s = bot.services
        tg, _ = await s.participants.ensure("telegram", "100", "Ana", s.clock.now())
        await s.participants.set_language(tg.id, "pt")
        await s.participants.set_consent(tg.id, True, s.clock.now())
        await s.roles.grant(tg.id, "facilitator", None, s.clock.now())  # the code's owner
        dc, _ = await s.participants.ensure("discord", "900", "ana", s.clock.now())

        code = await issue_code(bot, "telegram", "100")
        await bot.dispatcher.handle(command("discord", "900", f"/link {code.lower()}", "en"))
        asked = await last_message(bot, "discord", "900")
        assert asked["text"].startswith("You are about to join this account to 100@telegram "
                                        "on Telegram.")
        for line in ("After linking:", "• Language: Português", "• Roles: facilitator",
                     "Moving over from this account:", "• Accounts: Discord (900@discord)"):
            assert line in asked["text"].splitlines(), asked["text"]
        assert [b["label"] for b in asked["buttons"][0]] == ["Confirm", "Cancel"]
        assert await s.participants.get(dc.id) is not None  # nothing merged yet

        assert (await press(bot, "discord", "900", "Confirm")).startswith(
            "Feito: as suas contas")
        merged = await s.participants.get(tg.id)
        assert merged is not None and (merged.language, merged.consent) == ("pt", "given")
        assert await s.participants.get(dc.id) is None
        assert {a.platform for a in await s.participants.accounts_of(tg.id)} == {"telegram",
                                                                                "discord"}
        # The owner's role holds on the account that joined (the owner gave the code).
        assert await s.authorizer.is_facilitator(tg.id)
        # The owner hears of it, on the account that made the code.
        assert (await last_text(bot, "telegram", "100")).startswith(
            "Esta conta agora está vinculada à conta do Discord 900@discord")
        [entry] = [e for e in await s.audit.latest() if e.outcome == "done"]
        assert (entry.action, entry.actor_participant_id) == ("link", tg.id)
        assert entry.detail == "linked a discord account to their telegram account"

        # Single use: the same button, or the same code, again is refused.
        assert (await press(bot, "discord", "900", "Confirm")).startswith(
            "Este botão já não funciona.")
        await bot.dispatcher.handle(command("discord", "900", f"/link {code}"))
        assert "desconhecido" in await last_text(bot, "discord", "900")
    finally:
        await bot.close()


async def test_expired_wrong_and_same_platform_codes_are_refused(tmp_path: Path) -> None:
    bot = await Bot.create(make_config(tmp_path))
    try:
        code = await issue_code(bot, "telegram", "1")
        await bot.dispatcher.handle(command("telegram", "2", f"/link {code}"))
        assert "same platform" in await last_text(bot, "telegram", "2")

        await bot.dispatcher.handle(command("discord", "3", "/link hello!"))
        assert '"hello!" is not a linking code' in await last_text(bot, "discord", "3")

        code = await issue_code(bot, "telegram", "1")
        bot.services.clock.advance(timedelta(minutes=11))
        await bot.dispatcher.handle(command("discord", "3", f"/link {code}"))
        assert "unknown, used or expired" in await last_text(bot, "discord", "3")
        assert len(await bot.services.participants.accounts_of(
            (await bot.services.participants.account("telegram", "1")).participant_id)) == 1  # type: ignore[union-attr]
    finally:
        await bot.close()


async def test_merge_moves_rows_of_every_table_that_references_participants(tmp_path: Path
                                                                             ) -> None:
    bot = await Bot.create(make_config(tmp_path))
    try:
        s = bot.services
        now = s.clock.now()
        a, _ = await s.participants.ensure("telegram", "1", "A", now)
        b, _ = await s.participants.ensure("discord", "2", "B", now)
        await s.audit.record(b.id, "discord", "audit", "refused", now)
        await s.roles.grant(a.id, "facilitator", None, now)
        await s.roles.grant(b.id, "facilitator", None, now)  # the same role on both sides
        await LinkRepository(s.db).merge(keep=a.id, absorb=b.id)
        [entry] = await s.audit.latest()
        assert entry.actor_participant_id == a.id
        assert await s.roles.of(a.id) == ["facilitator"]
        row = await s.db.fetchone("SELECT COUNT(*) FROM roles")
        assert row is not None and row[0] == 1
    finally:
        await bot.close()
