"""What the parts of the pre-learning units share: the callback prefixes, the store, when
each unit opens for a cohort or a participant, the unit in the reader's language (with a note
when it falls back to another) and answering a reader privately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel import Locale

from bot.content.academy import Academy
from bot.content.units import Unit
from bot.context import Context
from bot.i18n import _, active
from bot.services import Services
from handlers.cohorts import Cohort
from storage.units import UnitStore

# Buttons: "unit:open:<n>" (read it), "unit:quiz:<n>" (start its knowledge check),
# "quiz:<n>:<attempt>:<question>:<option from 1>" (an answer).
UNIT_BUTTON = "unit"
QUIZ_BUTTON = "quiz"


def unit_store(services: Services) -> UnitStore:
    return services.units


# --- content and dates ------------------------------------------------------------------
def release_at(cohort: Cohort, academy: Academy, number: int) -> datetime | None:
    """When unit `number` opens for `cohort` (UTC); the original's `release` decides."""
    original = academy.units.get(number, {}).get(academy.default_language)
    if original is None or original.release is None:
        return None
    return cohort.moment(cohort.release_day(original.release))


def nudge_at(cohort: Cohort, academy: Academy, number: int) -> datetime | None:
    original = academy.units.get(number, {}).get(academy.default_language)
    if original is None or original.release is None:
        return None
    day = cohort.release_day(original.release) + timedelta(days=cohort.nudge_after_days)
    return cohort.moment(day)


def localized(academy: Academy, number: int, language: str, fallback: str
              ) -> tuple[Unit, bool] | None:
    """The unit in `language`; else in `fallback` (the cohort's default language), else in
    the academy's, with True for a fallback."""
    by_language = academy.units.get(number, {})
    if language in by_language:
        return by_language[language], False
    for code in (fallback, academy.default_language):
        if code in by_language:
            return by_language[code], True
    return None


def language_name(code: str) -> str:
    """A language's name in the reader's language ("anglais" for a French reader)."""
    try:
        return Locale.parse(code).get_display_name(active().locale) or code
    except (ValueError, TypeError):
        return code


def unit_text(number: int, unit: Unit, wanted: str, fallback: bool) -> str:
    """The unit as a message in the bot's Markdown: a note if it is a fallback, the title,
    the body."""
    lines = []
    if fallback:
        lines.append("ℹ️ " + _("This unit is not available in {language} yet; here it is in "
                                "{fallback}.").format(language=language_name(wanted),
                                                       fallback=language_name(unit.language)))
    lines.append("**" + _("Unit {n}: {title}").format(n=number, title=unit.title) + "**")
    return "\n".join(lines) + "\n\n" + unit.body


@dataclass(frozen=True)
class Opening:
    cohort: Cohort
    at: datetime


async def openings(services: Services, participant_id: int) -> dict[int, Opening]:
    """When each unit opens for this participant: the earliest among their cohorts."""
    academy = services.academy
    found: dict[int, Opening] = {}
    if academy is None:
        return found
    cohorts = await services.cohorts.of_participant(participant_id)
    for number in academy.unit_numbers():
        for cohort in cohorts:
            at = release_at(cohort, academy, number)
            if at is not None and (number not in found or at < found[number].at):
                found[number] = Opening(cohort, at)
    return found


# --- answering the reader ---------------------------------------------------------------
async def say_privately(ctx: Context, text: str, **options: Any) -> None:
    """To the reader privately: in a private chat as an answer to their event (so that a
    Discord slash command or button gets its response), from a group by private message."""
    if ctx.event.chat.is_private:
        await ctx.send(ctx.event.chat, text, reply_to=ctx.event.native_id, **options)
    else:
        await ctx.send(ctx.private_chat, text, **options)
