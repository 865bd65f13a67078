"""One scenario, every platform: the same neutral handlers behind the console, Telegram
(python-telegram-bot against the fake Bot API) and Discord (discord.py against the fake
REST + gateway)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness import open_console
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram

OPENERS: dict[str, Callable[..., Any]] = {
    "console": open_console, "telegram": open_telegram, "discord": open_discord}


@pytest.mark.parametrize("platform", list(OPENERS))
async def test_onboarding_help_authorization_and_whoami(platform: str, tmp_path: Path) -> None:
    async with OPENERS[platform](tmp_path, facilitators=["fac"]) as h:
        # A newcomer whose platform says nothing about their language gets the picker,
        # asked in every language.
        [picker] = await h.send("ana", "/start")
        assert picker.buttons == ["English", "Français", "Español", "Português", "العربية"]
        assert "Veuillez choisir votre langue." in picker.text
        assert "يرجى اختيار لغتك." in picker.text
        welcome, consent = await h.press("ana", "Français")
        assert welcome.text.lower().startswith("bienvenue, ana ! je suis l’assistant communautaire")
        assert consent.buttons == ["J’accepte", "Non, merci"]
        [thanks] = await h.press("ana", "J’accepte")
        assert thanks.text.startswith("Merci ! Tapez ")

        [help_] = await h.send("ana", "/help")
        assert help_.text.startswith("Ce que je peux faire pour vous :")
        assert "whoami" in help_.text and "audit" not in help_.text

        [refused] = await h.send("ana", "/audit")
        assert refused.text.startswith("Désolé, ") and "réservé aux facilitateurs" in refused.text
        [log] = await h.send("fac", "/audit", language="en")
        assert log.text.startswith("Latest admin actions:")
        assert f"audit on {platform} · refused" in log.text

        [me] = await h.send("ana", "/whoami")
        assert "Langue : Français" in me.text and "Consentement : donné le" in me.text
        assert f"{platform.capitalize()} : ana" in me.text.replace("Ana", "ana")


@pytest.mark.parametrize("platform", list(OPENERS))
async def test_the_platforms_language_skips_the_picker(platform: str, tmp_path: Path) -> None:
    async with OPENERS[platform](tmp_path) as h:
        welcome, consent = await h.send("joao", "/start", language="pt")
        assert welcome.text.lower().startswith("bem-vindo, joao!")
        assert consent.buttons == ["Concordo", "Não, obrigado"]
