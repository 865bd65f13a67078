"""Configuration: every problem names the file, the key and what is wrong; exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from bot.credentials import Secrets

ROOT = Path(__file__).resolve().parent.parent


def problems_of(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return err.value.problems


def test_the_example_config_is_valid() -> None:
    config = load_config(ROOT / "config.toml")
    assert config.bot.languages == ["en", "fr", "es", "pt", "ar"]
    assert config.database_path == ROOT / "data" / "bot.sqlite3"


def test_empty_config_gets_documented_defaults() -> None:
    config = parse_config({})
    assert config.telegram.api_base_url == "https://api.telegram.org/bot"
    assert config.telegram.file_base_url == "https://api.telegram.org/file/bot"
    assert config.discord.api_base_url == "https://discord.com/api/v10"
    assert config.discord.command_prefix == "!"
    assert config.storage.path == "data/bot.sqlite3"


def test_misspelled_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    problems = problems_of('[storage]\npaht = "x.db"\n', tmp_path)
    assert problems == [f"{tmp_path / 'config.toml'}: storage.paht: unknown key "
                        "(did you mean 'path'?)"]


def test_unknown_section(tmp_path: Path) -> None:
    [problem] = problems_of("[telegarm]\n", tmp_path)
    assert "telegarm: unknown key (did you mean 'telegram'?)" in problem


def test_wrong_type(tmp_path: Path) -> None:
    [problem] = problems_of("[telegram]\npoll_timeout = \"thirty\"\n", tmp_path)
    assert "telegram.poll_timeout:" in problem
    assert "integer" in problem and "'thirty'" in problem


def test_unknown_time_zone_suggests_the_right_one(tmp_path: Path) -> None:
    [problem] = problems_of('[bot]\ntimezone = "Europe/Rom"\n', tmp_path)
    assert "bot.timezone: unknown IANA time zone 'Europe/Rom' (did you mean 'Europe/Rome'?)" \
        in problem


def test_unsupported_language(tmp_path: Path) -> None:
    [problem] = problems_of('[bot]\nlanguages = ["en", "xx"]\n', tmp_path)
    assert "bot.languages[1]: unsupported language 'xx'" in problem


def test_default_language_must_be_offered(tmp_path: Path) -> None:
    [problem] = problems_of('[bot]\nlanguages = ["en", "fr"]\ndefault_language = "ar"\n',
                            tmp_path)
    assert "bot.default_language: 'ar' is not in bot.languages" in problem


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    problems = problems_of('[bot]\ntimezone = "Mars/Olympus"\n[discord]\nprefix = "!"\n',
                           tmp_path)
    assert len(problems) == 2


def test_a_token_in_the_file_points_to_the_environment(tmp_path: Path) -> None:
    [problem] = problems_of('[telegram]\ntoken = "123:abc"\n', tmp_path)
    assert "telegram.token" in problem and "TELEGRAM_BOT_TOKEN" in problem
    assert "123:abc" not in problem


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    [problem] = problems_of('[bot]\ntimezone = \n', tmp_path)
    assert "invalid TOML" in problem and "line 2" in problem


def test_facilitator_ids_may_be_numbers(tmp_path: Path) -> None:
    config = parse_config({"facilitators": {"telegram": [42], "discord": [1234567890123456789]}})
    assert config.facilitators.telegram == ["42"]
    assert config.facilitators.discord == ["1234567890123456789"]


def test_secrets_come_from_the_environment_and_never_print() -> None:
    secrets = Secrets.from_env({"TELEGRAM_BOT_TOKEN": "123:secret", "DISCORD_BOT_TOKEN": ""})
    assert secrets.telegram_token == "123:secret" and secrets.discord_token is None
    assert "secret" not in repr(secrets)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=60)


def test_check_passes_on_the_example() -> None:
    result = run_cli("--config", "config.toml", "check")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_check_fails_with_status_2_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[storage]\npaht = "x"\n', encoding="utf-8")
    result = run_cli("--config", str(bad), "check")
    assert result.returncode == 2
    assert "storage.paht: unknown key (did you mean 'path'?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_bot_config_environment_variable_selects_the_file(tmp_path: Path) -> None:
    import os

    missing = tmp_path / "nowhere.toml"
    result = run_cli("check", env={**os.environ, "BOT_CONFIG": str(missing)})
    assert result.returncode == 2
    assert f"{missing}: file not found" in result.stderr
