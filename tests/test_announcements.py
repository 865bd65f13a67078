"""/announce: every group chat and participant once, in their language, with delivery status."""

from __future__ import annotations

from pathlib import Path

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
