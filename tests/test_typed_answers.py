"""Answers people type, in every language and question shape, over the console: a corpus of
typed answers and what each must give (the stored answer, the options it selects, or a
refusal). The console turns a lone number into a press of that button, as a reader would
see it; everything else is typed text, read as Telegram and Discord read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.surveys import engine
from storage.surveys import Session
from tests.harness import ConsoleHarness, demo_cohort, open_console
from tests.test_units import SAMPLE, pid

LANGUAGES = ("en", "fr", "es", "pt", "ar")
# (language, survey, question, typed, expected): ("answer", value) is stored as the
# answer; ("selected", [n…]) are the options selected (several choices wait for Done);
# ("refused", None) gets the choices again and stores nothing.
CORPUS: list[tuple[str, str, str, str, tuple[str, Any]]] = [
    # scales: a number in any script's digits, or one of the end labels, in any language
    ("en", "impact", "use", "4", ("answer", 4)),
    ("en", "impact", "use", "A great deal", ("answer", 5)),
    ("en", "impact", "use", "not at all!", ("answer", 1)),
    ("en", "impact", "use", "6", ("refused", None)),
    ("en", "impact", "use", "very", ("refused", None)),
    ("fr", "pre-assessment", "confidence-sdgs", "Très à l'aise", ("answer", 5)),
    ("fr", "pre-assessment", "confidence-sdgs", "très à l’aise", ("answer", 5)),
    ("fr", "pre-assessment", "confidence-sdgs", "Pas du tout à l'aise", ("answer", 1)),
    ("fr", "impact", "use", "Énormément", ("answer", 5)),
    ("fr", "impact", "use", "3", ("answer", 3)),
    ("es", "pre-assessment", "confidence-sdgs", "Mucha confianza", ("answer", 5)),
    ("es", "impact", "use", "Nada", ("answer", 1)),
    ("pt", "pre-assessment", "confidence-sdgs", "Nenhuma confiança", ("answer", 1)),
    ("pt", "impact", "use", "Muitíssimo", ("answer", 5)),
    ("ar", "impact", "use", "٤", ("answer", 4)),
    ("ar", "impact", "use", "استخدمته كثيرًا جدًا", ("answer", 5)),
    ("ar", "pre-assessment", "confidence-sdgs", "لا أشعر بأي ثقة", ("answer", 1)),
    ("ar", "impact", "use", "٩", ("refused", None)),
    # several choices: numbers or texts, separated by the language's commas, select them
    ("en", "impact", "topics", "2", ("selected", [2])),
    ("en", "impact", "topics", "2, 8", ("selected", [2, 8])),
    ("en", "impact", "topics", "2 8", ("selected", [2, 8])),
    ("en", "impact", "topics", "1;3", ("selected", [1, 3])),
    ("en", "impact", "topics", "SDG 8 and SDG 17; Finding partners", ("selected", [2, 7])),
    ("en", "impact", "topics", "2, 12", ("refused", None)),
    ("en", "impact", "topics", "cooking", ("refused", None)),
    ("fr", "impact", "topics", "2, 8", ("selected", [2, 8])),
    ("fr", "impact", "topics", "ODD 8 et ODD 17", ("selected", [2])),
    ("fr", "impact", "topics", "Recherche de partenaires ; Mesure des résultats",
     ("selected", [7, 8])),
    ("es", "impact", "topics", "1, 3", ("selected", [1, 3])),
    ("es", "impact", "topics", "Búsqueda de socios", ("selected", [7])),
    ("pt", "impact", "topics", "4; 6", ("selected", [4, 6])),
    ("pt", "impact", "topics", "Procura de parceiros", ("selected", [7])),
    ("ar", "impact", "topics", "1، 3", ("selected", [1, 3])),
    ("ar", "impact", "topics", "٢، ٨", ("selected", [2, 8])),
    ("ar", "impact", "topics", "٢ ٨", ("selected", [2, 8])),
    ("ar", "impact", "topics", "٢؛ ٨", ("selected", [2, 8])),
    ("ar", "impact", "topics", "٢", ("selected", [2])),
    ("ar", "impact", "topics", "إيجاد الشركاء، قياس النتائج", ("selected", [7, 8])),
    ("ar", "impact", "topics",
     "تاريخ هذا التعاون (خطة عمل بوينس آيرس، التعاون التقني بين البلدان النامية)",
     ("selected", [5])),
    ("ar", "impact", "topics", "١، ١٢", ("refused", None)),
    # one choice: its number or its text, in the reader's language or another
    ("en", "impact", "contacts", "More than 5", ("answer", 4)),
    ("en", "impact", "contacts", "3", ("answer", 3)),
    ("en", "impact", "contacts", "#2", ("answer", 2)),
    ("fr", "impact", "contacts", "plus de 5", ("answer", 4)),
    ("fr", "impact", "contacts", "1 ou 2", ("answer", 2)),
    ("es", "impact", "contacts", "Más de 5.", ("answer", 4)),
    ("pt", "impact", "contacts", "Nenhum", ("answer", 1)),
    ("ar", "impact", "contacts", "أكثر من 5", ("answer", 4)),
    ("ar", "impact", "contacts", "١ أو ٢", ("refused", None)),
    ("ar", "impact", "contacts", "٣", ("answer", 3)),
    ("ar", "impact", "contacts", "More than 5", ("answer", 4)),
    ("ar", "impact", "contacts", "1, 2", ("refused", None)),
    # yes or no: the buttons' words, in the reader's language and the others
    ("en", "impact", "initiative", "yes", ("answer", "yes")),
    ("en", "impact", "initiative", "No.", ("answer", "no")),
    ("fr", "impact", "initiative", "Oui !", ("answer", "yes")),
    ("fr", "impact", "initiative", "non", ("answer", "no")),
    ("es", "impact", "initiative", "Sí", ("answer", "yes")),
    ("pt", "impact", "initiative", "Não", ("answer", "no")),
    ("pt", "impact", "initiative", "sim", ("answer", "yes")),
    ("ar", "impact", "initiative", "نعم", ("answer", "yes")),
    ("ar", "impact", "initiative", "لا", ("answer", "no")),
    ("ar", "impact", "initiative", "١", ("answer", "yes")),
    ("ar", "impact", "initiative", "ربما", ("refused", None)),
]


async def _at_question(h: ConsoleHarness, user: str, survey: str, question: str
                       ) -> tuple[Session, int]:
    """Put the user's session of `survey` at `question`, nothing answered or selected."""
    services = h.bot.services
    repo = engine.repository(services)
    [wave] = await repo.waves(survey=survey)
    definition = engine.survey_named(services, survey)
    assert definition is not None
    q = definition.question(question)
    assert q is not None
    participant = await pid(h, user)
    for other in await repo.waves():
        if other.id != wave.id and (s := await repo.session(other.id, participant)):
            s.state = "paused"
            await repo.save_session(s, services.clock.timestamp())
    session = Session(wave.id, participant, "answering", q.index, {}, [], 0.0)
    await repo.save_session(session, services.clock.timestamp())
    await h.send(user, f"/survey {survey}")  # shows the question and its buttons
    return session, wave.id


