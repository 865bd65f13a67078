"""The console platform, driven through real standard input and output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.i18n import RLM
from tests.harness import parse_console_output

ROOT = Path(__file__).resolve().parent.parent


def console(tmp_path: Path, lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text('[storage]\npath = "bot.sqlite3"\n[facilitators]\nconsole = ["fac"]\n',
                          encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "console", *args],
        input=lines, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


def test_french_speaker_is_answered_in_french(tmp_path: Path) -> None:
    result = console(tmp_path, "/start\n/help\n", "--lang", "fr")
    assert result.returncode == 0, result.stderr
    welcome, consent, help_ = parse_console_output(result.stdout)
    assert welcome.text.startswith("Bienvenue, you !")
    assert consent.buttons == ["J’accepte", "Non, merci"]
    assert help_.text.startswith("Ce que je peux faire pour vous :")
    assert "/whoami — Voir ce que je conserve à votre sujet" in help_.text


def test_arabic_speaker_is_answered_in_arabic_right_to_left(tmp_path: Path) -> None:
    result = console(tmp_path, "/start\n/help\n", "--lang", "ar")
    assert result.returncode == 0, result.stderr
    welcome, _consent, help_ = parse_console_output(result.stdout)
    assert welcome.text.startswith(f"{RLM}مرحبًا يا you!")
    assert all(line.startswith(RLM) for line in help_.text.split("\n") if line)


def test_without_a_language_the_picker_asks_in_every_language(tmp_path: Path) -> None:
    result = console(tmp_path, "/start\n2\n1\n/whoami\n")
    assert result.returncode == 0, result.stderr
    picker, welcome, consent, thanks, whoami = parse_console_output(result.stdout)
    assert picker.buttons == ["English", "Français", "Español", "Português", "العربية"]
    assert "Veuillez choisir votre langue." in picker.text
    assert "Por favor, escolha o seu idioma." in picker.text
    assert welcome.text.startswith("Bienvenue")
    assert consent.buttons == ["J’accepte", "Non, merci"]
    assert thanks.text == "Merci ! Tapez /help pour voir ce que vous pouvez faire."
    assert "Langue : Français" in whoami.text and "Consentement : donné le" in whoami.text


def test_as_switches_between_users_each_in_their_language(tmp_path: Path) -> None:
    script = ":as ana es\n/help\n:as joao pt\n/help\n:as ana\n/language\n"
    result = console(tmp_path, script)
    assert result.returncode == 0, result.stderr
    ana, joao, picker = parse_console_output(result.stdout)
    assert ana.chat_id == "ana" and ana.text.startswith("Lo que puedo hacer por usted:")
    assert joao.chat_id == "joao" and joao.text.startswith("O que posso fazer por si:")
    assert picker.chat_id == "ana" and "Français" in picker.buttons


def test_group_chats_and_facilitators(tmp_path: Path) -> None:
    script = ":chat general\n/audit\n:as fac en facilitator\n:chat general\n/audit\n:dm\n/help\n"
    result = console(tmp_path, script, "--user", "ana")
    assert result.returncode == 0, result.stderr
    replies = parse_console_output(result.stdout)
    texts = [(r.chat_id, r.text.split("\n")[0]) for r in replies]
    assert texts[0][0] == "#general" and texts[0][1].startswith("Welcome to the group, ana!")
    assert texts[1] == ("#general", "Sorry, /audit is for facilitators only.")
    assert texts[3] == ("#general", "Latest admin actions:")
    assert replies[-1].chat_id == "fac" and "For facilitators:" in replies[-1].text


def test_the_database_survives_between_runs(tmp_path: Path) -> None:
    console(tmp_path, "/language pt\n")
    result = console(tmp_path, "/help\n")
    assert parse_console_output(result.stdout)[0].text.startswith("O que posso fazer por si:")


def test_an_explicit_lang_wins_over_the_stored_language(tmp_path: Path) -> None:
    console(tmp_path, "/start\n1\n", "--lang", "fr")
    result = console(tmp_path, "/help\n", "--lang", "ar")
    assert parse_console_output(result.stdout)[0].text.startswith(f"{RLM}ما يمكنني فعله لك")
    result = console(tmp_path, "/help\n")  # without --lang: the stored language, now ar
    assert parse_console_output(result.stdout)[0].text.startswith(f"{RLM}ما يمكنني فعله لك")


def test_nothing_but_bot_messages_reaches_standard_output(tmp_path: Path) -> None:
    result = console(tmp_path, "/help\n:bogus\nhello\n")
    assert result.returncode == 0
    assert all(line.startswith(("[bot → ", "  ")) for line in result.stdout.splitlines())
    assert "unknown or incomplete directive" in result.stderr
