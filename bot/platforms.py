"""What a running bot needs from its platforms' surroundings: the command menus they
show, the adapters whose tokens are set, the process signals that stop it."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from bot.adapters.base import CommandMenu, PlatformAdapter
from bot.config import Config, ConfigError
from bot.config_deploy import webhook_secret_problem
from bot.credentials import Secrets
from bot.i18n import _, use_language
from bot.services import Services

log = logging.getLogger("bot.app")


def settle_memory() -> None:
    """Once started: what exists now lives as long as the bot, so the collector stops
    scanning it (full collections of start-up objects took 15-68 ms, stalling the loop)."""
    gc.collect()
    gc.freeze()


def stop_on_signals() -> asyncio.Future[None]:
    loop = asyncio.get_running_loop()
    stopped: asyncio.Future[None] = loop.create_future()

    def request_stop(signame: str) -> None:
        log.info("received %s, shutting down", signame)
        if not stopped.done():
            stopped.set_result(None)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, request_stop, sig.name)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    return stopped



def command_menu(services: Services) -> CommandMenu:
    """The commands every participant may run, with their help in each interface
    language: Telegram's per-language menus and Discord's slash-command localisations."""
    menu: CommandMenu = {}
    for code in services.catalogs.languages:
        with use_language(services.catalogs.pack(code)):
            menu[code] = [(c.name, _(c.help)) for c in services.registry.visible_to(False)]
    return menu


def platform_adapters(services: Services, secrets: Secrets) -> list[PlatformAdapter]:
    config = services.config
    menu = command_menu(services)
    adapters: list[PlatformAdapter] = []
    if secrets.telegram_token:
        from bot.adapters.telegram import TelegramAdapter

        require_webhook_secret(config, secrets.telegram_webhook_token)
        adapters.append(TelegramAdapter(config.telegram, secrets.telegram_token, menu,
                                        secrets.telegram_webhook_token))
    if secrets.discord_token:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(config.discord, secrets.discord_token, menu))
    return adapters


def require_webhook_secret(config: Config, secret: str | None) -> None:
    """In webhook mode, a usable secret from the environment, or ConfigError (exit 2)."""
    if config.telegram.mode == "webhook" and (problem := webhook_secret_problem(secret)):
        raise ConfigError([problem])