async def _outcome(h: ConsoleHarness, user: str, wave_id: int, question: str
                   ) -> tuple[str, Any]:
    session = await engine.repository(h.bot.services).session(wave_id, await pid(h, user))
    assert session is not None
    if question in session.answers:
        return "answer", session.answers[question]
    if session.selection:
        return "selected", session.selection
    return "refused", None


async def test_the_corpus_of_typed_answers(tmp_path: Path) -> None:
    assert {row[0] for row in CORPUS} == set(LANGUAGES)
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        for language in LANGUAGES:
            await h.send(language, "/start", language=language)
            await h.send(language, "1")  # consent
            await h.send(language, "/join demo")
        await h.send("fac", "/survey start impact demo", language="en")
        await h.send("fac", "/survey start pre-assessment demo")
        failures = []
        for language, survey, question, typed, expected in CORPUS:
            _session, wave_id = await _at_question(h, language, survey, question)
            replies = await h.send(language, typed, language=language)
            got = await _outcome(h, language, wave_id, question)
            if got != expected:
                failures.append(f"{language} {survey}/{question} {typed!r}: {got} "
                                f"instead of {expected}")
            elif expected[0] == "refused":
                assert replies and replies[0].buttons, typed  # the choices, again
        assert not failures, "\n".join(failures)


