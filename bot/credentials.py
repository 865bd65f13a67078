"""Tokens and keys: from the environment only, never from a file, never in a log."""

from __future__ import annotations

import os
from dataclasses import dataclass

SECRET_ENV = {
    "telegram": "TELEGRAM_BOT_TOKEN",
    "discord": "DISCORD_BOT_TOKEN",
}
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"  # checked on every webhook request


@dataclass(frozen=True)
class Secrets:
    """Tokens and keys, from the environment only. `repr` never shows them."""

    telegram_token: str | None
    discord_token: str | None
    telegram_webhook_token: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Secrets:
        env = dict(os.environ) if env is None else env
        return cls(
            telegram_token=env.get(SECRET_ENV["telegram"]) or None,
            discord_token=env.get(SECRET_ENV["discord"]) or None,
            telegram_webhook_token=env.get(WEBHOOK_SECRET_ENV) or None,
        )

    def __repr__(self) -> str:
        shown = {k: ("set" if v else "unset") for k, v in vars(self).items()}
        return f"Secrets({shown})"
