"""/help: the commands this reader may run, in their language."""

from __future__ import annotations

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_, _


def _line(ctx: Context, command: Command) -> str:
    """The command as this reader may use it: a participant does not read the facilitator
    sub-commands of a command open to everyone (/practice review, /survey start)."""
    usage = _(command.usage) if command.usage else ""
    text = _(command.help)
    if not ctx.is_facilitator and command.subcommands:
        usage = command.participant_usage(usage)
        text = _(command.participant_help) if command.participant_help else text
    return f"{ctx.command(command.name)}{' ' + usage if usage else ''} — {text}"


async def help_command(ctx: Context) -> None:
    visible = ctx.services.registry.visible_to(ctx.is_facilitator)
    lines = [_("What I can do for you:")]
    lines += [_line(ctx, c) for c in visible if not c.facilitator_only]
    facilitator = [c for c in visible if c.facilitator_only]
    if facilitator:
        lines += ["", _("For facilitators:")]
        lines += [_line(ctx, c) for c in facilitator]
    await ctx.reply("\n".join(lines))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("help", help_command, N_("List the commands you can use")))
