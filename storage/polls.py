"""Polls: the poll, its copies (one per chat, each in the chat's language) and the merged
votes, one per poll and voter participant; for a copy whose platform names no voter
(Telegram's anonymous polls), the latest totals the platform reported instead."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.db import Database

_POLL = ("id, created_by, question, options, language, anonymous, multiple, bridge_name, "
         "created_at, closes_at, closed_at, schedule_id")
_COPY = ("poll_id, platform, chat_id, chat_kind, title, language, question, options, "
         "native_id, poll_key")


@dataclass(frozen=True, slots=True)
class PollRecord:
    id: int
    created_by: int | None
    question: str
    options: list[str]
    language: str
    anonymous: bool
    multiple: bool
    bridge_name: str | None
    created_at: float
    closes_at: float
    closed_at: float | None
    schedule_id: int | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class PollCopy:
    poll_id: int
    platform: str
    chat_id: str
    chat_kind: str
    title: str | None
    language: str
    question: str
    options: list[str]
    native_id: str | None = None
    poll_key: str | None = None


@dataclass(frozen=True, slots=True)
class Vote:
    options: list[int]
    platform: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Tally:
    counts: list[int]  # voters per option
    voters: int


def _poll(row: object) -> PollRecord:
    data = dict(row)  # type: ignore[call-overload]
    data["options"] = json.loads(data["options"])
    data["anonymous"] = bool(data["anonymous"])
    data["multiple"] = bool(data["multiple"])
    return PollRecord(**data)


def _copy(row: object) -> PollCopy:
    data = dict(row)  # type: ignore[call-overload]
    data["options"] = json.loads(data["options"])
    return PollCopy(**data)


class PollRepository:
    def __init__(self, db: Database):
        self.db = db

    async def create(self, created_by: int | None, question: str, options: list[str],
                     language: str, anonymous: bool, multiple: bool, bridge_name: str | None,
                     now: float, closes_at: float, copies: list[PollCopy]) -> int:
        """The poll and its copies in one transaction; returns the poll's id (the copies'
        `poll_id` is ignored)."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "INSERT INTO polls (created_by, question, options, language, anonymous, "
                "multiple, bridge_name, created_at, closes_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (created_by, question, json.dumps(options, ensure_ascii=False), language,
                 int(anonymous), int(multiple), bridge_name, now, closes_at))
            poll_id = int(cur.lastrowid or 0)
            await tx.executemany(
                "INSERT INTO poll_copies (poll_id, platform, chat_id, chat_kind, title, "
                "language, question, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(poll_id, c.platform, c.chat_id, c.chat_kind, c.title, c.language, c.question,
                  json.dumps(c.options, ensure_ascii=False)) for c in copies])
        return poll_id

    async def set_schedule(self, poll_id: int, schedule_id: int) -> None:
        await self.db.execute("UPDATE polls SET schedule_id = ? WHERE id = ?",
                              (schedule_id, poll_id))

    async def get(self, poll_id: int) -> PollRecord | None:
        row = await self.db.fetchone(f"SELECT {_POLL} FROM polls WHERE id = ?", (poll_id,))
        return _poll(row) if row else None

    async def latest(self, limit: int) -> list[PollRecord]:
        rows = await self.db.fetchall(f"SELECT {_POLL} FROM polls ORDER BY id DESC LIMIT ?",
                                      (limit,))
        return [_poll(r) for r in rows]

    async def copies(self, poll_id: int) -> list[PollCopy]:
        rows = await self.db.fetchall(
            f"SELECT {_COPY} FROM poll_copies WHERE poll_id = ? ORDER BY platform, chat_id",
            (poll_id,))
        return [_copy(r) for r in rows]

    async def record_sent(self, poll_id: int, platform: str, chat_id: str, native_id: str,
                          key: str) -> None:
        await self.db.execute(
            "UPDATE poll_copies SET native_id = ?, poll_key = ? "
            "WHERE poll_id = ? AND platform = ? AND chat_id = ?",
            (native_id, key, poll_id, platform, chat_id))

    async def find_copy(self, platform: str, key: str, chat_id: str | None = None
                        ) -> PollCopy | None:
        """The copy whose votes carry `key`. Keys are unique per platform on Telegram and
        Discord; the console's restart from 1, so the copy in the vote's own chat, then the
        newest, wins."""
        row = await self.db.fetchone(
            f"SELECT {_COPY} FROM poll_copies WHERE platform = ? AND poll_key = ? "
            "ORDER BY chat_id = ? DESC, poll_id DESC LIMIT 1", (platform, key, chat_id or ""))
        return _copy(row) if row else None

    async def vote_of(self, poll_id: int, participant_id: int) -> Vote | None:
        row = await self.db.fetchone(
            "SELECT options, platform, chat_id FROM poll_votes "
            "WHERE poll_id = ? AND participant_id = ?", (poll_id, participant_id))
        return Vote(json.loads(row[0]), row[1], row[2]) if row else None

    async def set_vote(self, poll_id: int, participant_id: int, options: list[int],
                       platform: str, chat_id: str, now: float) -> None:
        """The voter's whole choice, replacing any earlier one; none: the vote is gone."""
        if not options:
            await self.db.execute(
                "DELETE FROM poll_votes WHERE poll_id = ? AND participant_id = ?",
                (poll_id, participant_id))
            return
        await self.db.execute(
            "INSERT INTO poll_votes (poll_id, participant_id, options, platform, chat_id, "
            "voted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (poll_id, participant_id) DO UPDATE "
            "SET options = excluded.options, platform = excluded.platform, "
            "chat_id = excluded.chat_id, voted_at = excluded.voted_at",
            (poll_id, participant_id, json.dumps(sorted(set(options))), platform, chat_id, now))

    async def set_totals(self, poll_id: int, platform: str, chat_id: str, counts: list[int],
                         voters: int, now: float) -> None:
        """A copy's current totals (voters per option, people who voted), replacing the
        earlier ones: for copies whose platform reports no voter, only counts."""
        await self.db.execute(
            "INSERT INTO poll_totals (poll_id, platform, chat_id, counts, voters, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (poll_id, platform, chat_id) DO UPDATE "
            "SET counts = excluded.counts, voters = excluded.voters, "
            "updated_at = excluded.updated_at",
            (poll_id, platform, chat_id, json.dumps(counts), voters, now))

    async def tally(self, poll_id: int, option_count: int) -> Tally:
        """The merged result: one vote per voter participant, whatever copy they voted in,
        plus the latest totals of the copies that report only totals."""
        rows = await self.db.fetchall("SELECT options FROM poll_votes WHERE poll_id = ?",
                                      (poll_id,))
        counts = [0] * option_count
        for row in rows:
            for i in json.loads(row[0]):
                if 0 <= i < option_count:
                    counts[i] += 1
        voters = len(rows)
        for total in await self.db.fetchall(
                "SELECT counts, voters FROM poll_totals WHERE poll_id = ?", (poll_id,)):
            for i, count in enumerate(json.loads(total[0])[:option_count]):
                counts[i] += max(0, int(count))
            voters += max(0, int(total[1]))
        return Tally(counts, voters)

    async def close(self, poll_id: int, now: float) -> bool:
        """Mark the poll closed; False when it already was."""
        cur = await self.db.execute(
            "UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (now, poll_id))
        return cur.rowcount > 0
