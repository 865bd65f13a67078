"""Floods and quotas: one person cannot fill the database (reminders, scheduled posts,
practices waiting for review) nor hold the bot with a flood of commands; each limit is a
clear, localized answer, and a flood is slowed, never dropped."""

from __future__ import annotations

from pathlib import Path

from bot.config import parse_config
from storage.practices import PracticeRepository
from tests.harness import ConsoleHarness, open_console

SLOWED = {
    "en": "You are sending commands faster than I can follow",
    "fr": "Vous envoyez des commandes plus vite que je ne peux suivre",
    "ar": "أنت ترسل الأوامر أسرع مما أستطيع متابعته",
}


def test_the_shipped_limits() -> None:
    quotas = parse_config({}).quotas
    assert (quotas.commands_per_minute, quotas.reminders_per_participant,
            quotas.posts_per_chat, quotas.practices_waiting_per_participant) == (20, 50, 50, 5)


async def slowed_run(h: ConsoleHarness, user: str, language: str, n: int) -> list[str]:
    texts: list[str] = []
    for _ in range(n):
        # (Arabic lines start with a right-to-left mark.)
        texts += [r.text.lstrip("\u200f") for r in await h.send(user, "/whoami",
                                                               language=language)]
    return texts


async def test_a_command_flood_is_slowed_with_one_notice_and_loses_nothing(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, quotas={"commands_per_minute": 3}) as h:
        guard = h.bot.dispatcher.command_flood
        assert guard.limit == 3
        # The same rule in a test's time: 3 commands per 1.5 s, the next ones 0.5 s apart
        # (so five commands take about a second, within one window: one notice).
        guard.window = 1.5
        for language in ("fr", "ar"):
            user = f"flooder-{language}"
            await h.send(user, "/start", language=language)
            texts = await slowed_run(h, user, language, 5)
            assert sum(t.startswith(SLOWED[language]) for t in texts) == 1, texts
            answers = [t for t in texts if not t.startswith(SLOWED[language])]
            assert len(answers) == 5  # every command answered, none dropped
        # Someone else is not slowed by the flooder.
        calm = await slowed_run(h, "calm", "en", 2)
        assert not any(t.startswith(SLOWED["en"]) for t in calm)


async def test_reminders_beyond_the_limit_are_refused_until_one_is_cancelled(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, quotas={"reminders_per_participant": 2}) as h:
        await h.send("ana", "/start", language="fr")
        for text in ("/remind demain à 9h lire l'unité 1", "/remind dans 2 heures appeler"):
            [done] = await h.send("ana", text, language="fr")
            assert done.text.startswith("C’est noté")
        [refused] = await h.send("ana", "/remind lundi à 10h réunion", language="fr")
        assert refused.text.startswith("Vous avez atteint la limite de 2 rappels en attente")
        assert "/remind list" in refused.text
        assert len(await h.bot.services.schedules.active(kind="reminder")) == 2
        listed = await h.send("ana", "/remind list", language="fr")
        first = listed[0].text.split("#", 1)[1].split(" ", 1)[0].rstrip(":")
        await h.send("ana", f"/remind cancel {first}", language="fr")
        [done] = await h.send("ana", "/remind lundi à 10h réunion", language="fr")
        assert done.text.startswith("C’est noté")
        # The limit is per person: Bo is not refused because of Ana.
        [other] = await h.send("bo", "/remind tomorrow at 9am call", language="en")
        assert other.text.startswith("Done")


async def test_scheduled_posts_beyond_the_limit_of_a_chat_are_refused(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"],
                            quotas={"posts_per_chat": 1}) as h:
        h.adapter._group = "academy"
        [done] = await h.send("fac", "/schedule every monday 10:00 weekly check-in",
                              language="ar")
        [refused] = await h.send("fac", "/schedule tomorrow 9:00 hello", language="ar")
        assert "المجدولة (1)" in refused.text and done.text != refused.text
        h.adapter._group = "corridor"  # per chat
        [elsewhere] = await h.send("fac", "/schedule tomorrow 9:00 hello", language="ar")
        assert "(1)" not in elsewhere.text


async def test_practices_waiting_for_review_are_limited(tmp_path: Path) -> None:
    async with open_console(tmp_path, quotas={"practices_waiting_per_participant": 2}) as h:
        await h.send("ana", "/start", language="en")
        [account] = [a for a in await h.bot.services.db.fetchall(
            "SELECT participant_id FROM accounts WHERE user_id = 'ana'")]
        repo = PracticeRepository(h.bot.services.db)
        now = h.bot.services.clock.now()
        for _ in range(2):
            practice_id = await repo.create(account[0], "en", now)
            await repo.submit(practice_id, now)
        [refused] = await h.send("ana", "/practice new", language="en")
        assert refused.text.startswith("You already have 2 practices waiting for review")
        assert await repo.count_of(account[0], "draft") == 0  # nothing was started
