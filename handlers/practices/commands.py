"""The good-practice base: /practice new walks a participant through the seed's template,
facilitators review (approve or return with a comment) and export, everyone searches
(/practices [words]) and reads (/practice <n>) approved practices in their own language.

The parts: handlers/practices/template.py (the template and the walk through it) and
handlers/practices/review.py (review and export, for facilitators); this module has reading,
searching, the commands and `setup`."""

from __future__ import annotations

import asyncio
import logging

from bot.args import echo, number, numeric
from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.conversations import Conversation
from bot.i18n import N_, LanguagePack, _, comma_list
from bot.scope import Reach
from bot.services import Services
from handlers.practices.review import approve, export, return_practice, review
from handlers.practices.seeds import load_seed_practices
from handlers.practices.template import (
    CALLBACK,
    CONVERSATION,
    cancel,
    discard,
    first_line,
    new,
    on_button,
    on_message,
    render,
    repository,
    skip,
)
from handlers.relay import NoTranslation
from storage.practices import Practice, Translation, fields_hash

log = logging.getLogger("bot.practices")
LIST_LIMIT = 20

STATUS_NAMES: dict[str, str] = {
    "draft": N_("draft"),
    "submitted": N_("waiting for review"),
    "returned": N_("returned to the author"),
    "approved": N_("approved"),
}


def language_name(ctx: Context, code: str) -> str:
    """A language's name in the reader's language ("inglés" for an English reader of es)."""
    return str(ctx.language.locale.languages.get(code, code))


# --- reading and searching -------------------------------------------------------------
async def in_reader_language(ctx: Context, practice: Practice) -> tuple[dict[str, str], str]:
    """The practice's fields in the reader's language, and a note saying how (or "")."""
    return await translated(ctx.services, ctx.language, practice)


async def translated(services: Services, pack: LanguagePack, practice: Practice
                     ) -> tuple[dict[str, str], str]:
    """`in_reader_language` for a reader in `pack`'s language (the web catalogue too):
    a stored translation, else one made now by the engine and kept, else the original."""
    target = pack.code
    original = practice.fields()
    if target == practice.language:
        return original, ""
    repo = repository(services)
    written_in = str(pack.locale.languages.get(practice.language, practice.language))
    digest = fields_hash(original)
    stored = await repo.translation(practice.id, target)
    if stored is not None and stored.source_sha256 == digest:
        if stored.origin == "engine":
            return stored.fields, _("Translated automatically from {language}.").format(
                language=written_in)
        return stored.fields, ""
    translator = services.relay.translator
    if isinstance(translator, NoTranslation):
        return original, _("This practice is written in {language}.").format(
            language=written_in)
    texts = {name: value for name, value in original.items() if value.strip()}
    try:
        outcomes = await asyncio.gather(*(
            translator.translate_for(value, {target}, source_hint=practice.language)
            for value in texts.values()))
    except Exception:
        log.exception("translating practice %d into %s failed", practice.id, target)
        outcomes = []
    if len(outcomes) != len(texts) or any(
            target in o.failed or target not in o.texts for o in outcomes):
        return original, _("The translation is unavailable right now; this practice is "
                           "written in {language}.").format(language=written_in)
    done = dict(original)
    for name, outcome in zip(texts, outcomes, strict=True):
        done[name] = outcome.texts[target]
    await repo.put_translation(Translation(practice.id, target, done, digest, "engine"),
                               services.clock.now())
    return done, _("Translated automatically from {language}.").format(
        language=written_in)


async def show(ctx: Context, number_text: str) -> None:
    repo = repository(ctx.services)
    practice_id = number(number_text)
    practice = await repo.get(practice_id) if practice_id is not None else None
    visible = practice is not None and (
        practice.status == "approved"
        or (ctx.is_facilitator and await ctx.scope.covers_participant(practice.author_id))
        or practice.author_id == ctx.participant.id)
    if practice is None or not visible:
        await ctx.reply(_("There is no approved practice #{n}. See the list with {command}."
                          ).format(n=echo(number_text.lstrip("#")),
                                   command=ctx.command("practices")))
        return
    fields, note = await in_reader_language(ctx, practice)
    parts = [render(practice.id, fields)]
    if practice.status != "approved":
        parts.append(_("Status: {status}").format(status=_(STATUS_NAMES[practice.status])))
    if note:
        parts.append(f"({note})")
    await ctx.reply("\n\n".join(parts))


async def practices_command(ctx: Context) -> None:
    repo = repository(ctx.services)
    words = ctx.event.args_text.strip()
    found = await repo.search(words, limit=LIST_LIMIT)
    if not found:
        if words:
            await ctx.reply(_("No approved practice matches \"{words}\".").format(
                words=words[:60]))
        else:
            await ctx.reply(_("The base has no approved practice yet. Share yours with "
                              "{command}!").format(command=ctx.command("practice new")))
        return
    lines = [_("Good practices matching \"{words}\":").format(words=words[:60]) if words
             else _("Good practices:")]
    for practice in found:
        fields = practice.fields()
        if ctx.language.code != practice.language:
            stored = await repo.translation(practice.id, ctx.language.code)
            if stored is not None and stored.source_sha256 == fields_hash(fields):
                fields = stored.fields
        lines.append(f"#{practice.id} · {fields['title']} — {first_line(fields['objectives'])}")
    lines.append(_("Read one with {command}.").format(command=ctx.command("practice <n>")))
    await ctx.reply("\n".join(lines))


# --- the commands ----------------------------------------------------------------------
async def practice_command(ctx: Context) -> None:
    args = ctx.event.args
    word = args[0].lower() if args else ""
    if word == "new":
        await new(ctx)
    elif word == "discard":
        await discard(ctx)
    elif word == "review":
        await review(ctx)
    elif word == "approve":
        await approve(ctx)
    elif word == "return":
        await return_practice(ctx)
    elif word == "export":
        await export(ctx)
    elif numeric(word):
        await show(ctx, word)
    else:
        lines = [
            _("{command} — document a good practice, step by step").format(
                command=ctx.command("practice new")),
            _("{command} — read one").format(command=ctx.command("practice <n>")),
            _("{command} — search the approved practices").format(
                command=ctx.command("practices [words]")),
        ]
        if ctx.is_facilitator:
            lines.append(_("Facilitators: {commands}").format(commands=comma_list(
                ctx.command(c) for c in ("practice review", "practice approve <n>",
                                         "practice return <n> <comment>", "practice export"))))
        await ctx.reply("\n".join(lines))


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("practice", practice_command,
                         N_("Good practices: new, read one, review (facilitators)"),
                         usage=N_("new | <n> | review | approve <n> | return <n> <comment> | "
                                  "export"),
                         subcommands={"review": Reach.COHORT, "approve": Reach.COHORT,
                                      "return": Reach.COHORT, "export": Reach.REPORT},
                         participant_help=N_("Good practices: write one, read one"),
                         needs_consent=True))
    registry.add(Command("practices", practices_command,
                         N_("Search the base of good practices"), usage=N_("[words]")))
    registry.add_callback(CALLBACK, on_button, needs_consent=True)
    registry.add_conversation(Conversation(CONVERSATION, on_message, skip, cancel,
                                           needs_consent=True))
    registry.startup.append(load_seed_practices)  # the academy's own practices, approved
