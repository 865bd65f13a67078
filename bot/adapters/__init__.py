"""Platform adapters: the only modules that touch python-telegram-bot and discord.py."""
