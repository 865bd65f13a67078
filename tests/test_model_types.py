"""The neutral model is typed: enums for a message's action and format, an attachment's and
a poll's kind; queued rows written before the enums still load; the events the real
adapters publish carry no platform object."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

import pytest

from bot.model import (
    Attachment,
    AttachmentKind,
    ChatRef,
    MessageAction,
    MessageFormat,
    OutboundMessage,
    Poll,
    PollKind,
)
from tests.harness_discord import open_discord
from tests.harness_telegram import telegram_adapter

# A row as the outbox stored it before the enums (the JSON `to_json` wrote then).
OLD_ROW = json.dumps({
    "chat": {"platform": "telegram", "chat_id": "42", "kind": "group", "thread_id": None,
             "title": None},
    "text": "**Quiz**", "format": "markdown", "reply_to_native_id": None, "buttons": [],
    "dedupe_key": "k", "attachments": [{"kind": "document", "file_name": "a.csv", "size": 3,
                                        "url": None, "native_id": None, "path": "/x/a.csv",
                                        "mime": "text/csv"}],
    "attribution": None, "relay_ids": [], "audience": "chat", "action": "edit",
    "target_native_id": "7",
    "poll": {"question": "Q?", "options": ["a", "b"], "kind": "quiz", "correct_option": 1,
             "explanation": "b", "anonymous": True, "multiple": False,
             "close_after_seconds": None},
})


def test_a_row_queued_before_the_enums_loads_typed_and_is_written_back_the_same() -> None:
    msg = OutboundMessage.from_json(OLD_ROW)
    assert msg.format is MessageFormat.MARKDOWN and msg.action is MessageAction.EDIT
    assert msg.attachments[0].kind is AttachmentKind.DOCUMENT
    assert msg.poll is not None and msg.poll.kind is PollKind.QUIZ
    old, again = json.loads(OLD_ROW), json.loads(msg.to_json())
    assert {key: again[key] for key in old} == old  # written back as it was read


def test_a_value_no_enum_knows_is_refused_not_carried_to_an_adapter() -> None:
    chat = ChatRef("console", "ana")
    with pytest.raises(ValueError):
        OutboundMessage(chat, "x", action="forward")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Poll("Q?", ["a", "b"], kind="survey")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Attachment("video", "v.mp4")  # type: ignore[arg-type]
    # The defaults are the enums' members.
    plain = OutboundMessage(chat, "x")
    assert plain.format is MessageFormat.PLAIN and plain.action is MessageAction.SEND


NEUTRAL = (str, int, float, bool, type(None), datetime, Enum)


def platform_objects(value: object, where: str = "event") -> list[str]:
    """Where `value` holds anything but neutral values and the model's own records."""
    if isinstance(value, NEUTRAL):
        return []
    if isinstance(value, list | tuple):
        return [p for n, v in enumerate(value) for p in platform_objects(v, f"{where}[{n}]")]
    if is_dataclass(value) and type(value).__module__ == "bot.model":
        return [p for f in fields(value)
                for p in platform_objects(getattr(value, f.name), f"{where}.{f.name}")]
    return [f"{where}: {type(value).__module__}.{type(value).__name__}"]


async def test_telegram_events_carry_no_platform_object() -> None:
    async with telegram_adapter() as (fake, adapter, events):
        ana = fake.add_user("Ana")
        group = fake.add_group("Cohort 1")
        fake.push_text(ana, "hello", group)
        fake.push_command(ana, "start")
        fake.push_file(ana, "document", "plan.pdf", b"%PDF-1.4", group,
                       content_type="application/pdf")
        await fake.wait_for(lambda: adapter.handled_update_id >= fake.last_update_id)
        assert len(events) == 3
        assert [p for e in events for p in platform_objects(e)] == []


async def test_discord_events_carry_no_platform_object(tmp_path: Path) -> None:
    async with open_discord(tmp_path) as dc:
        await dc.send("alice", "/start", language="fr")  # a slash command: an interaction
        await dc.press("alice", "J’accepte")  # a component interaction
        await dc.send("alice", "!help")  # a message
        events = [e for e in dc.handled.events if not e.author.is_bot]
        assert len(events) >= 3
        assert [p for e in events for p in platform_objects(e)] == []
