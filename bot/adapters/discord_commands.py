"""Slash commands from the command menu: declared to Discord, dispatched by the adapter.

Every participant command becomes a guild slash command with one optional string option,
`arguments`, its description in English with Discord localisations for the other
interface languages. The tree only *declares* them: `MenuTree.interaction_check` declines
every interaction, so the adapter's `on_interaction` handles known and unknown commands
alike, the way it handles `!commands`, and the dispatcher answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import discord
from discord import app_commands

from bot.adapters.base import CommandMenu

log = logging.getLogger("bot.discord")

# Interface language -> the Discord locales that show its translation. Discord has no
# Arabic locale; "en" is the base text.
DISCORD_LOCALES: dict[str, tuple[str, ...]] = {"fr": ("fr",), "es": ("es-ES",),
                                               "pt": ("pt-BR",)}
DESCRIPTION_LIMIT = 100
_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def _fit(text: str) -> str:
    # Only line breaks and runs of spaces fold: French keeps its narrow no-break spaces.
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()
    return text if len(text) <= DESCRIPTION_LIMIT else text[:DESCRIPTION_LIMIT - 1] + "…"


class MenuTranslator(app_commands.Translator):
    """Command descriptions in each Discord locale, straight from the menu."""

    def __init__(self, menu: CommandMenu):
        self._by_locale: dict[str, dict[str, str]] = {}
        for language, locales in DISCORD_LOCALES.items():
            for locale in locales:
                self._by_locale[locale] = {name: _fit(h) for name, h in menu.get(language, [])}

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        if context.location is not app_commands.TranslationContextLocation.command_description:
            return None
        return self._by_locale.get(locale.value, {}).get(string.extras.get("command", ""))


class MenuTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return False  # the adapter's on_interaction handles every command, known or not


@app_commands.describe(arguments="Optional arguments")
async def _declared_only(interaction: discord.Interaction, arguments: str | None = None
                         ) -> None:
    """Never runs: MenuTree declines every interaction before a command callback."""


def build_tree(client: discord.Client, menu: CommandMenu | None) -> MenuTree | None:
    """A tree holding one global command per menu entry, or None without a menu."""
    if not menu:
        return None
    tree = MenuTree(client)
    for name, help_text in menu.get("en") or next(iter(menu.values())):
        if not _NAME.match(name):
            log.warning("command %r cannot be a Discord slash command; skipped", name)
            continue
        description = app_commands.locale_str(_fit(help_text) or name, command=name)
        tree.add_command(app_commands.Command(name=name, description=description,
                                              callback=_declared_only))
    return tree


async def sync_guilds(tree: MenuTree, guilds: Iterable[discord.abc.Snowflake],
                      menu: CommandMenu) -> None:
    """Register the commands in each guild (guild commands appear at once). A guild that
    refuses (no applications.commands scope) is logged and skipped."""
    if tree.translator is None:
        await tree.set_translator(MenuTranslator(menu))
    for guild in guilds:
        tree.copy_global_to(guild=guild)
        try:
            synced = await tree.sync(guild=guild)
        except discord.HTTPException as exc:
            log.warning("could not register slash commands in guild %s: HTTP %s (%s)",
                        guild.id, exc.status, exc.code)
        else:
            log.info("registered %d slash commands in guild %s", len(synced), guild.id)
