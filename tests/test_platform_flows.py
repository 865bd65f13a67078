"""Units, surveys and progress exports on the real platform libraries against the loopback
fakes (issue 6): the knowledge check with Discord buttons, a French survey on Telegram
interrupted by a restart, and the CSV exports delivered as uploaded files.

Labels a French reader sees are taken from the bot's own catalogs (so the tests hold
whether or not a msgid is translated yet) and from the content."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.adapters.discord_render import render_parts
from bot.content.academy import load_academy
from bot.i18n import _, use_language
from bot.services import Services
from handlers.units.content import unit_text
from tests.fakes.discord_server import SentMessage
from tests.harness import SAMPLE_ACADEMY, Reply, demo_cohort
from tests.harness_discord import DiscordHarness, open_discord
from tests.harness_telegram import open_telegram, telegram_id

SAMPLE, _problems = load_academy(SAMPLE_ACADEMY)
assert SAMPLE is not None
UNIT_1 = SAMPLE.units[1]["en"]
DISCORD_LIMIT = 2000
DETAILS_FR = "Un échange entre le Sénégal et le Brésil sur les emplois verts"
SUGGESTION_FR = "Plus de sessions en ligne, s'il vous plaît"


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def label(services: Services, language: str, msgid: str) -> str:
    """A button label as the bot writes it in `language`."""
    with use_language(services.catalogs.pack(language)):
        return _(msgid)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def dm_messages(dc: DiscordHarness, name: str) -> list[SentMessage]:
    return dc.fake.sent_to(dc.fake.dm_channel(dc.user(name)).id)


# --- 1. Discord: a unit, split for Discord, and its knowledge check with buttons ---------
async def test_discord_unit_is_split_with_headings_and_its_check_answered_by_buttons(
        tmp_path: Path) -> None:
    async with open_discord(tmp_path, cohorts=[demo_cohort()]) as dc:
        await dc.send("ana", "/join demo", language="en")
        before = len(dm_messages(dc, "ana"))
        read = await dc.send("ana", "/unit 1", language="en")
        sent = dm_messages(dc, "ana")[before:]
        # The unit (about 3,500 characters) arrives in several messages, each within
        # Discord's limit, then the first question with one button per option.
        body = [s for s in sent if not s.buttons]
        assert len(body) >= 2
        assert all(len(s.content) <= DISCORD_LIMIT for s in sent)
        assert body[0].content.startswith(f"**Unit 1: {UNIT_1.title}**")
        headings = [line for line in UNIT_1.body.splitlines() if line.startswith("## ")]
        assert len(headings) == 4
        lines = [line for s in body for line in s.content.splitlines()]
        for heading in headings:  # Discord Markdown headings, each at the start of a line
            assert heading in lines
        # Cut between paragraphs, and never right after a heading (which would leave it at
        # the bottom of one message and its section in the next one).
        assert [s.content.rstrip().splitlines()[-1].startswith("#") for s in body] == \
            [False] * len(body)
        joined = "\n".join(s.content for s in body)
        assert joined.count("## ") == 4 and "work together to reach their development" in joined
        question = sent[-1]
        assert question.content.startswith("Question 1 of 3")
        assert question.labels == UNIT_1.questions[0].options
        assert read[-1].buttons == UNIT_1.questions[0].options

        # Right, wrong, right: 2 of 3, passed.
        q1, q2, q3 = UNIT_1.questions
        replies = await dc.press("ana", q1.options[q1.answer - 1])
        assert replies[0].text.startswith("✅ Right!")
        assert replies[-1].text.startswith("Question 2 of 3")
        assert replies[-1].buttons == q2.options
        replies = await dc.press("ana", q2.options[q2.answer % len(q2.options)])
        assert replies[0].text.startswith("❌ Not quite: the answer is")
        assert q2.options[q2.answer - 1] in replies[0].text
        replies = await dc.press("ana", q3.options[q3.answer - 1])
        assert replies[-1].text == ("Knowledge check done: 2 of 3 right. Unit 1 passed! 🎉")
        # A button of an answered question does not count twice.
        [again] = await dc.press("ana", q1.options[q1.answer - 1])
        assert again.text.startswith("You have already answered this question.")

        [listing] = await dc.send("ana", "/units", language="en")
        lines = listing.text.splitlines()
        assert lines[1] == f"1. {UNIT_1.title} — ✅ quiz passed (2/3)"
        assert lines[2].endswith("— 🆕 new")


async def test_discord_a_failed_check_shows_the_unit_as_read(tmp_path: Path) -> None:
    async with open_discord(tmp_path, cohorts=[demo_cohort()]) as dc:
        await dc.send("bob", "/join demo", language="en")
        await dc.send("bob", "/unit 1")  # a prefix command this time: same buttons
        for q in UNIT_1.questions:
            replies = await dc.press("bob", q.options[q.answer % len(q.options)])
        assert replies[-1].text.startswith("Knowledge check done: 0 of 3 right. 2 are needed "
                                           "to pass; try again whenever you like with")
        [listing] = await dc.send("bob", "/units", language="en")
        assert listing.text.splitlines()[1] == f"1. {UNIT_1.title} — 📖 read · quiz 0/3"


def test_no_sample_unit_leaves_a_heading_at_the_end_of_a_discord_message() -> None:
    """What the reader of each unit in each language gets on Discord."""
    for number, by_language in SAMPLE.units.items():
        for language, unit in by_language.items():
            parts = render_parts(unit_text(number, unit, language, False), "markdown")
            assert all(len(p) <= DISCORD_LIMIT for p in parts)
            ends = [p.rstrip().splitlines()[-1] for p in parts]
            assert not [e for e in ends if e.lstrip("\u200f").startswith("#")], \
                (number, language)


# --- 2. Telegram: a French survey across a restart, exported as a document ---------------
async def test_telegram_survey_in_french_survives_a_restart_and_exports(tmp_path: Path
                                                                       ) -> None:
    options = {"fac": ["fac"], "cohorts": [demo_cohort()]}
    impact = {q["id"]: q for q in SAMPLE.surveys["impact"]["questions"]}
    topics_fr = impact["topics"]["options"]["fr"]
    contacts_fr = impact["contacts"]["options"]["fr"]
    resources_fr = impact["resources-helped"]["options"]["fr"]
    async with open_telegram(tmp_path, facilitators=options["fac"],
                             cohorts=options["cohorts"]) as tg:
        s = tg.bot.services
        await tg.send("lea", "/join demo", language="fr")
        launched = text_of(await tg.send("fac", "/survey start impact", language="en"))
        assert "on its way to 1 participant" in launched
        invitation = [m for m in tg.fake.bot_messages(telegram_id("lea"))
                      if "Enquête d’impact" in m.get("text", "")]
        assert len(invitation) == 1
        asked = text_of(await tg.press("lea", label(s, "fr", "Start")))
        assert "Dans quelle mesure avez-vous utilisé" in asked
        await tg.press("lea", "4")
        toggled = await tg.press("lea", topics_fr[6])  # "Recherche de partenaires"
        assert toggled == []  # the question is edited in place, not posted again
        question = tg.fake.bot_messages(telegram_id("lea"))[-1]
        assert any(b["text"] == "✓ " + topics_fr[6]
                   for row in question["reply_markup"]["inline_keyboard"] for b in row)
        await tg.press("lea", topics_fr[1])
        await tg.press("lea", label(s, "fr", "Done"))
        details = text_of(await tg.press("lea", label(s, "fr", "Yes")))
        assert "Décrivez l’initiative" in details
        interview = text_of(await tg.send("lea", DETAILS_FR))
        assert "Accepteriez-vous un bref entretien" in interview
        sessions = await s.db.fetchall("SELECT COUNT(*) AS n FROM survey_sessions")
        assert sessions[0]["n"] == 1

    # The bot restarts, on a new Telegram server; Léa's chat id is the same.
    async with open_telegram(tmp_path, facilitators=options["fac"],
                             cohorts=options["cohorts"]) as tg:
        s = tg.bot.services
        back = await tg.send("lea", "/survey impact", language="fr")
        assert "Accepteriez-vous un bref entretien" in text_of(back)  # where she was
        assert back[-1].buttons[:2] == [label(s, "fr", "Yes"), label(s, "fr", "No")]
        await tg.press("lea", label(s, "fr", "Yes"))
        material = await tg.press("lea", contacts_fr[3])  # "Plus de 5"
        assert "ressources complémentaires que le bot vous a envoyées" in text_of(material)
        await tg.press("lea", "4")
        await tg.press("lea", resources_fr[3])  # the gender resource helped (issue 20)
        await tg.press("lea", label(s, "fr", "Done"))
        review = await tg.press("lea", "5")  # the community helped
        assert "Avez-vous des suggestions" in text_of(review)
        review = await tg.send("lea", SUGGESTION_FR)
        assert DETAILS_FR in text_of(review) and SUGGESTION_FR in text_of(review)
        assert review[-1].buttons[-1] == label(s, "fr", "Submit")
        done = text_of(await tg.press("lea", label(s, "fr", "Submit")))
        assert label(s, "fr", "Thank you! Your answers to \"{title}\" are submitted.").format(
            title=SAMPLE.surveys["impact"]["title"]["fr"]) in done

        exported = await tg.send("fac", "/survey export impact", language="en")
        assert any("📎 " in r.text and ".csv" in r.text for r in exported)
        [upload] = tg.fake.calls_to("sendDocument")
        document = upload.files["document"]
        assert document.file_name.endswith(".csv")
        rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"))))
        [row] = rows
        assert row["language"] == "fr"
        assert row["use"] == "4"
        assert row["initiative"] == "Yes" and row["interview"] == "Yes"
        assert row["initiative-details"] == DETAILS_FR
        assert row["suggestions"] == SUGGESTION_FR
        topics_en = impact["topics"]["options"]["en"]
        assert row["topics"] == "; ".join(topics_en[i] for i in (1, 6))
        assert row["contacts"] == impact["contacts"]["options"]["en"][3]
        assert (row["material-helped"], row["community-helped"]) == ("4", "5")
        assert row["resources-helped"] == impact["resources-helped"]["options"]["en"][3]

        status = text_of(await tg.send("fac", "/survey status impact"))
        assert "Invited: 1 · started: 1 · completed: 1 (100%)" in status
        assert "telegram: 1 of 1 completed (100%)" in status


# --- 3. Discord: /progress csv as an attached file in the facilitator's DM -----------------
async def test_discord_progress_csv_is_an_attachment_in_the_facilitators_dm(
        tmp_path: Path) -> None:
    async with open_discord(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as dc:
        await dc.send("ana", "/join demo", language="pt")
        await dc.send("bob", "/join demo", language="en")
        await dc.send("bob", "/unit 1", language="en")
        q1, q2, q3 = UNIT_1.questions
        await dc.press("bob", q1.options[q1.answer - 1])
        await dc.press("bob", q2.options[q2.answer % len(q2.options)])
        await dc.press("bob", q3.options[q3.answer - 1])
        [sent] = await dc.send("fac", "/progress csv", language="en")
        assert sent.text.startswith("Progress per participant and unit (10 rows).")
        [message] = [s for s in dm_messages(dc, "fac") if s.attachments]
        [attachment] = message.attachments
        assert attachment["filename"].endswith(".csv")
        assert f"📎 {attachment['filename']}" in sent.text
        rows = csv_rows(dc.fake.cdn[int(attachment["id"])].content)
        assert rows[0] == ["cohort", "participant", "language", "unit", "opened at", "score",
                           "passed"]
        assert len(rows) == 1 + 2 * 5
        by_person: dict[str, list[list[str]]] = {}
        for row in rows[1:]:
            by_person.setdefault(row[1].lower(), []).append(row)
        assert sorted(by_person) == ["ana", "bob"]
        assert [r[3] for r in by_person["ana"]] == ["1", "2", "3", "4", "5"]
        assert {r[2] for r in by_person["ana"]} == {"pt"}
        bob = by_person["bob"]
        assert bob[0][0] == "demo" and bob[0][2] == "en"
        assert bob[0][4] != "" and bob[0][5:] == ["2/3", "yes"]
        assert [r[4:] for r in bob[1:]] == [["", "", "no"]] * 4
        # Not for participants.
        [refused] = await dc.send("ana", "/progress csv")
        assert refused.text == label(dc.bot.services, "pt", "Sorry, {command} is for "
                                     "facilitators only.").format(command="!progress")
        assert not [s for s in dm_messages(dc, "ana") if s.attachments]
