"""`/link` asks before it merges (issue 19 item 4): a facilitator talked into typing an
attacker's code gives the attacker nothing, Cancel changes nothing, and guessing codes
locks the account for an hour. Over the console (the other platform's side through the
dispatcher, as tests/test_privacy.py does) and over the real Telegram adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import Bot
from bot.i18n import format_datetime, use_language
from storage.db import Database
from tests.harness import make_config, open_console, table_names
from tests.harness_telegram import button_data, open_telegram, telegram_id
from tests.test_linking import command, issue_code, last_text, press

# Rows that answering adds (replies, whom they name, their buttons, counters, the audit
# log).
REPLY_TABLES = frozenset({"outbox", "outbox_pacing", "outbox_mentions", "button_tokens",
                          "activity", "audit_log"})


async def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    names = await table_names(db)
    return {name: sorted((tuple(r) for r in await db.fetchall(f'SELECT * FROM "{name}"')),
                         key=repr)
            for name in names if name not in REPLY_TABLES}


async def link_entries(bot: Bot) -> list[tuple[str, str]]:
    return [(e.outcome, e.detail) for e in await bot.services.audit.latest(50)
            if e.action == "link"]


async def test_a_facilitator_redeeming_an_attackers_code_gives_the_attacker_no_rights(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["boss"]) as h:
        s = h.bot.services
        await h.send("boss", "/language en")
        await h.send("vic", "/start", language="en")
        await h.send("boss", "/facilitator add vic")  # a role granted in chat
        vic = (await s.participants.account("console", "vic")).participant_id  # type: ignore[union-attr]
        assert await s.authorizer.is_facilitator(vic)
        await h.send("vic", "/remind tomorrow 9:00 call the donors")
        mallory, _ = await s.participants.ensure("telegram", "666", "Mallory", s.clock.now())

        code = await issue_code(h.bot, "telegram", "666", "Mallory")
        [asked] = await h.send("vic", f"/link {code}")
        # Nothing moved yet: the attacker is no facilitator.
        assert not await s.authorizer.is_facilitator(mallory.id)
        assert (await s.participants.account("console", "vic")).participant_id == vic  # type: ignore[union-attr]
        lines = asked.text.splitlines()
        assert lines[0].startswith("You are about to join this account to Mallory on Telegram.")
        assert "• Roles: participant" in lines and "• Reminders: 1" in lines
        assert lines[-1].startswith("Your roles here (facilitator) do not move")
        assert asked.buttons == ["Confirm", "Cancel"]

        [done] = await h.press("vic", "Confirm")  # she did not read it
        assert done.text.splitlines()[-1] == "Roles not carried over: facilitator."
        # One participant now, and not a facilitator on either account: the attacker's
        # account gained nothing (and hers lost the role, which a facilitator gives back).
        for platform, user in (("telegram", "666"), ("console", "vic")):
            account = await s.participants.account(platform, user)
            assert account is not None and account.participant_id == mallory.id
        assert not await s.authorizer.is_facilitator(mallory.id)
        assert await s.roles.of(mallory.id) == []
        row = await s.db.fetchone("SELECT COUNT(*) FROM roles")
        assert row is not None and row[0] == 0
        await h.bot.dispatcher.handle(command("telegram", "666", "/audit"))
        [attempt] = [e for e in await s.audit.latest() if e.action == "audit"]
        assert (attempt.actor_participant_id, attempt.outcome) == (mallory.id, "refused")
        assert ("done", "linked a console account to their telegram account; roles not "
                        "carried: facilitator") in await link_entries(h.bot)

        # A facilitator listed in the config cannot be dropped: refused before any question.
        code = await issue_code(h.bot, "telegram", "666", "Mallory")
        before = await dump(s.db)
        [no] = await h.send("boss", f"/link {code}")
        assert no.text.startswith("This account is a facilitator in the configuration, and "
                                  "Mallory on Telegram is not") and not no.buttons
        assert await dump(s.db) == before
        assert not await s.authorizer.is_facilitator(mallory.id)
        assert (await link_entries(h.bot))[0] == (
            "refused", "a facilitator in the config, the code's owner is not")


async def test_cancel_leaves_both_accounts_unchanged_and_the_code_valid(tmp_path: Path
                                                                       ) -> None:
    async with open_console(tmp_path) as h:
        s = h.bot.services
        await h.send("ana", "/start", language="fr")
        await h.send("ana", "/remind demain à 9h lire l'unité 2")
        owner, _ = await s.participants.ensure("telegram", "100", "Ana Lima", s.clock.now())
        code = await issue_code(h.bot, "telegram", "100", "Ana Lima")
        before = await dump(s.db)

        [asked] = await h.send("ana", f"/link {code}")
        assert asked.text.startswith("Vous allez joindre ce compte à Ana Lima sur Telegram.")
        assert asked.buttons == ["Confirmer", "Annuler"]
        [cancelled] = await h.press("ana", "Annuler")
        assert cancelled.text == "Rien n’a été lié : les deux comptes restent tels quels."
        assert await dump(s.db) == before  # both accounts, and the code, as they were
        assert len(await s.participants.accounts_of(owner.id)) == 1

        # The code stays valid until it is used or expires.
        [again] = await h.send("ana", f"/link {code}")
        assert again.text == asked.text
        [done] = await h.press("ana", "Confirmer")
        assert done.text.startswith("C’est fait : vos comptes sont reliés.")
        assert {a.platform for a in await s.participants.accounts_of(owner.id)} == {
            "telegram", "console"}


async def test_wrong_codes_lock_the_account_for_an_hour_even_across_a_restart(
        tmp_path: Path) -> None:
    bot = await Bot.create(make_config(tmp_path))
    try:
        s = bot.services
        await s.participants.ensure("telegram", "100", "Ana", s.clock.now())
        for n in range(5):
            await bot.dispatcher.handle(command("discord", "900", "/link ABCDEFGH", "en"))
            text = await last_text(bot, "discord", "900")
            assert text.startswith("This code is unknown, used or expired.")
            assert ("locked until" in text) == (n == 4)
        first = await s.db.fetchone("SELECT MIN(at) FROM link_attempts")
        assert first is not None
        with use_language(s.catalogs.pack("en")):
            until = format_datetime(datetime.fromtimestamp(first[0] + 3600, UTC),
                                    s.default_zone())
        assert f"linking is locked until {until}." in text
        # A right code is refused too while locked; another account is not locked.
        code = await issue_code(bot, "telegram", "100")
        await bot.dispatcher.handle(command("discord", "900", f"/link {code}"))
        assert (await last_text(bot, "discord", "900")).startswith(
            f"Too many wrong codes from this account: linking is locked until {until}.")
        await bot.dispatcher.handle(command("discord", "901", f"/link {code}", "en"))
        assert (await last_text(bot, "discord", "901")).startswith("You are about to join")
        entries = await link_entries(bot)
        assert [o for o, _ in entries] == ["refused"] * 6
        assert entries[0][1] == "locked: too many wrong codes"
        assert entries[1][1] == "wrong code; locked for an hour"
    finally:
        await bot.close()

    bot = await Bot.create(make_config(tmp_path))  # the count is kept in the database
    try:
        s = bot.services
        code = await issue_code(bot, "telegram", "100")
        await bot.dispatcher.handle(command("discord", "900", f"/link {code}"))
        assert (await last_text(bot, "discord", "900")).startswith("Too many wrong codes")
        s.clock.advance(timedelta(hours=1))
        code = await issue_code(bot, "telegram", "100")
        await bot.dispatcher.handle(command("discord", "900", f"/link {code}"))
        assert (await last_text(bot, "discord", "900")).startswith("You are about to join")
        assert (await press(bot, "discord", "900", "Confirm")).startswith("Done:")
    finally:
        await bot.close()


async def test_the_confirmation_buttons_over_telegram(tmp_path: Path) -> None:
    """A facilitator on Telegram is handed an attacker's Discord code: the question names
    the attacker; Cancel, a forged Confirm and then Confirm, through the real adapter."""
    async with open_telegram(tmp_path, facilitators=["boss"]) as tg:
        s = tg.bot.services
        await tg.send("vic", "/start", language="en")
        vic = (await s.participants.account("telegram", str(telegram_id("vic")))
               ).participant_id  # type: ignore[union-attr]
        await s.roles.grant(vic, "facilitator", None, s.clock.now())
        mallory, _ = await s.participants.ensure("discord", "666", "Mallory", s.clock.now())
        code = await issue_code(tg.bot, "discord", "666", "Mallory")

        [asked] = await tg.send("vic", f"/link {code}")
        assert asked.text.startswith("You are about to join this account to Mallory on "
                                     "Discord.")
        assert "Your roles here (facilitator) do not move" in asked.text
        assert asked.buttons == ["Confirm", "Cancel"]
        message = tg.fake.bot_messages(tg.user("vic"))[-1]
        confirm = button_data(message, "Confirm")
        assert confirm is not None and confirm.startswith("~") and code not in confirm

        before = await dump(s.db)
        [cancelled] = await tg.press("vic", "Cancel")
        assert cancelled.text == "Nothing was linked: both accounts stay as they were."
        assert await dump(s.db) == before
        # Confirm's data written out by a modified client is refused.
        tg.fake.press_forged(tg.user("vic"), message, f"link:yes:{code}:{mallory.id}:{vic}")
        await tg.settle(tg.fake.last_update_id)
        [forged] = tg.new_replies(tg.user("vic"), "vic")
        assert forged.text.startswith("This button no longer works")
        assert await dump(s.db) == before

        [done] = await tg.press("vic", "Confirm")
        assert done.text.startswith("Done: your accounts are linked.")
        assert done.text.endswith("Roles not carried over: facilitator.")
        account = await s.participants.account("telegram", str(telegram_id("vic")))
        assert account is not None and account.participant_id == mallory.id
        assert not await s.authorizer.is_facilitator(mallory.id)
