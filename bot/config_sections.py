"""The sections of `config.toml` (bot/config.py validates the whole file with them): each
key's type, default and bounds, so a wrong value is one `file: key: problem` line."""

from __future__ import annotations

import difflib
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from bot.clock import bounded_day
from bot.config_deploy import DiscordShardKeys, TelegramWebhookKeys

SUPPORTED_LANGUAGES = ("en", "fr", "es", "pt", "ar")
SECRET_LOOKING_KEYS = {"token", "bot_token", "api_key", "key", "secret", "password"}


def _check_language(code: str) -> str:
    if code not in SUPPORTED_LANGUAGES:
        raise ValueError(
            f"unsupported language {code!r}; supported: {', '.join(SUPPORTED_LANGUAGES)}"
        )
    return code


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, available_timezones(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown IANA time zone {name!r}{hint}") from None
    return name


def _ids_as_strings(value: Any) -> Any:
    # TOML users write ids as numbers; we keep every platform id as a string.
    if isinstance(value, list):
        return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    return value


Language = Annotated[str, AfterValidator(_check_language)]
TimeZone = Annotated[str, AfterValidator(_check_timezone)]
IdList = Annotated[list[str], BeforeValidator(_ids_as_strings)]


def _check_database_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError("a PostgreSQL URL: postgresql://user@host:5432/dbname")
    if parts.password is not None:
        raise ValueError("no password in the URL: set it in BOT_DATABASE_PASSWORD")
    return url


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BotSection(Section):
    default_language: Language = "en"
    languages: list[Language] = Field(default_factory=lambda: list(SUPPORTED_LANGUAGES))
    timezone: TimeZone = "UTC"
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")


class StorageSection(Section):
    path: str = "data/bot.sqlite3"
    # PostgreSQL instead of the SQLite file at `path` (whose folder still holds exports):
    # "postgresql://user@host:5432/dbname", the password in BOT_DATABASE_PASSWORD.
    url: Annotated[str, AfterValidator(_check_database_url)] | None = None


class TelegramSection(Section, TelegramWebhookKeys):
    api_base_url: str = "https://api.telegram.org/bot"
    file_base_url: str = "https://api.telegram.org/file/bot"
    poll_timeout: int = Field(default=30, ge=0, le=60)
    # Pacing at Telegram's published limits (~30/s overall, ~1/s per chat, 20/min per
    # group). The pacer spaces sends evenly, so 30/s never bursts past the limit; a 429
    # still slows the chat and the bot down (bench/delivery.py measures both).
    messages_per_second: float = Field(default=30.0, gt=0, le=1000)
    messages_per_chat_per_second: float = Field(default=1.0, gt=0, le=1000)
    group_messages_per_minute: float = Field(default=20.0, gt=0, le=60_000)
    # Largest file the bot uploads: 50 MB on api.telegram.org (a self-hosted Bot API
    # server allows up to 2000). Larger files are announced by name instead.
    upload_limit_mb: int = Field(default=50, ge=1, le=2000)


class DiscordSection(Section, DiscordShardKeys):
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = ""  # empty: discord.py's own default
    command_prefix: str = Field(default="!", min_length=1, max_length=5)
    # Discord allows 50 requests/s per bot; leave room for non-message requests.
    # discord.py also follows each route's X-RateLimit bucket by itself.
    messages_per_second: float = Field(default=40.0, gt=0, le=1000)
    messages_per_channel_per_second: float = Field(default=1.0, gt=0, le=1000)
    # Largest file the bot uploads: 10 MB by default on Discord (boosted servers allow
    # more). Larger files are announced by name (and link) instead.
    upload_limit_mb: int = Field(default=10, ge=1, le=500)


class ContentSection(Section):
    # The academy's content folder (content/FORMAT.md); empty: no course content.
    academy: str = "content/sstc-academy"


class OutboxSection(Section):
    senders_per_platform: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=10, ge=1, le=100)
    # PostgreSQL, several workers: a message claimed by a worker that died is taken over
    # by another after this long (longer than any send takes).
    claim_seconds: float = Field(default=60.0, ge=1, le=3600)


class FacilitatorsSection(Section):
    telegram: IdList = Field(default_factory=list)
    discord: IdList = Field(default_factory=list)
    console: list[str] = Field(default_factory=list)

    def accounts(self) -> set[tuple[str, str]]:
        """Every (platform, user id) listed, so that features need not name platforms."""
        return {(platform, str(user_id)) for platform in type(self).model_fields
                for user_id in getattr(self, platform)}


class ConsoleSection(Section):
    user: str = Field(default="you", min_length=1)
    language: Language | None = None


