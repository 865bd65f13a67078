"""The good-practice base: the template walk (resumable across a restart), review, search
with and without accents, reading in one's language (translated on demand, cached), export,
and the academy's own practice loaded from the content folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from bot.content.practices import check_practices
from bot.content.units import Problems
from handlers.relay.router import Untranslated
from storage.db import Database
from storage.practices import FIELDS, PracticeRepository, fts_query
from tests.harness import ConsoleHarness, open_console

# Amina writes in French: every required field, the contact, and /skip for the web page.
AMINA = {
    "title": "Coopératives de femmes entre le Sénégal et le Brésil",
    "horizontality": "Échanges entre pairs : les coopératives se forment mutuellement.",
    "objectives": "Renforcer l'autonomie économique des femmes.\nCréer un réseau Sud-Sud.",
    "stakeholders": "Coopératives, ministères du travail, OIT.",
    "methodology": "Visites d'étude croisées et mentorat en ligne.",
    "validation": "Revenus en hausse de 30 % après un an.",
    "innovation": "Un mentorat par messagerie, dans trois langues.",
    "sustainability": "Les coopératives financent elles-mêmes les visites.",
    "replicability": "Possible partout où existent des coopératives de femmes.",
    "contact": "Amina Diallo, amina@example.org",
}


class FakeTranslator:
    """The translation interface the relay uses, marking each text with its target."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, frozenset[str]]] = []

    async def translate_for(self, text: str, targets: set[str], source_hint: str | None = None,
                            received_at: float | None = None) -> Untranslated:
        self.calls.append((text, source_hint, frozenset(targets)))
        return Untranslated(source_hint, {t: f"[{t}] {text}" for t in targets}, set())

    async def close(self) -> None:
        pass


def repo(h: ConsoleHarness) -> PracticeRepository:
    return PracticeRepository(h.bot.services.db)


async def write_fields(h: ConsoleHarness, user: str, names: tuple[str, ...]) -> list[str]:
    """Answer each field in turn; returns the text of the bot's last reply."""
    last: list[str] = []
    for name in names:
        last = [r.text for r in await h.send(user, AMINA[name])]
    return last


async def submitted_practice(h: ConsoleHarness) -> int:
    """Amina writes and submits a practice in one go; its number."""
    await h.send("amina", "/practice new", language="fr")
    await write_fields(h, "amina", FIELDS[:-1])
    await h.send("amina", "/skip")
    await h.press("amina", "✅ Soumettre pour relecture")
    [practice] = await repo(h).with_status("submitted")
    return practice.id


