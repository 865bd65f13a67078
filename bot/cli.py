"""Command line: `python -m bot [run|console|check|timeline|when]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.config import SUPPORTED_LANGUAGES, Config, ConfigError, load_config
from bot.credentials import Secrets
from bot.logs import LEVELS, SafeFormatter, log_level, redacted_traceback
from storage.errors import StorageError

EXIT_CONFIG = 2
# The database cannot be used (damaged, read-only, disk full): distinct from a bad config,
# so a supervisor can tell "fix the file" from "fix the disk".
EXIT_STORAGE = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=(
        "A multilingual community facilitator on Telegram, Discord and the console."))
    parser.add_argument("--config", type=Path, default=None,
                        help="configuration file (default: $BOT_CONFIG or ./config.toml)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start every platform whose token is set (default)")
    console = sub.add_parser("console", help="talk to the bot in this terminal")
    console.add_argument("--user", help="your name in the console (default from the config)")
    console.add_argument("--lang", choices=SUPPORTED_LANGUAGES,
                         help="the language your console 'platform' reports for you")
    console.add_argument("--facilitator", action="store_true",
                         help="act as a facilitator")
    sub.add_parser("check", help="validate the configuration and content, start nothing")
    timeline = sub.add_parser("timeline", help="print every message planned for a cohort")
    timeline.add_argument("--cohort", help="the cohort's code (default: every cohort)")
    when = sub.add_parser("when", help="read a time expression as /remind would, print JSON")
    when.add_argument("--lang", choices=SUPPORTED_LANGUAGES, default="en",
                      help="the language it is written in (default: en)")
    when.add_argument("--zone", help="time zone (default: the config's bot.timezone, else UTC)")
    when.add_argument("--now", help="the moment to read it at, ISO 8601 (default: now)")
    when.add_argument("text", help='the expression and its message: "tomorrow 9:00 call Ana"')
    move = sub.add_parser("migrate", help="copy an SQLite installation into PostgreSQL")
    move.add_argument("--from", dest="source", required=True, metavar="sqlite:PATH",
                      help="the SQLite database file, e.g. sqlite:data/bot.sqlite3")
    move.add_argument("--to", dest="target", required=True, metavar="postgresql://…",
                      help="an empty PostgreSQL database (password in BOT_DATABASE_PASSWORD)")
    return parser


class RedactSecrets(logging.Filter):
    """Replace every secret by "***" in whatever a log record would print: library request
    logs carry the Telegram token inside URLs."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redacted_traceback(record.exc_info[1])
        for secret in self.secrets:
            text = text.replace(secret, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "***")
        record.msg, record.args = text, None
        return True


def secret_values(config: Config | None, env: dict[str, str]) -> list[str]:
    names = ["TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]
    if config is not None and config.translation.api_key_env:
        names.append(config.translation.api_key_env)
    return [env[n] for n in names if env.get(n)]


def _log_level(config: Config | None) -> str:
    """The level from BOT_LOG_LEVEL, else the config's; ConfigError for an unknown one."""
    value = os.environ.get("BOT_LOG_LEVEL") or (config.bot.log_level if config else "INFO")
    level = log_level(value)
    if level is None:
        raise ConfigError([f"BOT_LOG_LEVEL: {value[:40]!r} is not a log level; use one of "
                           f"{', '.join(LEVELS)}"])
    return level


def _setup_logging(config: Config | None, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secret_values(config, dict(os.environ))))
    logging.basicConfig(level=level, handlers=[handler])
    # Library request logs can carry the bot token inside URLs: keep them quiet.
    for noisy in ("httpx", "httpcore", "telegram", "discord", "aiosqlite", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def check(path: Path, config: Config) -> int:
    """The configuration is valid (or we would not be here); now the content files."""
    print(f"{path}: configuration is valid")
    if not config.content.academy:
        return 0
    folder = config.resolve(config.content.academy)
    if not folder.is_dir():
        print(f"{path}: content.academy: folder {folder} not found", file=sys.stderr)
        return 1
    from bot.content.academy import check_academy

    problems = check_academy(folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{folder}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{folder}: content is valid")
    return 0


def when(args: argparse.Namespace, path: Path) -> int:
    """`python -m bot when`: needs no configuration, but uses its time zone when there is one."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.args import zone_name
    from bot.when import print_when

    zone_arg = args.zone
    if zone_arg is None:
        try:
            zone_arg = load_config(path).bot.timezone
        except (ConfigError, OSError):
            zone_arg = "UTC"
    name = zone_name(zone_arg)
    try:
        zone = ZoneInfo(name or "")
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    except (ValueError, OSError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        print(f"--zone or --now: {type(exc).__name__}", file=sys.stderr)
        return EXIT_CONFIG
    now = now if now.tzinfo else now.replace(tzinfo=zone)
    return print_when(args.text, args.lang, zone, now, sys.stdout, sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = args.config or Path(os.environ.get("BOT_CONFIG", "config.toml"))
    if args.command == "when":
        return when(args, path)
    if args.command == "migrate":
        from bot.migrate_command import migrate

        return migrate(args.source, args.target, sys.stdout, sys.stderr)
    try:
        config = load_config(path)
        level = _log_level(config)  # BOT_LOG_LEVEL=LOUD: one clear line, not a traceback
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check":
        return check(path, config)
    _setup_logging(config, level)
    # python-telegram-bot 22: opt into timedelta retry_after (the adapter handles both).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    from bot import app  # imported late: `check` must not need the platform libraries

    try:
        if args.command == "timeline":
            return asyncio.run(app.print_timeline(config, args.cohort, sys.stdout))
        if args.command == "console":
            return asyncio.run(app.run_console(config, args.user, args.lang, args.facilitator))
        return asyncio.run(app.run(config, Secrets.from_env()))
    except ConfigError as exc:  # found while starting, e.g. a translation key not set
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as exc:  # the connection is closed: returning ends the process
        print(f"{exc}; the bot cannot start", file=sys.stderr)
        return EXIT_STORAGE
    except KeyboardInterrupt:
        return 130