async def test_several_choices_typed_or_pressed_wait_for_done(tmp_path: Path) -> None:
    """"2" (a button on the console) and "2, 8" (typed) do the same: they select; Done,
    pressed or typed in the reader's language, answers."""
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ali", "/start", language="ar")
        await h.send("ali", "1")
        await h.send("ali", "/join demo")
        await h.send("fac", "/survey start impact demo", language="en")
        _session, wave = await _at_question(h, "ali", "impact", "topics")
        await h.send("ali", "2")
        assert await _outcome(h, "ali", wave, "topics") == ("selected", [2])
        shown = await h.send("ali", "٣، ٨")
        assert await _outcome(h, "ali", wave, "topics") == ("selected", [2, 3, 8])
        assert "؛" in shown[-1].text and "; " not in shown[-1].text  # the Arabic semicolon
        await h.send("ali", "3")  # pressed again: unselected
        assert await _outcome(h, "ali", wave, "topics") == ("selected", [2, 8])
        await h.send("ali", "تم")
        assert await _outcome(h, "ali", wave, "topics") == ("answer", [2, 8])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_hint_for_several_choices_shows_what_typing_does(
        tmp_path: Path, language: str) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("p", "/start", language=language)
        await h.send("p", "1")
        await h.send("p", "/join demo")
        await h.send("fac", "/survey start impact demo", language="en")
        await _at_question(h, "p", "impact", "topics")
        [hint] = await h.send("p", "cooking")
        example = "1، 3" if language == "ar" else "1, 3"
        assert example in hint.text
        # The example itself is read as the hint says: it selects options 1 and 3.
        await h.send("p", example)
        session = await engine.repository(h.bot.services).session(
            (await engine.repository(h.bot.services).waves(survey="impact"))[0].id,
            await pid(h, "p"))
        assert session is not None and session.selection == [1, 3]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_knowledge_check_answer_typed_as_the_option_text(
        tmp_path: Path, language: str) -> None:
    unit = SAMPLE.units[2][language]
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        await h.send("p", "/start", language=language)
        await h.send("p", "1")
        await h.send("p", "/join demo")
        await h.send("p", "/unit 2")
        first = unit.questions[0]
        [feedback, *_next] = await h.send("p", first.options[first.answer - 1].upper())
        assert feedback.text.lstrip("\u200f").startswith("✅"), feedback.text
        second = unit.questions[1]
        again = await h.send("p", "cooking")  # no option: the question again
        assert "cooking" in again[0].text and second.question in again[-1].text
        assert len(again[-1].buttons) == len(second.options)
        wrong = second.answer % len(second.options) + 1
        [feedback, *_next] = await h.send("p", "٠١٢٣٤٥٦٧٨٩"[wrong])
        assert feedback.text.lstrip("\u200f").startswith("❌"), feedback.text


def test_choice_reading() -> None:
    from bot.args import choice, choices

    options = [["Aucun", "1 ou 2", "3 à 5"], ["None", "1–2", "3–5"]]
    assert choice("none", options) == 1 and choice("٣", options) == 3
    assert choice("4", options) is None and choice("¹", options) is None
    assert choices("١، ٣", options) == [1, 3] and choices("3, 1, 3", options) == [1, 3]
    assert choices("1, x", options) is None and choices("", options) is None


async def test_a_console_poll_takes_arabic_commas_and_digits() -> None:
    import io

    from bot.adapters.console import ConsoleAdapter, ConsoleUser
    from bot.model import ChatRef, EventKind, OutboundMessage, Poll

    adapter = ConsoleAdapter(ConsoleUser("ali"), reader=io.StringIO(""), writer=io.StringIO())
    await adapter.send(OutboundMessage(ChatRef("console", "ali"), "", poll=Poll(
        "أي الأيام؟", ["الاثنين", "الثلاثاء", "الأربعاء"], multiple=True)))
    for typed in ("1، 3", "١، ٣", "١,٣"):
        event = adapter.event_for(typed)
        assert (event.kind, event.option_ids) == (EventKind.POLL_ANSWER, [0, 2]), typed


def test_lists_use_the_language_punctuation() -> None:
    from bot.config import SUPPORTED_LANGUAGES
    from bot.i18n import Catalogs, comma_list, join_list, use_language

    catalogs = Catalogs(SUPPORTED_LANGUAGES)
    with use_language(catalogs.pack("ar")):
        assert comma_list(["demo", "fr-2027"]) == "demo، fr-2027"
        assert join_list(["أ", "ب"]) == "أ؛ ب"
    with use_language(catalogs.pack("fr")):
        assert comma_list(["demo", "x"]) == "demo, x" and join_list(["a", "b"]) == "a; b"