async def test_the_academy_practice_is_the_first_entry_loaded_once(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        [listed] = await h.send("ana", "/practices", language="en")
        assert listed.text.startswith("Good practices:\n#1 · ILO Academy on South-South")
        [shown] = await h.send("ana", "/practice 1")
        assert "Horizontality\nThe academy was based on sharing peer-to-peer" in shown.text
        assert "Web page\nwww.southsouthpoint.net" in shown.text
        # Its Spanish text is written in the file: found and read in Spanish, no engine needed.
        [found] = await h.send("lucia", "/practices academia triangular", language="es")
        assert "#1 · Academia de la OIT sobre Cooperación Sur-Sur y Triangular" in found.text
        [leido] = await h.send("lucia", "/practice 1")
        assert "Agencias de cooperación del Sur y del Norte" in leido.text
        assert "inglés" not in leido.text and "Translated automatically" not in leido.text
    async with open_console(tmp_path) as h:  # a restart loads it again: still one
        approved = await repo(h).with_status("approved")
        assert [(p.id, p.seed_key) for p in approved] == [(1, "sstc-academy")]


async def test_submit_resume_after_restart_approve_find_and_read_in_spanish(
        tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        intro, first = await h.send("amina", "/practice new", language="fr")
        assert "/practice new" in intro.text and "11" in intro.text
        assert "1" in first.text and "11" in first.text and "/cancel" in first.text
        await write_fields(h, "amina", FIELDS[:4])
        account = await h.bot.services.participants.account("console", "amina")
        assert account is not None
        draft = await repo(h).draft_of(account.participant_id)
        assert draft is not None and draft.step == "methodology"
    # The bot restarts in the middle: nothing she wrote is lost, and she goes on.
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        back, prompt = await h.send("amina", "/practice new", language="fr")
        assert "n° 2" in back.text and "5" in prompt.text
        [contact] = await write_fields(h, "amina", FIELDS[4:10])
        assert "/skip" in contact  # the web page is optional
        [summary] = await h.send("amina", "/skip")
        assert AMINA["replicability"] in summary.text and AMINA["contact"] in summary.text
        assert summary.buttons[0] == "✅ Soumettre pour relecture" and len(summary.buttons) == 12
        # Change one field from the summary, then submit.
        [edit_prompt] = await h.press("amina", "✏️ Innovation")
        assert AMINA["innovation"] in edit_prompt.text  # what it says now
        [again] = await h.send("amina", "Un mentorat par messagerie, en quatre langues.")
        assert "quatre langues" in again.text and again.buttons
        [thanks] = await h.press("amina", "✅ Soumettre pour relecture")
        assert "n° 2" in thanks.text
        practice = await repo(h).get(2)
        assert practice is not None and practice.status == "submitted"
        assert practice.language == "fr" and practice.url == ""
        assert practice.title == AMINA["title"] and practice.objectives == AMINA["objectives"]
        assert await repo(h).draft_of(practice.author_id or 0) is None

        # A participant cannot approve; a facilitator can, and the author hears of it.
        [refused] = await h.send("ana", "/practice approve 2", language="en")
        assert refused.text == "Sorry, /practice approve is for facilitators only."
        entries = await h.bot.services.audit.latest()
        assert ("practice approve", "refused") in [(e.action, e.outcome) for e in entries]
        assert (await repo(h).get(2)).status == "submitted"  # type: ignore[union-attr]
        [waiting] = await h.send("fac", "/practice review", language="en")
        assert f"#2 · {AMINA['title']} (fr)" in waiting.text
        replies = await h.send("fac", "/practice approve 2")
        got = {r.chat_id: r.text for r in replies}
        assert got["fac"] == "Practice #2 is approved and in the base."
        assert "n° 2" in got["amina"] and AMINA["title"] in got["amina"]

        # A Spanish-speaking participant finds it, typing without the accents.
        [found] = await h.send("lucia", "/practices senegal", language="es")
        assert f"#2 · {AMINA['title']} — Renforcer l'autonomie économique des femmes." \
            in found.text
        assert "#1 ·" not in found.text
        # No translation engine: the original, with a note naming its language in Spanish.
        [read] = await h.send("lucia", "/practice 2")
        assert read.text.startswith(f"#2 · {AMINA['title']}")
        assert AMINA["methodology"] in read.text and "francés" in read.text
        # With an engine: translated on demand, once; later readings come from the base.
        fake = FakeTranslator()
        h.bot.services.relay.translator = fake
        [translated] = await h.send("lucia", "/practice 2")
        assert translated.text.startswith(f"#2 · [es] {AMINA['title']}")
        assert f"[es] {AMINA['methodology']}" in translated.text and "francés" in translated.text
        assert {c[1] for c in fake.calls} == {"fr"} and len(fake.calls) == 10  # no URL
        [again_es] = await h.send("lucia", "/practice 2")
        assert again_es.text == translated.text and len(fake.calls) == 10
        # The Spanish text is searchable too, and the list shows it in Spanish.
        [listed] = await h.send("lucia", "/practices [es]")
        assert f"#2 · [es] {AMINA['title']}" in listed.text
        # The author (French) reads her own text untranslated.
        [own] = await h.send("amina", "/practice 2")
        assert own.text.startswith(f"#2 · {AMINA['title']}") and "[es]" not in own.text


async def test_returned_with_a_comment_the_author_revises_and_resubmits(tmp_path: Path
                                                                       ) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        number = await submitted_practice(h)
        [no_comment] = await h.send("fac", f"/practice return {number}", language="en")
        assert no_comment.text.startswith("Please add a comment for the author:")
        replies = await h.send("fac", f"/practice return {number} Please add figures on "
                                      "the number of women involved.")
        got = {r.chat_id: r.text for r in replies}
        assert got["fac"] == f"Practice #{number} is returned to its author with your comment."
        assert "Please add figures on the number of women involved." in got["amina"]
        assert "/practice new" in got["amina"]
        practice = await repo(h).get(number)
        assert practice is not None and practice.status == "returned"
        # A returned practice is not public.
        [hidden] = await h.send("lucia", f"/practice {number}", language="en")
        assert hidden.text.startswith(f"There is no approved practice #{number}.")
        # The author takes it up again: the comment, then the summary to edit and resubmit.
        comment, summary = await h.send("amina", "/practice new")
        assert "Please add figures" in comment.text and summary.buttons
        await h.press("amina", "✏️ Validation et efficacité")
        await h.send("amina", "Revenus en hausse de 30 % ; 240 femmes dans 12 coopératives.")
        await h.press("amina", "✅ Soumettre pour relecture")
        practice = await repo(h).get(number)
        assert practice is not None and practice.status == "submitted"
        assert "240 femmes" in practice.validation


async def test_search_ignores_accents_both_ways(db: Database) -> None:
    from datetime import UTC, datetime

    practices = PracticeRepository(db)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    texts = {name: "" for name in FIELDS}
    spanish = await practices.create(None, "es", now, status="approved", fields={
        **texts, "title": "Cooperación técnica entre municipios",
        "objectives": "Intercambio de experiencias en Perú y Bolivia."})
    plain = await practices.create(None, "en", now, status="approved", fields={
        **texts, "title": "Cooperacion in the Andes", "objectives": "Peru and Bolivia."})
    draft = await practices.create(None, "es", now, fields={
        **texts, "title": "Cooperación no publicada"})
    for words in ("cooperacion", "cooperación", "COOPERACIÓN", "coop"):
        assert {p.id for p in await practices.search(words)} == {spanish, plain}, words
    assert [p.id for p in await practices.search("peru tecnica")] == [spanish]
    assert [p.id for p in await practices.search("Perú municipios")] == [spanish]
    assert await practices.search("andes municipios") == []
    assert draft not in {p.id for p in await practices.search("publicada")}
    # FTS5 syntax typed by a reader is only text.
    assert await practices.search('"; DROP TABLE practices; --') == []
    assert await practices.search("NEAR( OR AND") == []
    assert fts_query("!!! ...") is None


async def test_export_as_markdown_and_csv(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        number = await submitted_practice(h)
        await h.send("fac", f"/practice approve {number}", language="en")
        [refused] = await h.send("amina", "/practice export")
        assert "facilitators only" in refused.text or "/practice export" in refused.text
        [sent] = await h.send("fac", "/practice export")
        assert sent.text.startswith("Approved practices: 2. Attached as Markdown and as CSV.")
        folder = tmp_path / "exports"
        [markdown] = sorted(folder.glob("practices-*.md"))
        [table] = sorted(folder.glob("practices-*.csv"))
        text = markdown.read_text(encoding="utf-8")
        assert f"## {number}. {AMINA['title']}" in text
        assert f"### Methodological approach\n\n{AMINA['methodology']}" in text
        assert "## 1. ILO Academy on South-South" in text
        with table.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [r["id"] for r in rows] == ["1", str(number)]
        assert rows[1]["title"] == AMINA["title"] and rows[1]["contact"] == AMINA["contact"]
        assert rows[1]["objectives"] == AMINA["objectives"]  # line breaks survive
        # Both files went out as attachments of the reply.
        [payload] = [json.loads(r["payload"]) for r in await h.bot.services.db.fetchall(
            "SELECT payload FROM outbox WHERE payload LIKE '%practices-%'")]
        assert sorted(a["path"] for a in payload["attachments"]) == sorted(
            [str(markdown), str(table)])
        assert {a["mime"] for a in payload["attachments"]} == {"text/markdown", "text/csv"}


async def test_walk_mistakes_pause_and_discard(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        await h.send("ana", "/practice new", language="en")
        [required] = await h.send("ana", "/skip")
        assert required.text == ("Title is needed for every practice: please write a few "
                                 "words about it.")
        [too_long] = await h.send("ana", "x" * 201)
        assert too_long.text.startswith("That is 201 characters; Title takes at most 200.")
        [paused] = await h.send("ana", "/cancel")
        assert paused.text.startswith("Paused. Your practice #2 is kept: /practice new")
        # While paused, free text is not taken as an answer.
        [not_taken] = await h.send("ana", "hello")
        assert not_taken.text.startswith("I answer commands.")
        [nothing] = await h.send("ana", "/skip")
        assert nothing.text == "There is nothing to skip right now."
        _back, prompt = await h.send("ana", "/practice new")
        assert prompt.text.startswith("Good practice, step 1 of 11: Title")
        [deleted] = await h.send("ana", "/practice discard")
        assert deleted.text == "Deleted your practice #2."
        assert await repo(h).get(2) is None
        # In a group, the walk is offered in private instead.
        h.adapter._group = "lobby"
        [private] = await h.send("ana", "/practice new")
        assert private.text.startswith("Let's write it together in a private chat")
        h.adapter._group = None
        [unknown] = await h.send("ana", "/practice 99")
        assert unknown.text == "There is no approved practice #99. See the list with /practices."


async def test_forgetting_an_author_keeps_approved_practices_only(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        number = await submitted_practice(h)
        await h.send("fac", f"/practice approve {number}", language="en")
        await h.send("amina", "/practice new")
        await h.send("amina", "Un deuxième brouillon")
        practices = repo(h)
        author = (await practices.get(number)).author_id  # type: ignore[union-attr]
        assert author is not None and await practices.draft_of(author) is not None
        await h.bot.services.db.execute("DELETE FROM participants WHERE id = ?", (author,))
        kept = await practices.get(number)
        assert kept is not None and kept.status == "approved" and kept.author_id is None
        rows = await h.bot.services.db.fetchall(
            "SELECT id FROM practices WHERE status <> 'approved'")
        assert rows == []
        assert await h.bot.services.db.fetchall("SELECT * FROM practice_drafts") == []


def test_the_practice_files_are_checked(tmp_path: Path) -> None:
    (tmp_path / "practices").mkdir()
    (tmp_path / "practices" / "bad.toml").write_text(
        'language = "en"\n'
        'title.en = "A title"\n'
        'title.es = "Un título"\n'
        'objectivs.en = "typo"\n'
        'horizontality.en = "Peers."\n', encoding="utf-8")
    problems = Problems()
    check_practices(tmp_path, ["en", "es"], problems)
    found = "\n".join(problems.found)
    assert "bad.toml:4: unknown key 'objectivs'" in found
    assert "the original (en) is missing objectives, stakeholders" in found
    assert "the es translation is missing horizontality" in found
    sample = Path(__file__).resolve().parent.parent / "content" / "sstc-academy"
    clean = Problems()
    check_practices(sample, ["en", "fr", "es", "pt", "ar"], clean)
    assert clean.found == []
