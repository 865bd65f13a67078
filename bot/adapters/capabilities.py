"""What each platform declares it can do (bot/capabilities.py): the adapters use these, and
features read them for a platform whose adapter is not running in this process (a
shortlist naming a Telegram participant, read on the console)."""

from __future__ import annotations

from bot.capabilities import Capabilities

TELEGRAM = Capabilities(
    name="Telegram", edit=True, buttons=True, native_polls=True, quiz_polls=True, files=True,
    message_length=4096, poll_question_length=300, poll_option_length=100, poll_options=10,
    button_label_length=1 << 20,  # no documented limit
    mention_syntax="tg://user?id={user_id}")
DISCORD = Capabilities(
    name="Discord", edit=True, buttons=True, delete_events=True, native_polls=True,
    anonymous_polls=False, files=True, incremental_votes=True, message_length=2000,
    poll_question_length=300, poll_option_length=55, poll_options=10,
    button_label_length=80, button_rows=5,
    mention_syntax="<@{user_id}>", mention_pattern=r"<@!?(\d+)>")
# The console rehearses the others: buttons are numbered lines, labels cut as on Discord.
CONSOLE = Capabilities(
    name="Console", edit=True, buttons=True, native_polls=True, files=True,
    silent_votes=True, message_length=1 << 20, poll_question_length=1 << 20,
    poll_option_length=1 << 20, poll_options=1 << 20, button_label_length=80)

DECLARED = {"telegram": TELEGRAM, "discord": DISCORD, "console": CONSOLE}


def declared(platform: str) -> Capabilities:
    """What `platform` declares; a platform nobody declared can do nothing special."""
    return DECLARED.get(platform) or Capabilities(name=platform)
