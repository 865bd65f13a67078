"""A participant's whole journey, once per interface language, on the console: every line
the bot writes to them must be in their language (checked with the project's own offline
detector), and each step must have done what it says."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.translation.detect import LanguageDetector
from storage.practices import PracticeRepository
from tests.harness import ConsoleHarness, Reply, demo_cohort, open_console

LANGUAGES = ["en", "fr", "es", "pt", "ar"]
NAMES = {"fr": "Académie SSTC — cohorte de démonstration",
         "es": "Academia SSTC — cohorte de demostración",
         "pt": "Academia SSTC — coorte de demonstração",
         "ar": "أكاديمية SSTC — الدفعة التجريبية"}
FREE_TEXT = {"en": "A useful week: I now plan projects with partners from other countries.",
             "fr": "Une semaine utile : je prépare maintenant des projets avec des partenaires.",
             "es": "Una semana útil: ahora preparo proyectos con socios de otros países.",
             "pt": "Uma semana útil: agora preparo projetos com parceiros de outros países.",
             "ar": "أسبوع مفيد: أعدّ الآن مشاريع مع شركاء من بلدان أخرى."}
REMIND = {"en": "/remind tomorrow at 9am read unit 2",
          "fr": "/remind demain à 9h30 relire l'unité 2",
          "es": "/remind mañana a las 9:30 leer la unidad 2",
          "pt": "/remind amanhã às 9h30 ler a unidade 2",
          "ar": "/remind غدا الساعة 9:30 اقرأ الوحدة 2"}
POLL = ("/poll en: Which day? | Monday | Tuesday || fr: Quel jour ? | Lundi | Mardi "
        "|| es: ¿Qué día? | Lunes | Martes || pt: Que dia? | Segunda | Terça "
        "|| ar: أي يوم؟ | الاثنين | الثلاثاء")
# Words that are the same in every language (names, codes, the content's acronyms): a line
# made of little else may be read as another language by the detector.
ALLOWED = ("PABA+40", "/tmp/", ".json", "SSTC", "BAPA")
# Below this confidence that a line is in the reader's language, it is a leak: an English
# sentence in a French reply scores about 0.01, a French line the detector hesitates over
# 0.3 or more.
LEAST_CONFIDENCE = 0.2
WORD = re.compile(r"[^\W\d_]{2,}")


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    import asyncio

    found = LanguageDetector(LANGUAGES)
    asyncio.run(found.load())
    return found


class Walk:
    def __init__(self, h: ConsoleHarness, language: str) -> None:
        self.h, self.language = h, language
        self.read: list[tuple[str, Reply]] = []

    def _keep(self, step: str, replies: list[Reply], chat: str = "ana") -> list[Reply]:
        mine = [r for r in replies if r.chat_id in (chat, "#academy")]
        self.read += [(step, r) for r in mine]
        return mine

    async def say(self, text: str) -> list[Reply]:
        return self._keep(text, await self.h.send("ana", text, language=self.language))

    async def press(self, label: str) -> list[Reply]:
        return self._keep(f"[{label}]", await self.h.press("ana", label))

    def last_buttons(self, count: int) -> list[str]:
        for _step, reply in reversed(self.read):
            if len(reply.buttons) == count:
                return reply.buttons
        raise AssertionError(f"no reply with {count} buttons")


async def take_check(walk: Walk, replies: list[Reply]) -> None:
    """/unit shows the unit and asks its knowledge check: each question answered with its
    first option, typed as its number."""
    assert replies, "the unit is shown"
    for _ in range(20):
        asked = replies[-1] if replies else None
        if asked is None or not asked.buttons:
            return
        replies = await walk.say("1")
    raise AssertionError("the check never ended")


async def write_practice(walk: Walk) -> None:
    """A good practice written field by field in the reader's language, then submitted."""
    submit = walk.h.bot.services.catalogs.pack(walk.language).translations.gettext(
        "✅ Submit for review")
    replies = await walk.say("/practice new")
    for _ in range(20):
        if any(submit in r.buttons for r in replies):
            await walk.press(submit)
            return
        replies = await walk.say(FREE_TEXT[walk.language])
    raise AssertionError("the practice was never ready to submit")


