"""Files through the adapters: uploads (Telegram sendPhoto / sendDocument, Discord
multipart, console paths) and downloads of what people send, against the real
python-telegram-bot and discord.py talking to the loopback fakes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.base import MB
from bot.adapters.console import ConsoleAdapter, ConsoleUser
from bot.model import (
    Attachment,
    Button,
    ChatKind,
    ChatRef,
    EventKind,
    OutboundMessage,
)
from tests.fakes.discord_server import FakeFile
from tests.harness_discord import DiscordHarness, open_discord
from tests.harness_telegram import TelegramHarness, open_telegram, telegram_adapter, telegram_id

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4



@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    async with open_telegram(tmp_path) as harness:
        yield harness


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with open_discord(tmp_path) as harness:
        yield harness


def a_file(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def attached(path: Path, kind: str = "document", name: str | None = None) -> Attachment:
    return Attachment(kind, name or path.name, path.stat().st_size, path=str(path))


async def deliver(outbox: object, msg: OutboundMessage, platform: str) -> str | None:
    """Through the real outbox; the native id the platform gave, or None if it failed."""
    item_id = await outbox.enqueue(msg)  # type: ignore[attr-defined]
    assert item_id is not None
    assert await outbox.wait_idle(platform, limit=15, include_delayed=True)  # type: ignore[attr-defined]
    item = await outbox.repo.get(item_id)  # type: ignore[attr-defined]
    assert item is not None
    return item.native_id if item.status == "sent" else None


# --- Telegram: uploads ----------------------------------------------------------------
def telegram_private(name: str) -> ChatRef:
    return ChatRef("telegram", str(telegram_id(name)), ChatKind.PRIVATE)


async def test_telegram_photo_carries_the_text_as_caption_and_the_buttons(
        tg: TelegramHarness, tmp_path: Path) -> None:
    tg.user("ana")
    photo = a_file(tmp_path, "map.png", PNG)
    native_id = await deliver(tg.bot.services.outbox, OutboundMessage(
        telegram_private("ana"), "The **venue**", format="markdown",
        attachments=[attached(photo, "photo")], buttons=[[Button("OK", "ok:1")]]), "telegram")
    (sent,) = tg.fake.bot_messages(telegram_id("ana"))
    assert native_id == str(sent["message_id"])
    assert sent["caption"] == "The venue" and sent["caption_entities"][0]["type"] == "bold"
    assert "photo" in sent and "reply_markup" in sent
    assert [c.method for c in tg.fake.calls if c.method.startswith("send")] == ["sendPhoto"]
    file_id = sent["photo"][-1]["file_id"]
    assert tg.fake.files[file_id].content == PNG
    assert tg.fake.files[file_id].file_name == "map.png"


async def test_telegram_long_text_goes_first_then_the_document(
        tg: TelegramHarness, tmp_path: Path) -> None:
    tg.user("ana")
    doc = a_file(tmp_path, "notes.txt", b"hello")
    text = "word " * 300  # 1500 characters: too long for a caption
    native_id = await deliver(tg.bot.services.outbox, OutboundMessage(
        telegram_private("ana"), text, attachments=[attached(doc)],
        buttons=[[Button("OK", "ok:1")]]), "telegram")
    first, second = tg.fake.bot_messages(telegram_id("ana"))
    assert native_id == str(first["message_id"])
    assert first["text"].strip() == text.strip() and "reply_markup" not in first
    assert second["document"]["file_name"] == "notes.txt" and "caption" not in second
    assert "reply_markup" in second  # buttons on the last message
    assert tg.fake.files[second["document"]["file_id"]].content == b"hello"


async def test_telegram_a_file_over_the_limit_becomes_a_line(
        tg: TelegramHarness, tmp_path: Path) -> None:
    tg.user("ana")
    tg.adapter.upload_limit = 1000
    big = a_file(tmp_path, "big.bin", b"x" * 1001)
    small = a_file(tmp_path, "small.txt", b"y" * 1000)
    await deliver(tg.bot.services.outbox, OutboundMessage(
        telegram_private("ana"), "Two files", attachments=[attached(big), attached(small)]),
        "telegram")
    (sent,) = tg.fake.bot_messages(telegram_id("ana"))
    assert sent["caption"] == "Two files\n📎 big.bin (too large to relay)"
    assert sent["document"]["file_name"] == "small.txt"
    assert tg.fake.calls_to("sendDocument")[0].files["document"].content == b"y" * 1000


async def test_telegram_a_large_image_goes_as_a_document(
        tg: TelegramHarness, tmp_path: Path) -> None:
    # sendPhoto takes 10 MB at most (the fake refuses more, as Telegram does).
    tg.user("ana")
    image = a_file(tmp_path, "poster.png", PNG + b"\0" * (10 * MB))
    await deliver(tg.bot.services.outbox, OutboundMessage(
        telegram_private("ana"), "", attachments=[attached(image, "photo")]), "telegram")
    (sent,) = tg.fake.bot_messages(telegram_id("ana"))
    assert sent["document"]["file_name"] == "poster.png"
    assert tg.fake.calls_to("sendPhoto") == []


async def test_telegram_a_missing_file_is_announced_not_fatal(
        tg: TelegramHarness, tmp_path: Path) -> None:
    tg.user("ana")
    gone = Attachment("document", "report.pdf", 10, path=str(tmp_path / "gone.pdf"))
    native_id = await deliver(tg.bot.services.outbox, OutboundMessage(
        telegram_private("ana"), "The report", attachments=[gone]), "telegram")
    (sent,) = tg.fake.bot_messages(telegram_id("ana"))
    assert native_id is not None and sent["text"] == "The report\n📎 report.pdf"


async def test_telegram_a_retry_does_not_send_the_text_twice(
        tg: TelegramHarness, tmp_path: Path) -> None:
    tg.user("ana")
    doc = a_file(tmp_path, "notes.txt", b"hello")
    tg.fake.fail_next("sendDocument", status=429, retry_after=1)
    native_id = await deliver(tg.bot.services.outbox, OutboundMessage(
        telegram_private("ana"), "word " * 300, attachments=[attached(doc)]), "telegram")
    messages = tg.fake.bot_messages(telegram_id("ana"))
    assert [("text" in m, "document" in m) for m in messages] == [(True, False), (False, True)]
    assert native_id == str(messages[0]["message_id"])
    assert len(tg.fake.calls_to("sendDocument")) == 2


# --- Telegram: downloads --------------------------------------------------------------


async def test_telegram_photos_and_documents_become_attachments_and_download(
        tmp_path: Path) -> None:
    async with telegram_adapter() as (fake, adapter, events):
        ana = fake.add_user("Ana")
        group = fake.add_group("Cohort 1")
        fake.push_file(ana, "photo", "ignored.jpg", PNG, group, caption="Our room")
        fake.push_file(ana, "document", "plan.pdf", b"%PDF-1.4 plan", group,
                       content_type="application/pdf")
        await fake.wait_for(lambda: adapter.handled_update_id >= fake.last_update_id)
        photo_event, doc_event = events
        assert photo_event.text == "Our room" and photo_event.kind is EventKind.MESSAGE
        [photo] = photo_event.attachments
        assert (photo.kind, photo.file_name, photo.size) == ("photo", "photo.jpg", len(PNG))
        assert not photo.native_id.endswith("-thumb")  # the largest size  # type: ignore[union-attr]
        [doc] = doc_event.attachments
        assert (doc.kind, doc.file_name, doc.size, doc.mime) == (
            "document", "plan.pdf", 13, "application/pdf")

        into_folder = await adapter.download(doc, tmp_path, max_bytes=1000)
        assert into_folder == tmp_path / "plan.pdf"
        assert into_folder.read_bytes() == b"%PDF-1.4 plan"
        exact = await adapter.download(photo, tmp_path / "room.jpg", max_bytes=2000)
        assert exact is not None and exact.read_bytes() == PNG
        # Too large for the caller: nothing fetched, nothing left behind.
        assert await adapter.download(doc, tmp_path / "no.pdf", max_bytes=12) is None
        assert not (tmp_path / "no.pdf").exists()
        gets = len(fake.calls_to("getFile"))
        assert await adapter.download(Attachment("document", "x", 5, native_id="nope"),
                                      tmp_path / "x", max_bytes=100) is None
        assert len(fake.calls_to("getFile")) == gets + 1
        assert names(tmp_path) == ["plan.pdf", "room.jpg"]


async def test_telegram_will_not_serve_a_bot_more_than_20_mb(tmp_path: Path) -> None:
    async with telegram_adapter() as (fake, adapter, events):
        ana = fake.add_user("Ana")
        fake.push_file(ana, "document", "video.mp4", b"v" * (20 * MB + 1))
        await fake.wait_for(lambda: events)
        [big] = events[0].attachments
        assert await adapter.download(big, tmp_path, max_bytes=50 * MB) is None
        assert names(tmp_path) == []


# --- Discord ----------------------------------------------------------------------------
def general(h: DiscordHarness) -> ChatRef:
    return ChatRef("discord", str(h.fake.general), ChatKind.GROUP)


async def test_discord_uploads_the_files_with_the_text(dc: DiscordHarness, tmp_path: Path
                                                       ) -> None:
    photo = a_file(tmp_path, "map.png", PNG)
    doc = a_file(tmp_path, "notes.txt", b"hello")
    native_id = await deliver(dc.bot.services.outbox, OutboundMessage(
        general(dc), "Here *they* are", attachments=[attached(photo, "photo"), attached(doc)]),
        "discord")
    [sent] = dc.fake.sent_to(dc.fake.general)
    assert native_id == str(sent.message_id)
    assert sent.content == r"Here \*they\* are"
    assert [(a["filename"], a["size"]) for a in sent.attachments] == [
        ("map.png", len(PNG)), ("notes.txt", 5)]
    assert dc.fake.cdn[int(sent.attachments[1]["id"])].content == b"hello"


async def test_discord_a_file_alone_and_a_file_too_large(dc: DiscordHarness, tmp_path: Path
                                                         ) -> None:
    dc.adapter.upload_limit = 1000
    alone = a_file(tmp_path, "a.txt", b"a")
    await deliver(dc.bot.services.outbox, OutboundMessage(
        general(dc), "", attachments=[attached(alone)]), "discord")
    big = a_file(tmp_path, "big_file.bin", b"x" * 1001)
    await deliver(dc.bot.services.outbox, OutboundMessage(
        general(dc), "", attachments=[attached(big)]), "discord")
    first, second = dc.fake.sent_to(dc.fake.general)
    assert first.content == "" and [a["filename"] for a in first.attachments] == ["a.txt"]
    assert second.attachments == []
    assert second.content == r"📎 big\_file.bin (too large to relay)"


async def test_discord_fake_refuses_files_over_its_limit(dc: DiscordHarness, tmp_path: Path
                                                         ) -> None:
    # The adapter's own limit is what keeps this from happening: set it too high here.
    dc.adapter.upload_limit = 100
    dc.fake.upload_limit = 50
    doc = a_file(tmp_path, "d.txt", b"d" * 60)
    native_id = await deliver(dc.bot.services.outbox, OutboundMessage(
        general(dc), "x", attachments=[attached(doc)]), "discord")
    assert native_id is None and dc.fake.sent_to(dc.fake.general) == []


async def test_discord_relayed_copy_with_a_file_goes_by_webhook(
        dc: DiscordHarness, tmp_path: Path) -> None:
    doc = a_file(tmp_path, "slides.pdf", b"%PDF slides")
    await deliver(dc.bot.services.outbox, OutboundMessage(
        general(dc), "Slides", attribution="Marie · Telegram", attachments=[attached(doc)]),
        "discord")
    [sent] = dc.fake.sent_to(dc.fake.general)
    assert (sent.via, sent.username, sent.content) == ("webhook", "Marie · Telegram", "Slides")
    assert dc.fake.cdn[int(sent.attachments[0]["id"])].content == b"%PDF slides"


async def test_discord_attachments_become_attachments_and_download(
        dc: DiscordHarness, tmp_path: Path) -> None:
    alice = dc.user("alice")
    said = await dc.fake.user_says(alice, "see attached", channel=dc.fake.general, files=[
        FakeFile("photo.png", PNG, "image/png"), FakeFile("plan.pdf", b"plan", "application/pdf")])
    await dc.settle(said["id"])
    [event] = [e for e in dc.handled.events if e.native_id == said["id"]]
    photo, doc = event.attachments
    assert (photo.kind, photo.file_name, photo.size, photo.mime) == (
        "photo", "photo.png", len(PNG), "image/png")
    assert (doc.kind, doc.file_name, doc.size) == ("document", "plan.pdf", 4)
    assert doc.url and doc.native_id == said["attachments"][1]["id"]

    folder = tmp_path / "downloads"
    folder.mkdir()
    got = await dc.adapter.download(doc, folder, max_bytes=100)
    assert got == folder / "plan.pdf" and got.read_bytes() == b"plan"
    assert await dc.adapter.download(photo, folder / "p.png", max_bytes=10) is None
    unknown = Attachment("document", "x", None, url=doc.url.replace("plan.pdf", "other.pdf"))
    assert await dc.adapter.download(unknown, folder / "x", max_bytes=100) is None
    # A size the platform did not announce is still held to max_bytes while streaming.
    quiet = Attachment("photo", "photo.png", None, url=photo.url)
    assert await dc.adapter.download(quiet, folder / "q.png", max_bytes=100) is None
    assert names(folder) == ["plan.pdf"]


# --- console ----------------------------------------------------------------------------
async def test_console_shows_where_the_file_is(tmp_path: Path) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(ConsoleUser("ana"), reader=io.StringIO(""), writer=out)
    doc = a_file(tmp_path, "export.csv", b"a,b")
    await adapter.send(OutboundMessage(ChatRef("console", "ana"), "Your export",
                                       attachments=[attached(doc)]))
    assert out.getvalue() == f"[bot → ana] Your export\n  📎 {doc.resolve()}\n"
    assert doc.exists()
    assert await adapter.download(attached(doc), tmp_path, 100) is None
