"""/announce: every group chat and participant once, in their language, with delivery status."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.libretranslate_server import FakeLibreTranslate
from tests.harness import open_console


async def test_an_announcement_reaches_everyone_once_in_their_language(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        await h.send("ana", "/help", language="es")
        await h.send("joao", "/help", language="pt")
        h.adapter._group = "general"
        await h.send("joao", "/help")
        h.adapter._group = None
        replies = await h.send("fac", "/announce The session starts at 10:00", language="en")
        got = {r.chat_id: r.text for r in replies}
        assert got["ana"] == "📢 Anuncio de los facilitadores:\nThe session starts at 10:00"
        assert got["joao"] == "📢 Anúncio dos facilitadores:\nThe session starts at 10:00"
        assert got["#general"].startswith("📢 Announcement from the facilitators:")
        to_fac = [r.text for r in replies if r.chat_id == "fac"]
        # The confirmation comes first (a reply outranks bulk), then their own copy.
        assert to_fac[0].startswith("Announcement #1 is on its way to 4 chats.")
        assert to_fac[1].startswith("📢 Announcement from the facilitators:")
        [status] = await h.send("fac", "/announce status")
        assert "#1 (" in status.text and "4 delivered, 0 pending, 0 failed, of 4" in status.text


async def test_audiences_and_mistakes(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        await h.send("ana", "/help")
        h.adapter._group = "general"
        await h.send("ana", "/help")
        h.adapter._group = None
        only_groups = await h.send("fac", "/announce channels Room 4 today")
        assert sorted(r.chat_id for r in only_groups) == ["#general", "fac"]
        [empty] = await h.send("fac", "/announce participants")
        assert empty.text == "The announcement is empty."
        [refused] = await h.send("ana", "/announce hello")
        assert refused.text == "Sorry, /announce is for facilitators only."
        entries = await h.bot.services.audit.latest()
        assert ("announce", "refused") in [(e.action, e.outcome) for e in entries]


async def test_each_reader_gets_the_body_in_their_language(tmp_path: Path) -> None:
    """Written per language with `|| fr: …`, otherwise machine-translated and marked; the
    header was already translated, now the body is too."""
    async with FakeLibreTranslate() as lt, open_console(
            tmp_path, facilitators=["fac"],
            translation={"engine": "libretranslate", "url": lt.url}) as h:
        for user, language in (("marie", "fr"), ("rosa", "es"), ("samir", "ar")):
            await h.send(user, "/help", language=language)
        replies = await h.send(
            "fac", "/announce participants Hello everyone, welcome to the session. "
                   "|| fr: Bonjour à tous, bienvenue à la session.", language="en")
        got = {r.chat_id: r.text for r in replies if r.text.lstrip("\u200f").startswith("📢")}
        assert got["marie"].endswith("\nBonjour à tous, bienvenue à la session.")
        assert got["rosa"].endswith("\nHola a todos, bienvenidos a la sesión.\n"
                                    "(traducción automática)")
        assert "مرحبا بالجميع، أهلا بكم في الجلسة." in got["samir"]
        assert got["fac"].endswith("\nHello everyone, welcome to the session.")
        assert len(lt.requests) == 2  # one per language to translate (es, ar): fr was given
        lt.mode = "500"
        replies = await h.send("fac", "/announce participants Thanks and see you at the "
                                      "decent work session", language="en")
        got = {r.chat_id: r.text for r in replies if r.text.lstrip("\u200f").startswith("📢")}
        assert got["rosa"].endswith("\nThanks and see you at the decent work session\n"
                                    "(traducción no disponible)")
        await h.send("fac", "/language fr")
        [bad] = await h.send("fac", "/announce Hi || xx: nope")
        assert bad.text.startswith("Chaque traduction après || commence par")
