"""Every input bounded (issue 19, item 8): hostile arguments, typed after every command of
the registry, get a specific answer in the reader's language, never the generic apology,
and nothing of them reaches a log record at any level. The commands come from the
registry, so a command added later is covered without editing this test."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import FEATURES
from bot.args import MAX_INT, number, zone_name
from bot.commands import CommandRegistry
from bot.i18n import Catalogs
from tests.harness import REPO, ConsoleHarness, Reply, demo_cohort, open_console
from tests.harness_discord import open_discord
from tests.harness_telegram import open_telegram, telegram_id

# What a client may type after a command. "zq" marks the participant's text in logs.
HOSTILE = {
    "nul": "zq\x00zq",
    "2**63": str(2**63),
    "2**64": str(2**64),
    "-2**63-1": str(-2**63 - 1),
    "30 nines": "9" * 30,
    "10,000 characters": "zq" * 5_000,
    "1,000 characters": "zq" * 500,
    "zero and below": "-0",
    "hexadecimal": "0x7fffffffffffffffff",
    "right-to-left marks": "\u200fzq\u202e",
    "a number behind a mark": "\u200f" + str(2**64),
    "emoji": "🙂zq👍🏽",
    "ideographic space": "\u3000",
    "zero-width space": "\u200b",
    "superscript": "¹",
    "escape sequence": "zq\x1b[31m",
    "lone surrogate": "zq\udcff",
    "path": "zq/../../../etc/passwd",
    "format string": "{zq}%s%n",
}
CONTROL = ("nul", "escape sequence")
# What may be quoted back to the reader but must never be logged.
SECRETS = ("zq", str(2**63), str(2**64), "9" * 30, "¹")
# Sub-commands the usage lines do not spell out.
EXTRA = {"poll": ["results", "close", "bridge", "list"], "remind": ["cancel", "list"],
         "schedule": ["cancel", "list"], "bridge": ["create", "join"],
         "survey": ["status", "results", "export", "shortlist", "start"]}
APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again in a " \
          "moment."
CONTROL_ANSWER = ("What you typed after {command} contains an invisible control character "
                  "(such as a null byte) that I cannot read. Please type it again.")
TOO_LONG = "That is too long for {command}: {max} characters at most after the command."


def registry() -> CommandRegistry:
    r = CommandRegistry()
    for feature in FEATURES:
        feature.setup(r)
    return r


def forms() -> list[tuple[str, str]]:
    """(command, template): each command alone with an argument, and each of its
    sub-commands followed by one and by two arguments."""
    found = []
    for command in sorted(registry().commands.values(), key=lambda c: c.name):
        usage = re.sub(r"<[^>]*>|\[[^]|]*\]", " ", command.usage)
        words = set(re.findall(r"\b[a-z]+\b", usage)) | set(command.subcommands) \
            | set(EXTRA.get(command.name, []))
        found.append((command.name, "{}"))
        for word in sorted(words):
            found += [(command.name, f"{word} {{}}"), (command.name, f"{word} {{}} {{}}")]
    return found


def test_the_corpus_covers_the_registry() -> None:
    names = {name for name, _ in forms()}
    assert {"practice", "practices", "poll", "slots", "timezone", "remind", "unit"} <= names
    assert ("slots", "cancel {}") in forms() and ("poll", "results {}") in forms()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    # As the bot's own log set-up does (bot/cli.py): library request logs stay at WARNING.
    for noisy in ("httpx", "httpcore", "telegram", "discord", "aiosqlite", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    yield caplog
    for noisy in ("httpx", "httpcore", "telegram", "discord", "aiosqlite", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.NOTSET)


def assert_nothing_typed_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:  # as the standard library would print it
            text += logging.Formatter().formatException(record.exc_info)
        for secret in SECRETS:
            assert secret not in text, (record.name, record.levelname, text[:300])


def translate(language: str, message: str) -> str:
    return Catalogs((language,)).pack(language).translations.gettext(message)


async def probe(h: ConsoleHarness, user: str, line: str) -> list[Reply]:
    replies = [r for r in await h.send(user, line) if r.chat_id == user]
    assert replies, f"no answer to {line!r}"
    return replies


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_hostile_arguments_after_every_command(language: str, tmp_path: Path,
                                                     logs: pytest.LogCaptureFixture) -> None:
    apology = translate(language, APOLOGY)
    control = translate(language, CONTROL_ANSWER)
    too_long = translate(language, TOO_LONG)
    # English in full; French and Arabic each command's forms with the values that used
    # to reach the apology, and those with their own answer.
    values = HOSTILE if language == "en" else {k: HOSTILE[k] for k in (
        *CONTROL, "2**64", "10,000 characters", "superscript", "right-to-left marks")}
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        user = "fac"
        await h.send(user, "/help", language=language)
        for name, template in forms():
            for label, value in values.items():
                line = f"/{name} " + template.format(*[value] * template.count("{}"))
                replies = await probe(h, user, line)
                texts = [r.text.replace("\u200f", "") for r in replies]
                assert not any(apology.replace("\u200f", "") in t for t in texts), \
                    (language, label, name, template)
                if label in CONTROL:
                    assert texts == [control.format(command=f"/{name}")], (label, name, texts)
                elif label == "10,000 characters" and len(line) > 4001 + len(name) + 1:
                    assert texts == [too_long.format(command=f"/{name}", max=4000)], \
                        (label, name, template)
                if language == "ar":  # written in Arabic, whatever was typed
                    assert all(re.search("[\u0621-\u064a]", t) for t in texts), (name, texts)
    assert_nothing_typed_is_logged(logs)
    # Nothing failed on the way either (a reply the outbox could not send, a handler).
    assert not [r.getMessage()[:200] for r in logs.records if r.levelno >= logging.WARNING]


async def test_the_examples_of_the_issue_get_their_own_answer(
        tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("fac", "/help", language="fr")
        [found] = await probe(h, "fac", "/practices coop\x00eration")
        assert found.text == translate("fr", CONTROL_ANSWER).format(command="/practices")
        [practice] = await probe(h, "fac", f"/practice {2**64}")
        assert practice.text.startswith("Il n’y a pas de pratique approuvée n°")
        [poll] = await probe(h, "fac", f"/poll results {2**63}")
        assert poll.text.startswith("Il n’y a pas de sondage n°")
        [slot] = await probe(h, "fac", f"/slots cancel {2**63}")
        assert slot.text.startswith("Il n’y a pas de créneau d’entretien n°")
        [zone] = await probe(h, "fac", "/timezone " + "Europe/" + "A" * 300)
        assert "n’est pas un fuseau horaire que je connais" in zone.text
        assert len(zone.text) < 300
        # A code typed after a right-to-left mark is the code; a code too long for one
        # does not leave the only cohort.
        joined = await probe(h, "fac", "/join \u200fdemo")
        # A facilitator is asked first (issue 15 item 5), about the cohort the code names.
        assert joined[0].text.startswith("Vous êtes facilitateur ou facilitatrice de SSTC "
                                         "Academy — demo"), joined[0].text
        welcome = await h.press("fac", "Participer comme participant ou participante")
        assert welcome[0].text.startswith("Bienvenue"), welcome[0].text
        [stay] = await probe(h, "fac", "/leave " + "demo" * 100)
        assert stay.text.startswith("Quelle cohorte ?"), stay.text
        # Digits of other scripts are numbers too; superscripts are not.
        [none] = await probe(h, "fac", "/unit ¹")
        assert none.text.startswith("Il n’y a pas d’unité « ¹ »"), none.text
        first = await probe(h, "fac", "/unit ١")
        assert not first[0].text.startswith("Il n’y a pas d’unité"), first[0].text
        [days] = await probe(h, "fac", "/stats ¹")
        assert days.text.startswith("Indiquez un nombre de jours de 1 à")
    assert_nothing_typed_is_logged(logs)


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_over_the_platforms_hostile_arguments_get_their_answers(
        platform: str, tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    opener, prefix = (open_telegram, "/") if platform == "telegram" else (open_discord, "!")
    async with opener(tmp_path, facilitators=["fac"]) as h:
        await h.send("fac", "/help", language="ar")
        control = translate("ar", CONTROL_ANSWER)
        [found] = await h.send("fac", "/practices zq\x00zq")
        assert found.text.replace("\u200f", "") == \
            control.format(command=f"{prefix}practices").replace("\u200f", "")
        apology = translate("ar", APOLOGY).replace("\u200f", "")
        for line in (f"/practice {2**64}", f"/poll results {2**63}", f"/slots cancel {2**64}",
                     "/timezone " + "zq" * 200, f"/audit {2**64}", "/remind cancel ¹"):
            replies = await h.send("fac", line)
            assert replies and not any(apology in r.text.replace("\u200f", "")
                                       for r in replies), line
            assert all(re.search("[\u0621-\u064a]", r.text) for r in replies), line
    assert_nothing_typed_is_logged(logs)


def test_the_shared_parsers_are_bounded() -> None:
    assert number("12") == 12 and number("#12") == 12 and number("١٢") == 12
    assert number("\u200f7") == 7 and number(str(MAX_INT)) == MAX_INT
    for bad in (str(2**63), str(2**64), str(-2**63 - 1), "¹", "½", "", "#", "1e3", "0x10",
                " ", "12a", "9" * 10_000, "0"):
        assert number(bad) is None, bad
    assert number("-5", low=-10) == -5 and number("11", high=10) is None
    assert zone_name("America/Sao_Paulo") == "America/Sao_Paulo"
    for bad in ("../../etc/passwd", "A" * 300, "Europe/Paris\x00", "/etc", "Europe//Paris"):
        assert zone_name(bad) is None, bad


def run_bot(tmp_path: Path, level: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "bot.sqlite3"}"\n'
                      '[content]\nacademy = ""\n', encoding="utf-8")
    env = {**os.environ, "BOT_LOG_LEVEL": level}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DISCORD_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args],
                          capture_output=True, text=True, cwd=REPO, env=env, input="",
                          timeout=60)


@pytest.mark.parametrize("command", [("console",), ("check",)])
def test_an_unknown_log_level_is_a_clean_configuration_error(tmp_path: Path,
                                                               command: tuple[str]) -> None:
    result = run_bot(tmp_path, "LOUD", *command)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == ("BOT_LOG_LEVEL: 'LOUD' is not a log level; use one of "
                                     "DEBUG, INFO, WARNING, ERROR")
    assert "Traceback" not in result.stderr


def test_a_log_level_in_lower_case_is_accepted(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "debug", "console")
    assert result.returncode == 0, result.stderr
    assert " DEBUG " in result.stderr or " INFO " in result.stderr


async def test_typed_survey_answers_are_bounded_numbers(tmp_path: Path,
                                                        logs: pytest.LogCaptureFixture) -> None:
    """A typed answer is input too: a superscript or 5,000 digits is no option's number
    (int() used to refuse both with an exception, and the reader got the apology)."""
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await h.press("ana", "Start")
        for typed in ("¹", "9" * 5_000, str(2**64), "-" + "9" * 30):
            [wrong] = await probe(h, "ana", typed)
            assert "Choose a number from 1 to 5." in wrong.text, wrong.text
            assert len(wrong.text) < 600
        assert "question 2 of" in "\n".join(r.text for r in await probe(h, "ana", "٥"))
        for typed in ("¹", "1, ¹", "9" * 5_000):
            [wrong] = await probe(h, "ana", typed)
            assert "9. None of these yet" in wrong.text, wrong.text
        assert "Selected: Principles of SSTC; Finding partners" in "\n".join(
            r.text for r in await probe(h, "ana", "1, ٧"))  # selected, as if pressed
        assert "have you started" in "\n".join(r.text for r in await probe(h, "ana", "Done"))
    assert_nothing_typed_is_logged(logs)


def test_a_logged_exception_shows_its_type_and_frames_never_its_message() -> None:
    """The bot's log format (bot/cli.py) for exceptions logged anywhere, not only in the
    dispatcher: `int('zq¹')` quotes its input, a chained one too."""
    from bot.cli import RedactSecrets
    from bot.logs import SafeFormatter

    def parse(typed: str) -> int:
        try:
            return int(typed)
        except ValueError as exc:
            raise LookupError(f"no practice {typed}") from exc

    typed = "".join(["z", "q", "¹"])  # not in a source line, which a traceback quotes
    try:
        parse(typed)
    except LookupError:
        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "failed", None,
                                   sys.exc_info())
    for log_filter in (None, RedactSecrets(["123456:SECRET"])):
        if log_filter is not None:
            log_filter.filter(record)
        text = SafeFormatter("%(levelname)s %(message)s").format(record)
        assert "zq" not in text, text
        assert "ValueError\n" in text and text.endswith("LookupError")
        assert "direct cause" in text and ", in parse" in text


async def test_over_telegram_typed_prose_and_names_are_stored_well_formed(
        tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    """A forged update may carry a lone surrogate, which no database can store (it reached
    the apology, the answer to a practice's title lost), and control characters, which no
    reader sees: prose and names are kept without them."""
    from handlers.practices.template import repository

    async with open_telegram(tmp_path) as h:
        account = h.fake.add_user("Mal\x1b[31m\udcff", user_id=telegram_id("mal"),
                                  language_code="fr")
        h.fake.push_text(account, "/practice new")
        await h.settle(h.fake.last_update_id)
        h.new_replies(account)
        h.fake.push_text(account, "zq\x00Titre\udcff")
        await h.settle(h.fake.last_update_id)
        [step] = h.new_replies(account)
        assert step.text.startswith("Bonne pratique, étape 2 sur 11"), step.text
        services = h.bot.services
        stored = await services.participants.account("telegram", str(telegram_id("mal")))
        assert stored is not None and stored.display_name == "Mal[31m\ufffd"
        draft = await repository(services).unfinished_of(stored.participant_id)
        assert draft is not None and draft.title == "zqTitre\ufffd"
    assert_nothing_typed_is_logged(logs)