class ChatConfig(Section):
    """A group chat named in the config: a bridge's or a cohort's."""

    platform: Literal["telegram", "discord", "console"]
    chat_id: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]

    @model_validator(mode="before")
    @classmethod
    def _console_group_ids(cls, data: Any) -> Any:
        # Console group chats are "#name"; let the file say either "name" or "#name".
        if isinstance(data, dict) and data.get("platform") == "console" and \
                isinstance(data.get("chat_id"), str) and not data["chat_id"].startswith("#"):
            return {**data, "chat_id": "#" + data["chat_id"]}
        return data


class BridgeChannelConfig(ChatConfig):
    language: Language
    title: str | None = None


class BridgeConfig(Section):
    name: str = Field(pattern=r"^[\w-]{1,40}$")
    channels: list[BridgeChannelConfig] = Field(min_length=1)


# A cohort date: a date (2026-06-08), or a whole number of days from the day the database
# was created (the sample cohort's dates move with each new installation); both bounded.
CohortDay = Annotated[int | date, AfterValidator(bounded_day(
    "from the database's creation; or write a date, e.g. 2026-06-08"))]


class CohortConfig(Section):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")  # what participants type: /join demo
    name: str = Field(min_length=1, max_length=100)
    # The name in other languages, e.g. { fr = "Académie SSTC", ar = "أكاديمية ..." }.
    names: dict[Language, Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=dict)
    languages: list[Language] | None = None  # default: bot.languages
    default_language: Language | None = None  # default: bot.default_language
    timezone: TimeZone | None = None  # default: bot.timezone
    face_to_face_start: CohortDay
    face_to_face_end: CohortDay | None = None  # default: start + 4 days
    prelearning_start: CohortDay | None = None  # default: 20 days before the start
    impact_survey: CohortDay | None = None  # default: 4 months after the end
    open: bool = True  # listed by /join; a closed cohort is joined by its code only
    channels: list[ChatConfig] = Field(default_factory=list)  # members are enrolled
    release_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    nudge_after_days: int = Field(default=3, ge=1, le=60)  # unopened unit: one friendly nudge
    quiet_after_days: int = Field(default=10, ge=1, le=120)  # silent this long: one prompt
    # Post-learning (handlers/feedback/, handlers/resources/). The assessment's feedback
    # is prepared on `feedback_at` (default: the day after the assessment's last reminder)
    # and posted when a facilitator says so, or by itself with `feedback_auto_post`.
    feedback_at: CohortDay | None = None
    feedback_auto_post: bool = False
    # Resources for each participant's gaps: the first this many days after the week,
    # then one every `resources_every_days`, at most `resources_max`.
    resources_after_days: int = Field(default=3, ge=0, le=120)
    resources_every_days: int = Field(default=4, ge=1, le=60)
    resources_max: int = Field(default=3, ge=0, le=20)
    # Facilitators of this cohort only: they see and manage this cohort, not the others.
    # Those in the top-level [facilitators] see every cohort.
    facilitators: FacilitatorsSection = FacilitatorsSection()


class TranslationSection(Section):
    """Relay translation. The API key never goes here: `api_key_env` names the
    environment variable that holds it."""

    engine: Literal["none", "libretranslate", "deepl"] = "none"
    url: str = ""  # LibreTranslate base URL (required), or a DeepL URL override
    api_key_env: str = Field(default="", pattern=r"^([A-Za-z_][A-Za-z0-9_]*)?$")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)  # one engine request
    deadline_seconds: float = Field(default=8.0, gt=0, le=120)  # one message, all targets
    # Protected terms: never translated (case-insensitive, whole words).
    glossary: list[str] = Field(default_factory=lambda: [
        "ILO", "SSTC", "SDG", "Decent Work", "South-South", "UNOSSC", "BAPA", "ITC-ILO"])
    cache_max_entries: int = Field(default=100_000, ge=0, le=100_000_000)


class SurveysSection(Section):
    # Reminders to those who have not finished a survey: days after their invitation;
    # nothing after the last one. Per survey: reminder_days_by_survey = { impact = [7, 14] }.
    reminder_days: list[Annotated[int, Field(ge=1, le=365)]] = Field(
        default_factory=lambda: [3, 7], max_length=10)
    reminder_days_by_survey: dict[str, list[Annotated[int, Field(ge=1, le=365)]]] = Field(
        default_factory=dict)
    # Answers of an anonymous survey are shown, counted or exported only for groups of at
    # least this many (responses, or people in a breakdown): fewer could be recognised.
    anonymous_min_group: int = Field(default=5, ge=1, le=1000)


class QuotasSection(Section):
    """What one person may ask of the bot: beyond, a clear refusal (or, for commands, a
    slower pace), so one participant cannot fill the database or hold everyone up."""

    commands_per_minute: int = Field(default=20, ge=1, le=10_000)
    reminders_per_participant: int = Field(default=50, ge=1, le=10_000)
    posts_per_chat: int = Field(default=50, ge=1, le=10_000)  # /schedule, per chat
    practices_waiting_per_participant: int = Field(default=5, ge=1, le=1000)
