"""Hostile messages (issue 9, item 2) through the relay between Telegram and Discord: very
long texts, right-to-left and mixed scripts, zero-width and control characters, Markdown and
HTML in names and texts, mass mentions, unknown update types. Each is relayed, split and
escaped cleanly: nothing a participant writes changes the bot's formatting or pings anyone."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_relay_platforms import relay_world

HOSTILE = ("**bold?** __under__ <b>tag</b> <a href=\"http://evil.example\">click</a> "
           "@everyone @here <@123456> `code` ||spoiler|| # heading\n> quote\n"
           "مرحبا بالجميع في الأكاديمية \u200b\u200f\u202e reversed \u0007 bell "
           "[link](http://evil.example) ")
SENTENCE = "Hello team, this long message is about decent work and cooperation. "


def long_text(total: int) -> str:
    parts, n = [], 0
    while sum(len(p) for p in parts) < total:
        n += 1
        parts.append(f"Part {n}. " + SENTENCE * 4 + (HOSTILE if n % 3 == 0 else "") + "\n\n")
    return "".join(parts)[:total]


async def test_a_long_hostile_message_from_telegram_reaches_discord_inert(tmp_path: Path
                                                                          ) -> None:
    text = long_text(10_000)
    async with relay_world(tmp_path) as w:
        mallory = w.tg.add_user("<b>Mal</b> @everyone **x**", language_code="en")
        w.tg.push_text(mallory, text, chat=w.group)
        await w.dc.wait_for(lambda: sum(len(m.content) for m in w.dc.sent_to(w.dc.general))
                            >= 9_000 or None, timeout=30, what="the relayed parts")
        await w.settle()
        parts = w.dc.sent_to(w.dc.general)
        assert len(parts) >= 5
        for part in parts:
            assert len(part.content) <= 2000
            assert not part.mention_everyone and part.mentioned_user_ids == []
            assert part.allowed_mentions == {"parse": []}
            # Markdown markers from the participant are escaped, never formatting.
            assert not re.search(r"(?<!\\)\*\*bold", part.content)
        joined = "".join(p.content for p in parts)
        numbers = [int(n) for n in re.findall(r"Part (\d+)\.", joined)]
        assert numbers == sorted(numbers) and numbers[0] == 1 and len(numbers) >= 25


async def test_html_in_a_discord_name_and_text_reaches_telegram_as_text(tmp_path: Path
                                                                        ) -> None:
    # Discord lets a person post up to 2,000 characters: the most hostile text it can send.
    text = long_text(2_000)
    async with relay_world(tmp_path) as w:
        eve = w.dc.add_user("eve", display_name="<b>Eve</b> <a href='x'>")
        await w.dc.user_says(eve, text, channel=w.dc.general)
        await w.tg.wait_for(lambda: sum(len(m.get("text", ""))
                                        for m in w.tg.bot_messages(w.group)) >= 1_900
                            or None, 30)
        await w.settle()
        parts = w.tg.bot_messages(w.group)
        assert parts
        for part in parts:
            assert len(part["text"]) <= 4096
            # The only formatting is the bot's own: the author's name in bold, first.
            for entity in part.get("entities", []):
                assert entity["type"] == "bold" and entity["offset"] == 0
            assert "<b>tag</b>" in part["text"] or "tag" not in part["text"]
        joined = "".join(p["text"] for p in parts)
        assert "<b>Eve</b> <a href='x'>" in joined
        assert '<a href="http://evil.example">click</a>' in joined


async def test_unknown_updates_and_events_are_ignored(tmp_path: Path) -> None:
    async with relay_world(tmp_path) as w:
        marie = w.tg.add_user("Marie", language_code="fr")
        w.tg.push_update("message_reaction", {
            "chat": w.group, "message_id": 1, "date": 0, "user": marie,
            "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]})
        w.tg.push_update("some_future_update", {"anything": [1, 2, 3]})
        await w.dc._dispatch("SOME_FUTURE_EVENT", {"id": "1", "what": None})
        w.tg.push_text(marie, "Bonjour à tous, bienvenue à la session.", chat=w.group)
        [copy] = await w.dc.wait_for(lambda: w.dc.sent_to(w.dc.general), what="the copy")
        assert copy.content == "Hello everyone, welcome to the session."
