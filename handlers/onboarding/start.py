"""/start, the language picker, the privacy notice and consent; /language."""

from __future__ import annotations

from bot.commands import Command, CommandRegistry
from bot.consent import CONSENT
from bot.context import Context
from bot.i18n import LANGUAGE_NAMES, N_, _, comma_list, use_language
from bot.model import Button, EventKind

LANG = "lang"


def language_buttons(ctx: Context) -> list[list[Button]]:
    codes = ctx.services.config.bot.languages
    buttons = [Button(LANGUAGE_NAMES.get(code, code), f"{LANG}:{code}") for code in codes]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def picker_prompt(ctx: Context) -> str:
    """The question in every language, since we do not know the reader's yet."""
    lines = []
    for code in ctx.services.config.bot.languages:
        with use_language(ctx.services.catalogs.pack(code)) as pack:
            line = _("Please choose your language.")
            lines.append(("\u200f" + line) if pack.rtl else line)
    return "\n".join(lines)


async def ask_language(ctx: Context) -> None:
    await ctx.reply(picker_prompt(ctx), buttons=language_buttons(ctx))


async def set_language(ctx: Context, code: str) -> None:
    """Store the choice and switch this event's language to it."""
    await ctx.services.participants.set_language(ctx.participant.id, code)
    await ctx.reload_participant()
    ctx.language = ctx.services.catalogs.pack(code)


async def welcome(ctx: Context) -> None:
    with use_language(ctx.language):
        text = _(
            "Welcome, {name}! I am the community assistant of the Academy on South-South "
            "and Triangular Cooperation. I bring you the pre-learning units, reminders and "
            "surveys, and I connect you with the other participants on Telegram and Discord, "
            "each in their own language."
        ).format(name=ctx.event.author.display_name)
        await ctx.reply(text)
        if ctx.participant.consent != "given":
            await ask_consent(ctx)


async def ask_consent(ctx: Context) -> None:
    text = _(
        "Privacy: I store your name on each platform, your language, your progress and "
        "your survey answers, and I relay what you write in linked group chats to the "
        "other linked chats. Type {whoami} at any time to see what I store about you. "
        "Do you agree?"
    ).format(whoami=ctx.command("whoami"))
    await ctx.services.participants.mark_consent_asked(ctx.participant.id,
                                                       ctx.services.clock.now())
    await ctx.reply(text, buttons=[[Button(_("I agree"), f"{CONSENT}:yes"),
                                    Button(_("No, thanks"), f"{CONSENT}:no")]])


async def start(ctx: Context) -> None:
    if not ctx.event.chat.is_private:
        await ctx.reply(_("Hello! Write to me in a private chat and type {start} to begin."
                          ).format(start=ctx.command("start")))
        return
    if ctx.participant.language is None:
        hinted = ctx.services.catalogs.match(ctx.event.author.language_hint)
        if hinted is None:
            await ask_language(ctx)
            return
        await set_language(ctx, hinted)
    if ctx.participant.consent == "given":
        await ctx.reply(_("Welcome back, {name}! Type {help} to see what you can do.").format(
            name=ctx.event.author.display_name, help=ctx.command("help")))
        return
    await welcome(ctx)


async def language_command(ctx: Context) -> None:
    if not ctx.event.args:
        await ask_language(ctx)
        return
    wanted = ctx.event.args_text.strip().casefold()
    code = next(
        (c for c in ctx.services.config.bot.languages
         if wanted in (c, LANGUAGE_NAMES.get(c, "").casefold())),
        None,
    )
    if code is None:
        choices = comma_list(f"{c} ({LANGUAGE_NAMES.get(c, c)})"
                            for c in ctx.services.config.bot.languages)
        await ctx.reply(_("I don't know the language \"{value}\". Choose one of: {choices}."
                          ).format(value=ctx.event.args_text.strip()[:40], choices=choices))
        return
    await set_language(ctx, code)
    with use_language(ctx.language):
        await ctx.reply(_("From now on I will write to you in English."))


async def language_chosen(ctx: Context) -> None:
    code = ctx.callback_payload
    if code not in ctx.services.config.bot.languages:
        await ctx.reply(_("This button no longer works. Please use the command again."))
        return
    first_time = ctx.participant.consent is None
    await set_language(ctx, code)
    if first_time:
        await welcome(ctx)
    else:
        with use_language(ctx.language):
            await ctx.reply(_("From now on I will write to you in English."))


async def consent_chosen(ctx: Context) -> None:
    if ctx.callback_payload not in ("yes", "no"):
        await ctx.reply(_("This button no longer works. Please use the command again."))
        return
    given = ctx.callback_payload == "yes"
    await ctx.services.participants.set_consent(ctx.participant.id, given, ctx.services.clock.now())
    if given:
        await ctx.reply(_("Thank you! Type {help} to see what you can do.").format(
            help=ctx.command("help")))
    else:
        await ctx.reply(_(
            "Understood. I keep only your account and your language. You can still use "
            "{help}, and type {start} if you change your mind."
        ).format(help=ctx.command("help"), start=ctx.command("start")))


async def member_joined(ctx: Context) -> None:
    await ctx.reply(_("Welcome to the group, {name}! Write to me in a private chat and type "
                      "{start} to choose your language and get started.").format(
        name=ctx.event.author.display_name, start=ctx.command("start")))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("start", start, N_("Welcome, language and privacy")))
    registry.add(Command("language", language_command, N_("Change the language I write in"),
                         usage=N_("[code]")))
    registry.add_callback(LANG, language_chosen)
    registry.add_callback(CONSENT, consent_chosen)
    registry.add_event_handler(EventKind.MEMBER_JOINED.value, member_joined)
