"""When the time is not sure, /remind and /schedule ask back with buttons instead of
guessing, on the console and through the real Telegram and Discord adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Harness, open_console
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # Wednesday, 10:30 in Paris


def _open(platform: str, tmp_path: Path, facilitators: list[str]
          ) -> AbstractAsyncContextManager[Any]:
    if platform == "telegram":
        return open_telegram(tmp_path, facilitators)
    if platform == "discord":
        return open_discord(tmp_path, facilitators)
    return open_console(tmp_path, facilitators)


@pytest.fixture(params=["console", "telegram", "discord"])
async def h(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with _open(request.param, tmp_path, ["fac"]) as harness:
        clock = harness.bot.services.clock
        clock.advance(NOW - clock.now())
        yield harness


async def _next_reminder(h: Harness) -> list[tuple[float, str | None]]:
    rows = await h.bot.services.db.fetchall(
        "SELECT next_at, recurrence FROM schedules WHERE status = 'active' ORDER BY id")
    return [(float(r[0]), r[1]) for r in rows]


async def test_an_hour_it_cannot_place_is_asked_not_guessed(h: Harness) -> None:
    await h.send("ana", "/timezone Europe/Paris", language="en")
    [asked] = await h.send("ana", "/remind tomorrow at 9 read unit 2")
    assert asked.text == "Did you mean 09:00 or 21:00?"
    assert asked.buttons == ["09:00", "21:00", "Cancel"]
    assert await _next_reminder(h) == []  # nothing stored before the answer
    [done] = await h.press("ana", "21:00")
    assert done.text.startswith("Done (#1): I will remind you on Thu, Dec 3, 2026, 9:00")
    assert "PM" in done.text
    assert await _next_reminder(h) == [(datetime(2026, 12, 3, 20, 0, tzinfo=UTC).timestamp(),
                                        None)]
    [again] = await h.press("ana", "21:00")
    assert again.text == "This is already scheduled."
    assert len(await _next_reminder(h)) == 1


async def test_a_time_word_left_in_the_text_is_checked_first(h: Harness) -> None:
    await h.send("ana", "/timezone Europe/Paris", language="fr")
    [asked] = await h.send("ana", "/remind dans 2 heures demain appeler Ana")
    assert asked.text.startswith("J’ai compris l’heure ")
    assert "demain appeler Ana" in asked.text
    assert asked.buttons == ["Oui", "Annuler"]
    [cancelled] = await h.press("ana", "Annuler")
    assert cancelled.text.startswith("Rien n’a été programmé.")
    assert await _next_reminder(h) == []


@pytest.mark.parametrize(("language", "text", "question", "label"), [
    ("es", "/remind mañana a las 9 leer la unidad 2", "¿Quiso decir 09:00 o 21:00?", "09:00"),
    ("pt", "/remind amanhã às 9 ler a unidade 2", "Queria dizer 09:00 ou 21:00?", "09:00"),
    ("ar", "/remind غدا الساعة 9 اقرأ الوحدة 2", "هل تقصد 09:00 أم 21:00؟", "09:00"),
])
async def test_the_question_is_in_the_readers_language(tmp_path: Path, language: str, text: str,
                                                       question: str, label: str) -> None:
    async with open_console(tmp_path) as h:
        h.bot.services.clock.advance(NOW - h.bot.services.clock.now())
        await h.send("ana", "/timezone Europe/Paris", language=language)
        [asked] = await h.send("ana", text)
        assert question in asked.text
        await h.press("ana", label)
        assert await _next_reminder(h) == [
            (datetime(2026, 12, 3, 8, 0, tzinfo=UTC).timestamp(), None)]


async def test_a_facilitator_schedule_asks_back_and_keeps_the_recurrence(tmp_path: Path
                                                                         ) -> None:
    async with open_console(tmp_path, ["fac"]) as h:
        h.bot.services.clock.advance(NOW - h.bot.services.clock.now())
        await h.send("fac", "/timezone Europe/Paris", language="en")
        [asked] = await h.send("fac", "/schedule every monday at 9 check-in")
        assert asked.text == "Did you mean 09:00 or 21:00?"
        [done] = await h.press("fac", "09:00")
        assert done.text.startswith("Scheduled (#1) in this chat")
        assert "every Monday at 9:00" in done.text
        assert await _next_reminder(h) == [
            (datetime(2026, 12, 7, 8, 0, tzinfo=UTC).timestamp(), "0 9 * * mon")]
        assert await h.advance(timedelta(days=5)) != []
