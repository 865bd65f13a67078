"""Configuration: `config.toml`, validated completely at start-up.

Every problem becomes one line `file: key: problem`; secrets never live here (they come
from the environment, see `Secrets`). The sections' keys are in bot/config_sections.py.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from bot.config_deploy import OpsSection, WebSection, deployment_problems
from bot.config_sections import (
    SECRET_LOOKING_KEYS,
    SUPPORTED_LANGUAGES,
    BotSection,
    BridgeConfig,
    ChatConfig,
    CohortConfig,
    CohortDay,
    ConsoleSection,
    ContentSection,
    DiscordSection,
    FacilitatorsSection,
    OutboxSection,
    QuotasSection,
    Section,
    StorageSection,
    SurveysSection,
    TelegramSection,
    TranslationSection,
)
from bot.credentials import SECRET_ENV
from bot.pacing import Limits

# What other modules import from here: the whole configuration's names in one place.
__all__ = [
    "SUPPORTED_LANGUAGES", "ChatConfig", "CohortConfig", "CohortDay", "Config", "ConfigError",
    "DiscordSection", "FacilitatorsSection", "TelegramSection", "TranslationSection",
    "load_config", "parse_config",
]
class Config(Section):
    bot: BotSection = BotSection()
    storage: StorageSection = StorageSection()
    telegram: TelegramSection = TelegramSection()
    discord: DiscordSection = DiscordSection()
    facilitators: FacilitatorsSection = FacilitatorsSection()
    console: ConsoleSection = ConsoleSection()
    outbox: OutboxSection = OutboxSection()
    translation: TranslationSection = TranslationSection()
    content: ContentSection = ContentSection()
    surveys: SurveysSection = SurveysSection()
    quotas: QuotasSection = QuotasSection()
    web: WebSection = WebSection()
    ops: OpsSection = OpsSection()
    bridges: list[BridgeConfig] = Field(default_factory=list)
    cohorts: list[CohortConfig] = Field(default_factory=list)

    # Where the file was read from; relative paths in it are relative to its folder.
    base_dir: Path = Field(default=Path("."), exclude=True)

    def resolve(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def database_path(self) -> Path:
        return self.resolve(self.storage.path)

    def limits(self, platform: str) -> Limits | None:
        if platform == "telegram":
            t = self.telegram
            return Limits(t.messages_per_second, t.messages_per_chat_per_second,
                          t.group_messages_per_minute)
        if platform == "discord":
            d = self.discord
            return Limits(d.messages_per_second, d.messages_per_channel_per_second)
        return None

    def chat_gaps(self) -> dict[str, float]:
        """The least time between two sends to one chat, per platform, across workers."""
        return {p: 1.0 / limits.per_chat_per_second for p in ("telegram", "discord")
                if (limits := self.limits(p)) is not None and limits.per_chat_per_second}

    def send_intervals(self) -> dict[str, float]:
        """The least time between two sends of one platform, across workers."""
        return {p: 1.0 / limits.overall_per_second for p in ("telegram", "discord")
                if (limits := self.limits(p)) is not None}


class ConfigError(Exception):
    """A configuration problem a person can fix; `problems` are `file: key: problem` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Config
    for item in loc:
        field = model.model_fields.get(str(item)) if isinstance(item, str) else None
        if field is None or not (
            isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        ):
            return None
        model = field.annotation
    return model


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        name = str(loc[-1])
        if name.lower() in SECRET_LOOKING_KEYS:
            section = str(loc[0]) if len(loc) > 1 else ""
            env = SECRET_ENV.get(section, "an environment variable")
            return f"unknown key; secrets never go in the config file, set {env} instead"
        known = list(parent.model_fields) if parent else []
        known = [k for k in known if k != "base_dir"]
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            return f"unknown key (did you mean {close[0]!r}?)"
        return "unknown key" + (f"; known keys: {', '.join(known)}" if known else "")
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if kind.endswith("_type") and "input" in error:
        message += f", got {type(error['input']).__name__} {error['input']!r}"
    return message[0].lower() + message[1:] if message else kind


def parse_config(data: dict[str, Any], source: str = "config.toml", base_dir: Path = Path(".")
                 ) -> Config:
    if "base_dir" in data:
        raise ConfigError([f"{source}: base_dir: unknown key"])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{source}: {_key_path(tuple(err['loc'])) or '(top level)'}: {_describe(err)}"
            for err in exc.errors()
        ]
        raise ConfigError(problems) from None
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for i, bridge in enumerate(config.bridges):
        for j, channel in enumerate(bridge.channels):
            key = (channel.platform, channel.chat_id)
            if key in seen:
                problems.append(f"{source}: bridges[{i}].channels[{j}]: {channel.platform} chat "
                                f"{channel.chat_id} is already in bridge {seen[key]!r}")
            seen[key] = bridge.name
    names = [b.name for b in config.bridges]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"{source}: bridges: the name {name!r} is used twice")
    codes = [c.code for c in config.cohorts]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"{source}: cohorts: the code {code!r} is used twice")
    for i, cohort in enumerate(config.cohorts):
        for key in ("languages", "default_language"):
            value = getattr(cohort, key)
            for code in ([value] if isinstance(value, str) else value or []):
                if code not in config.bot.languages:
                    problems.append(f"{source}: cohorts[{i}].{key}: {code!r} is not in "
                                    f"bot.languages")
        start, end = cohort.face_to_face_start, cohort.face_to_face_end
        if end is not None and type(start) is type(end) and end < start:  # type: ignore[operator]
            problems.append(f"{source}: cohorts[{i}].face_to_face_end: before "
                            f"face_to_face_start")
    if config.bot.default_language not in config.bot.languages:
        problems.append(
            f"{source}: bot.default_language: {config.bot.default_language!r} is not in "
            f"bot.languages"
        )
    translation = config.translation
    if translation.engine == "libretranslate" and not translation.url:
        problems.append(
            f"{source}: translation.url: required when translation.engine is "
            f"'libretranslate' (the server's base URL, e.g. 'http://127.0.0.1:5000')"
        )
    if translation.engine == "deepl" and not translation.api_key_env:
        problems.append(
            f"{source}: translation.api_key_env: required when translation.engine is 'deepl' "
            f"(the name of the environment variable holding the key, e.g. 'DEEPL_API_KEY')"
        )
    problems += deployment_problems(config, source)
    if problems:
        raise ConfigError(problems)
    return config.model_copy(update={"base_dir": base_dir})


def load_config(path: Path) -> Config:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line 3, column 7)": keep it, it names the place.
        raise ConfigError([f"{path}: invalid TOML: {exc}"]) from None
    return parse_config(data, source=str(path), base_dir=path.resolve().parent)