async def take_survey(walk: Walk, name: str) -> None:
    """Answer every question as a person would: the first option of a choice (typed as its
    number), Done after a multiple choice, a sentence in their language for free text, and
    Submit at the end."""
    pack = walk.h.bot.services.catalogs.pack(walk.language)
    done, skip, later, submit = (pack.translations.gettext(w)
                                 for w in ("Done", "Skip", "Continue later", "Submit"))
    replies = await walk.say(f"/survey {name}")
    for _ in range(40):
        asked = replies[-1] if replies else None
        if asked is None or not asked.buttons:
            return
        options = [b for b in asked.buttons if b not in (done, skip, later, submit)]
        if submit in asked.buttons:
            replies = await walk.press(submit)
        elif done in asked.buttons and any(b.startswith("✓") for b in asked.buttons):
            replies = await walk.press(done)
        elif options:
            replies = await walk.say("1")
        else:
            replies = await walk.say(FREE_TEXT[walk.language])
    raise AssertionError(f"the survey never ended: {[(r.text[-80:], r.buttons) for r in replies]}")


def foreign_lines(walk: Walk, detector: LanguageDetector) -> list[str]:
    """Lines the detector finds clearly not in the reader's language (a short line it
    hesitates over, "An international organisation, on its own", is not counted)."""
    found = []
    for step, reply in walk.read:
        for line in [reply.text, *reply.buttons]:
            for part in line.split("\n"):
                if any(word in part for word in ALLOWED) or len(WORD.findall(part)) < 4:
                    continue  # too short to judge ("Roles: participant")
                sure = detector.confidence(part, walk.language)
                if sure < LEAST_CONFIDENCE:
                    found.append(f"after {step!r}: ({detector.detect(part)}, {sure:.2f}) "
                                 f"{part[:120]}")
    return found


@pytest.mark.real_consent
@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_whole_journey_speaks_the_participants_language(
        language: str, tmp_path: Path, detector: LanguageDetector) -> None:
    # The cohort's group chat speaks the participant's language (a bridge says so).
    bridge = {"name": "academy", "channels": [
        {"platform": "console", "chat_id": "academy", "language": language},
        {"platform": "console", "chat_id": "lobby", "language": "en"}]}
    async with open_console(tmp_path, facilitators=["fac"], bridges=[bridge],
                            cohorts=[demo_cohort(names=NAMES)]) as h:
        walk = Walk(h, language)
        s = h.bot.services
        await walk.say("/start")
        yes, no = walk.last_buttons(2)
        await walk.press(no)  # declined first: nothing beyond the account is stored
        refused = await walk.say("/join demo")
        assert refused and refused[-1].buttons == [yes]
        assert not await s.cohorts.repo.cohorts_of(1)
        await walk.press(yes)  # I agree: and the refused /join carries on
        assert await s.cohorts.repo.cohorts_of(1) == ["demo"]
        assert await walk.say("/units")
        await take_check(walk, await walk.say("/unit 1"))
        assert await s.db.fetchone("SELECT 1 FROM unit_progress WHERE participant_id = 1 "
                                   "AND unit = 1 AND attempts_done >= 1")
        done = await walk.say(REMIND[language])
        assert len(await s.schedules.active(kind="reminder", participant_id=1)) == 1, done
        assert await walk.say("/remind list")
        await take_survey(walk, "pre-assessment")
        assert await s.db.fetchone(
            "SELECT 1 FROM survey_responses r JOIN survey_waves w ON w.id = r.wave_id "
            "WHERE r.participant_id = 1 AND w.survey = 'pre-assessment'")
        assert await walk.say("/help")
        assert await walk.say("/whoami")
        await write_practice(walk)
        assert await PracticeRepository(s.db).count_of(1, "submitted") == 1
        assert await walk.say("/mydata")
        h.adapter._group = "academy"
        posted = await h.send("fac", POLL, language="en")
        assert any(len(r.buttons) == 2 for r in posted), [r.text for r in posted]
        voted = await walk.say("2")
        assert voted, "the vote is acknowledged"
        h.adapter._group = None
        walk._keep("months later", await h.advance(timedelta(days=140)))
        await take_survey(walk, "impact")
        assert await s.db.fetchone(
            "SELECT 1 FROM survey_responses r JOIN survey_waves w ON w.id = r.wave_id "
            "WHERE r.participant_id = 1 AND w.survey = 'impact'")
        await walk.say("/forgetme")
        await walk.press(walk.last_buttons(2)[0])
        assert await s.participants.account("console", "ana") is None
        assert foreign_lines(walk, detector) == []
