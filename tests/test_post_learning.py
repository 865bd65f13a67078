"""The post-learning loop (issue 20) on the console: the week's assessment fed back to the
cohort after a facilitator's go-ahead, and complementary resources dripped to each
participant for the gaps they reported; the facilitators' report; anonymity; restarts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from bot.scheduler import Firing
from handlers.resources.drip import SEND, fire_send
from tests.harness import ConsoleHarness, Reply, demo_cohort, open_console

# Eight confidence scales (pre-assessment.toml order): principles, sdgs, triangular, gender,
# history, design, partners, results; then the elective modules chosen.
ANA = ([5, 5, 5, 1, 5, 5, 2, 5], [8])  # gender, partners; the triangular elective
BEA = ([5, 5, 5, 5, 1, 2, 5, 5], [1])  # history, design; Alliance 8.7 (no resource)
# The resources' titles (resources/resource-NN.<lang>.md).
FR = {4: "L’intégration du genre, étape par étape",
      3: "Comment fonctionne la coopération triangulaire",
      7: "Trouver des partenaires dans d’autres pays"}
AR = {5: "تاريخ موجز للتعاون فيما بين بلدان الجنوب والتعاون الثلاثي",
      6: "تصميم مشروع للتعاون فيما بين بلدان الجنوب والتعاون الثلاثي"}
ALL_TITLES = {**FR, **AR}
BRIDGED = {"bridges": [{"name": "academy", "channels": [
    {"platform": "console", "chat_id": "academy", "language": "en"},
    {"platform": "console", "chat_id": "academie", "language": "fr"}]}]}


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def last_buttons(h: ConsoleHarness, user: str) -> list[str]:
    return next(r.buttons for r in reversed(h._history.get(user, [])) if r.buttons)


async def pre_assess(h: ConsoleHarness, user: str, answers: tuple[list[int], list[int]]
                     ) -> None:
    scales, electives = answers
    await h.send(user, "/assessment")
    for value in scales:
        await h.send(user, str(value))
    await h.send(user, "…")  # the practical problem
    await h.send(user, "…")  # what to learn from peers
    for module in electives:
        await h.send(user, str(module))
    await h.send(user, "10")  # Done, after the nine modules
    await h.send(user, str(len(last_buttons(h, user))))  # Submit: the review's last button


async def answer_assessment(h: ConsoleHarness, user: str, method: int = 3) -> None:
    """The end-of-week assessment, by button numbers (any language)."""
    await h.send(user, "1")  # Start
    for value in ("5", "4", "4"):
        await h.press(user, value)
    await h.send(user, str(method))
    await h.send(user, "The hotel was far")
    await h.send(user, "1")  # Yes
    await h.send(user, str(len(last_buttons(h, user))))  # Submit


def received(replies: list[Reply], user: str) -> list[int]:
    """The resources that reached `user`, by number, in order."""
    return [n for r in replies if r.chat_id == user and r.buttons
            and "👋" not in r.text[:3] for n, title in ALL_TITLES.items() if title in r.text]


async def cohort_with_answers(h: ConsoleHarness) -> None:
    """Ana (French) and Bea (Arabic) answer the pre-assessment with different gaps, then
    the end-of-week assessment when it opens."""
    await h.send("ana", "/join demo", language="fr")
    await h.send("bea", "/join demo", language="ar")
    await pre_assess(h, "ana", ANA)
    await pre_assess(h, "bea", BEA)
    opened = await h.advance(timedelta(days=15))  # the assessment opens on day 14
    assert {r.chat_id for r in opened if "Start" in r.buttons or "Commencer" in r.buttons
            or "ابدأ" in r.buttons} >= {"ana", "bea"}
    await answer_assessment(h, "ana", 3)
    await answer_assessment(h, "bea", 3)


async def test_rehearsal_feedback_and_resources_for_each_gap(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac", "gil"], cohorts=[demo_cohort()],
                            surveys={"anonymous_min_group": 2}, **BRIDGED) as h:
        await h.send("fac", "/start", language="en")
        await h.send("gil", "/language fr", language="fr")
        await cohort_with_answers(h)
        # Past the assessment's close (the day after its last reminder, day 22): the
        # facilitators are told, the cohort's chats get nothing yet; resources have begun.
        after = await h.advance(timedelta(days=8))
        ready = [r for r in after if r.chat_id in ("fac", "gil") and "/feedback post demo"
                 in r.text]
        assert {r.chat_id for r in ready} == {"fac", "gil"}
        assert "Nothing is posted until you say so" in next(r.text for r in ready
                                                            if r.chat_id == "fac")
        assert not [r for r in after if r.chat_id.startswith("#") and "What you told us"
                    in r.text]
        # Each participant receives the resources for their own gaps, in their language.
        assert received(after, "ana") == [4, 3]  # gender, then the triangular elective
        assert received(after, "bea") == [5, 6]  # history, then design
        assert "Choisie pour un besoin que vous avez signalé" in next(
            r.text for r in after if r.chat_id == "ana" and FR[4] in r.text)

        # Preview in two languages, with a chart; a note; the post.
        preview = await h.send("fac", "/feedback preview")
        assert "What you told us about the face-to-face week: 2 responses" in preview[0].text
        assert "Group work: 100%" in preview[0].text
        assert "The hotel was far" not in preview[0].text  # comments stay with facilitators
        assert re.search(r"📎 \S+\.png", preview[0].text)
        apercu = await h.send("gil", "/feedback preview demo")
        assert "Ce que vous nous avez dit de la semaine en présentiel" in apercu[0].text
        assert "Pas encore publié" in apercu[0].text
        await h.send("fac", "/feedback note Thank you all: next time, the hotel is closer.")
        posted = await h.send("fac", "/feedback post")
        assert "is posted to its chats (2)" in text_of(posted)
        chats = {r.chat_id: r.text for r in posted if r.chat_id.startswith("#")}
        assert "What you told us about the face-to-face week" in chats["#academy"]
        assert "Ce que vous nous avez dit de la semaine en présentiel" in chats["#academie"]
        for text in chats.values():  # no translation engine: the words as written, marked
            assert "Thank you all: next time, the hotel is closer." in text
        assert "✍️ Le mot des facilitateurs" in chats["#academie"]
        again = await h.send("gil", "/feedback post")
        assert "déjà été publié" in text_of(again)
        assert not [r for r in again if r.chat_id.startswith("#")]

        # Reading one, the list, the rest of the drip with nudges for the unread.
        read = await h.press("ana", "Lire")  # under the newest: resource 3
        assert "partenaire pivot" in read[0].text
        listing = text_of(await h.send("ana", "/resources"))
        assert f"3. {FR[3]} — 📖" in listing and f"4. {FR[4]} — 🆕" in listing
        assert f"7. {FR[7]} — 🔒" in listing
        rest = await h.advance(timedelta(days=10))
        assert received(rest, "ana") == [7] and received(rest, "bea") == []
        nudges = sorted((r.chat_id, n) for r in after + rest if "👋" in r.text[:3]
                        for n, title in ALL_TITLES.items() if title in r.text)
        assert nudges == [("ana", 4), ("ana", 7), ("bea", 5), ("bea", 6)]  # not ana's 3

        # The facilitators' report: gaps, resources, received and opened.
        report = text_of(await h.send("fac", "/gaps"))
        assert "Complementary resources of SSTC Academy — demo cohort" in report
        lines = report.splitlines()
        read_one = lines.index(next(x for x in lines if x.startswith("3. How triangular")))
        assert "chosen for 1 · received 1 · opened 1" in lines[read_one + 1]
        gender = lines.index(next(x for x in lines if x.startswith("4. Gender mainstreaming")))
        assert "chosen for 1 · received 1 · opened 0" in lines[gender + 1]
        assert "Triangular cooperation: 1 participant" in report
        sheet = await h.send("fac", "/gaps csv")
        path = Path(re.findall(r"📎 (\S+resources-demo\S*\.csv)", text_of(sheet))[0])
        rows = {r["resource"]: r for r in read_rows(path)}
        assert (rows["5"]["chosen"], rows["5"]["received"], rows["5"]["opened"]) == \
            ("1", "1", "0")
        assert rows["1"]["chosen"] == "0"


async def test_feedback_respects_the_minimum_group(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            surveys={"anonymous_min_group": 3}) as h:
        await h.send("fac", "/start", language="en")
        await cohort_with_answers(h)
        [refused] = await h.send("fac", "/feedback preview")
        assert "2 responses so far" in refused.text and "from 3 responses on" in refused.text
        [nothing] = await h.send("fac", "/feedback post")
        assert "2 responses so far" in nothing.text
        await h.send("cid", "/join demo", language="en")
        await h.send("cid", "1")  # the assessment's invitation, already open
        await answer_assessment(h, "cid", method=1)  # a lone "Presentations by experts"
        [preview] = await h.send("fac", "/feedback preview")
        assert "3 responses" in preview.text
        assert "Presentations by experts" not in preview.text
        assert "grouped or left out" in preview.text


async def test_feedback_for_another_cohort_is_refused(tmp_path: Path) -> None:
    other = demo_cohort(code="other", name="Other cohort",
                        channels=[{"platform": "console", "chat_id": "other-chat"}],
                        facilitators={"console": ["olga"]})
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort(), other],
                            surveys={"anonymous_min_group": 2}) as h:
        await cohort_with_answers(h)
        [refused] = await h.send("olga", "/feedback post demo", language="en")
        assert "no cohort \"demo\" among yours" in refused.text
        [participant] = await h.send("ana", "/feedback post demo")
        assert "facilitator" in participant.text.lower() or "facilitat" in participant.text
        assert not [r for r in await h._new_replies() if r.chat_id.startswith("#")]
        [own] = await h.send("olga", "/feedback preview")
        assert "0 responses so far" in own.text


async def test_a_restart_in_the_middle_sends_nothing_twice(tmp_path: Path) -> None:
    seen: list[Reply] = []
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            surveys={"anonymous_min_group": 2}) as h:
        await h.send("fac", "/start", language="en")
        await cohort_with_answers(h)
        seen += await h.advance(timedelta(days=3))  # day 18: the first resource of each
        assert received(seen, "ana") == [4] and received(seen, "bea") == [5]
        # The same delivery firing again (a crash before its bookkeeping) is a no-op.
        s = h.bot.services
        row = await s.db.fetchone("SELECT schedule_id FROM resource_drip WHERE position = 0")
        assert row is not None
        schedule = await s.schedules.get(row["schedule_id"])
        assert schedule is not None and schedule.kind == SEND and schedule.status == "done"
        await fire_send(s, schedule, Firing(s.clock.now(), late=False))
        assert received(await h._new_replies(), "ana") == []
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            surveys={"anonymous_min_group": 2}) as h:
        seen += await h.advance(timedelta(days=40))
        assert received(seen, "ana") == [4, 3, 7]
        assert received(seen, "bea") == [5, 6]
        fac = [r for r in seen if r.chat_id == "fac" and "/feedback post demo" in r.text]
        assert len(fac) == 1
        keys = [row[0] for row in await h.bot.services.db.fetchall(
            "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE 'resource%'")]
        assert len(keys) == len(set(keys)) == 5 + 5  # five resources, each nudged once


async def test_the_facilitators_words_are_translated_per_chat_and_marked(tmp_path: Path
                                                                        ) -> None:
    from tests.fakes.libretranslate_server import FakeLibreTranslate

    words = "Hello everyone, welcome to the session."
    async with FakeLibreTranslate() as lt, open_console(
            tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
            surveys={"anonymous_min_group": 2},
            translation={"engine": "libretranslate", "url": lt.url}, **BRIDGED) as h:
        await h.send("fac", "/start", language="en")
        await cohort_with_answers(h)
        await h.advance(timedelta(days=8))
        await h.send("fac", f"/feedback note {words}")
        posted = await h.send("fac", "/feedback post")
        chats = {r.chat_id: r.text for r in posted if r.chat_id.startswith("#")}
        assert words in chats["#academy"] and "machine translation" not in chats["#academy"]
        assert "Bonjour à tous, bienvenue à la session." in chats["#academie"]
        assert words not in chats["#academie"]
        assert "(traduction automatique\u202f; écrit en anglais)" in chats["#academie"]


async def test_on_telegram_the_group_gets_the_chart_and_a_resource_opens_by_button(
        tmp_path: Path) -> None:
    from tests.harness_telegram import open_telegram

    group_id = -100_777
    cohort = demo_cohort(channels=[{"platform": "telegram", "chat_id": str(group_id)}])
    async with open_telegram(tmp_path, facilitators=["fac"], cohorts=[cohort],
                             surveys={"anonymous_min_group": 1}) as tg:
        group = tg.fake.add_group("Académie", chat_id=group_id)
        s = tg.bot.services
        await s.chats.ensure("telegram", str(group_id), "group", "Académie", s.clock.now())
        await s.chats.set_language("telegram", str(group_id), "fr")
        await tg.send("fac", "/start", language="en")
        await tg.send("lea", "/join demo", language="fr")
        await tg.send("lea", "/assessment")
        for answer in ("5", "5", "5", "1", "5", "5", "5", "5", "…", "…"):
            await tg.send("lea", answer)
        await tg.press("lea", "Alliance 8.7")  # an elective no resource answers
        await tg.press("lea", "Terminé")
        await tg.press("lea", "Envoyer")

        async def advance(days: int) -> None:
            s.clock.advance(timedelta(days=days))
            await s.scheduler.run_due(s.clock.now(), rehearse=True)
            assert await s.outbox.wait_idle("telegram", limit=10)

        await advance(15)
        await tg.press("lea", "Commencer")
        for label in ("5", "4", "4", "Travaux de groupe"):
            await tg.press("lea", label)
        await tg.send("lea", "Plus de pauses")
        await tg.press("lea", "Oui")
        await tg.press("lea", "Envoyer")
        await advance(8)
        before = len(tg.fake.bot_messages(group))  # the animation's prompts, no feedback
        assert "Ce que vous nous avez dit" not in text_of(
            [as_reply(m) for m in tg.fake.bot_messages(group)])
        posted = await tg.send("fac", "/feedback post")
        assert "is posted to its chats (1)" in text_of(posted)
        await s.outbox.wait_idle("telegram", limit=10)
        photos = [c for c in tg.fake.calls_to("sendPhoto")
                  if str(c.params.get("chat_id")) == str(group_id)]
        assert len(photos) == 1  # the chart
        in_group = text_of([as_reply(m) for m in tg.fake.bot_messages(group)[before:]])
        assert "Ce que vous nous avez dit de la semaine en présentiel" in in_group
        assert "Travaux de groupe" in in_group
        offered = [m for m in tg.fake.bot_messages(tg.user("lea"))
                   if "L’intégration du genre, étape par étape" in m.get("text", "")]
        assert len(offered) == 2  # sent, then one nudge
        assert "Une ressource pour aller plus loin" in offered[0]["text"]
        opened = text_of(await tg.press("lea", "Lire"))
        assert "Conception" in opened and "**" not in opened


def as_reply(message: dict[str, object]) -> Reply:
    from tests.harness_telegram import as_reply as telegram_reply

    return telegram_reply(message, "group")
