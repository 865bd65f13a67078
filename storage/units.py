"""Pre-learning units: release plans per cohort, progress and knowledge-check answers per
participant, and the native quiz polls sent (see handlers/units/commands.py, and
handlers/units/checks.py for the knowledge check)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.db import Database

_PROGRESS = ("participant_id, unit, delivered_at, opened_at, nudged_at, attempt, question, "
             "asked, attempts_done, best_score, questions, passed_at")
# The account each participant used last (as storage.participants.reachable chooses it).
_LAST_ACCOUNT = (
    "a.rowid = (SELECT a2.rowid FROM accounts a2 WHERE a2.participant_id = p.id "
    "ORDER BY a2.last_seen_at DESC NULLS LAST, a2.linked_at DESC LIMIT 1)"
)


@dataclass(frozen=True, slots=True)
class Plan:
    cohort: str
    unit: int
    kind: str  # "release" | "nudge"
    due_at: float
    schedule_id: int | None  # None: already past when first planned, not sent


@dataclass(frozen=True, slots=True)
class Progress:
    participant_id: int
    unit: int
    delivered_at: float | None
    opened_at: float | None
    nudged_at: float | None
    attempt: int
    question: int | None  # the question being asked (from 0); None: no quiz open
    asked: int
    attempts_done: int
    best_score: int | None
    questions: int | None
    passed_at: float | None


@dataclass(frozen=True, slots=True)
class UnitTotals:
    unit: int
    opened: int
    passed: int
    average: float | None  # best scores of those who finished the check


@dataclass(frozen=True, slots=True)
class Member:
    """An enrolled participant, reachable on the account they used last."""

    participant_id: int
    language: str | None
    platform: str
    user_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class QuizPoll:
    participant_id: int
    unit: int
    attempt: int
    question: int


class UnitStore:
    def __init__(self, db: Database):
        self.db = db

    # --- plans ----------------------------------------------------------------------
    async def plans(self, cohort: str) -> dict[tuple[int, str], Plan]:
        rows = await self.db.fetchall(
            "SELECT cohort, unit, kind, due_at, schedule_id FROM unit_plans WHERE cohort = ?",
            (cohort,))
        return {(r["unit"], r["kind"]): Plan(**dict(r)) for r in rows}

    async def set_plan(self, plan: Plan, now: float) -> None:
        await self.db.execute(
            "INSERT INTO unit_plans (cohort, unit, kind, due_at, schedule_id, planned_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (cohort, unit, kind) DO UPDATE SET "
            "due_at = excluded.due_at, schedule_id = excluded.schedule_id, "
            "planned_at = excluded.planned_at",
            (plan.cohort, plan.unit, plan.kind, plan.due_at, plan.schedule_id, now))

    # --- who -------------------------------------------------------------------------
    async def members(self, cohort: str, reachable_only: bool = True) -> list[Member]:
        """Everyone enrolled in `cohort`, each on the account they used last."""
        rows = await self.db.fetchall(
            "SELECT p.id AS participant_id, p.language, a.platform, a.user_id, a.display_name "
            "FROM enrolments e JOIN participants p ON p.id = e.participant_id "
            f"JOIN accounts a ON a.participant_id = p.id AND {_LAST_ACCOUNT} "
            "WHERE e.cohort = ?" + (" AND p.unreachable_reason IS NULL" if reachable_only
                                   else "") + " ORDER BY p.id", (cohort,))
        return [Member(**dict(r)) for r in rows]

    async def member(self, participant_id: int) -> Member | None:
        row = await self.db.fetchone(
            "SELECT p.id AS participant_id, p.language, a.platform, a.user_id, a.display_name "
            f"FROM participants p JOIN accounts a ON a.participant_id = p.id AND {_LAST_ACCOUNT} "
            "WHERE p.id = ? AND p.unreachable_reason IS NULL", (participant_id,))
        return Member(**dict(row)) if row else None

    # --- progress --------------------------------------------------------------------
    async def progress(self, participant_id: int) -> dict[int, Progress]:
        rows = await self.db.fetchall(
            f"SELECT {_PROGRESS} FROM unit_progress WHERE participant_id = ?",
            (participant_id,))
        return {r["unit"]: Progress(**dict(r)) for r in rows}

    async def progress_of(self, participant_id: int, unit: int) -> Progress | None:
        row = await self.db.fetchone(
            f"SELECT {_PROGRESS} FROM unit_progress WHERE participant_id = ? AND unit = ?",
            (participant_id, unit))
        return Progress(**dict(row)) if row else None

    async def progress_of_cohort(self, cohort: str) -> list[Progress]:
        rows = await self.db.fetchall(
            f"SELECT {', '.join('u.' + c.strip() for c in _PROGRESS.split(','))} "
            "FROM unit_progress u JOIN enrolments e ON e.participant_id = u.participant_id "
            "WHERE e.cohort = ? ORDER BY u.participant_id, u.unit", (cohort,))
        return [Progress(**dict(r)) for r in rows]

    async def cohort_totals(self, cohort: str) -> tuple[int, dict[int, UnitTotals]]:
        """What `/progress` counts from `members` and `progress_of_cohort`, counted by
        SQLite for a page (the web dashboard): those enrolled (with an account), and per
        unit how many opened and passed it and their average best score."""
        with_account = "EXISTS (SELECT 1 FROM accounts a WHERE a.participant_id = e.participant_id)"
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM enrolments e WHERE e.cohort = ? AND {with_account}",
            (cohort,))
        rows = await self.db.fetchall(
            "SELECT u.unit, COUNT(u.opened_at) AS opened, "
            "COUNT(u.passed_at) AS passed, AVG(u.best_score) AS average "
            "FROM enrolments e JOIN unit_progress u ON u.participant_id = e.participant_id "
            f"WHERE e.cohort = ? AND {with_account} GROUP BY u.unit", (cohort,))
        return (int(row[0]) if row else 0,
                {r["unit"]: UnitTotals(r["unit"], int(r["opened"]), int(r["passed"]),
                                       r["average"]) for r in rows})

    async def _ensure(self, participant_id: int, unit: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO unit_progress (participant_id, unit) VALUES (?, ?)",
            (participant_id, unit))

    async def delivered(self, participant_ids: list[int], unit: int, at: float) -> None:
        async with self.db.transaction() as tx:
            for pid in participant_ids:
                await tx.execute("INSERT OR IGNORE INTO unit_progress (participant_id, unit) "
                                 "VALUES (?, ?)", (pid, unit))
                await tx.execute("UPDATE unit_progress SET delivered_at = ? WHERE "
                                 "participant_id = ? AND unit = ? AND delivered_at IS NULL",
                                 (at, pid, unit))

    async def nudged(self, participant_ids: list[int], unit: int, at: float) -> None:
        async with self.db.transaction() as tx:
            for pid in participant_ids:
                await tx.execute("INSERT OR IGNORE INTO unit_progress (participant_id, unit) "
                                 "VALUES (?, ?)", (pid, unit))
                await tx.execute("UPDATE unit_progress SET nudged_at = ? WHERE "
                                 "participant_id = ? AND unit = ? AND nudged_at IS NULL",
                                 (at, pid, unit))

    async def opened(self, participant_id: int, unit: int, at: float) -> None:
        await self._ensure(participant_id, unit)
        await self.db.execute(
            "UPDATE unit_progress SET opened_at = ? WHERE participant_id = ? AND unit = ? "
            "AND opened_at IS NULL", (at, participant_id, unit))

    # --- the knowledge check ---------------------------------------------------------
    async def start_or_resume(self, participant_id: int, unit: int) -> Progress:
        """The quiz in progress, or a new attempt from the first question."""
        await self._ensure(participant_id, unit)
        await self.db.execute(
            "UPDATE unit_progress SET attempt = attempt + 1, question = 0 "
            "WHERE participant_id = ? AND unit = ? AND question IS NULL",
            (participant_id, unit))
        progress = await self.progress_of(participant_id, unit)
        assert progress is not None
        return progress

    async def next_ask(self, participant_id: int, unit: int) -> int:
        """Count one more question sent; the number makes each message's key unique."""
        await self.db.execute(
            "UPDATE unit_progress SET asked = asked + 1 WHERE participant_id = ? AND unit = ?",
            (participant_id, unit))
        row = await self.db.fetchone(
            "SELECT asked FROM unit_progress WHERE participant_id = ? AND unit = ?",
            (participant_id, unit))
        return int(row["asked"]) if row else 0

    async def answer(self, participant_id: int, unit: int, attempt: int, question: int,
                     chosen: int, correct: bool, at: float) -> bool:
        """Record the answer to the question being asked and move on to the next one;
        False (nothing changed) when that question is not the one being asked (answered
        already, or an old attempt)."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE unit_progress SET question = question + 1 WHERE participant_id = ? "
                "AND unit = ? AND attempt = ? AND question = ?",
                (participant_id, unit, attempt, question))
            if cur.rowcount != 1:
                return False
            await tx.execute(
                "INSERT INTO unit_answers (participant_id, unit, attempt, question, "
                "chosen, correct, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (participant_id, unit, attempt, question) DO UPDATE SET "
                "chosen = excluded.chosen, correct = excluded.correct, "
                "answered_at = excluded.answered_at",
                (participant_id, unit, attempt, question, chosen, int(correct), at))
        return True

    async def score(self, participant_id: int, unit: int, attempt: int) -> int:
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(correct), 0) AS n FROM unit_answers WHERE participant_id = ? "
            "AND unit = ? AND attempt = ?", (participant_id, unit, attempt))
        return int(row["n"]) if row else 0

    async def finish(self, participant_id: int, unit: int, attempt: int, score: int,
                     questions: int, passed: bool, at: float) -> None:
        """Close the attempt; the best score is kept, and the first time it passed."""
        await self.db.execute(
            "UPDATE unit_progress SET question = NULL, attempts_done = attempts_done + 1, "
            "best_score = MAX(COALESCE(best_score, -1), ?), questions = ?, "
            "passed_at = COALESCE(passed_at, ?) WHERE participant_id = ? AND unit = ? "
            "AND attempt = ?",
            (score, questions, at if passed else None, participant_id, unit, attempt))

    async def answers(self, participant_id: int, unit: int, attempt: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT chosen FROM unit_answers WHERE participant_id = ? AND unit = ? AND "
            "attempt = ? ORDER BY question", (participant_id, unit, attempt))
        return [int(r["chosen"]) for r in rows]

    async def asking(self, participant_id: int, platform: str, chat_id: str, kind: str
                     ) -> tuple[int, int, int] | None:
        """(unit, attempt, question) when the bot's newest message in this private chat is
        a knowledge-check question to this participant (its tag, in the outbox payload, is
        of `kind` with refs [unit, attempt, question]): what they type next answers it."""
        # The whole tag, decoded here: its values keep their JSON types on both databases.
        row = await self.db.fetchone(
            "SELECT json_extract(payload, '$.tag') AS tag FROM outbox "
            "WHERE platform = ? AND chat_id = ? ORDER BY id DESC LIMIT 1", (platform, chat_id))
        tag = json.loads(row["tag"]) if row is not None and row["tag"] else None
        if not isinstance(tag, dict) or tag.get("kind") != kind \
                or tag.get("participant") != participant_id:
            return None
        refs = tag.get("refs") or []
        if len(refs) != 3 or not all(isinstance(r, int) for r in refs):
            return None
        return int(refs[0]), int(refs[1]), int(refs[2])

    # --- native quiz polls -----------------------------------------------------------
    async def record_poll(self, key: str, poll: QuizPoll, at: float) -> None:
        await self.db.execute(
            "INSERT INTO unit_quiz_polls (poll_key, participant_id, unit, attempt, "
            "question, sent_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (poll_key) DO UPDATE SET "
            "participant_id = excluded.participant_id, unit = excluded.unit, "
            "attempt = excluded.attempt, question = excluded.question, "
            "sent_at = excluded.sent_at",
            (key, poll.participant_id, poll.unit, poll.attempt, poll.question, at))

    async def poll(self, key: str) -> QuizPoll | None:
        row = await self.db.fetchone(
            "SELECT participant_id, unit, attempt, question FROM unit_quiz_polls "
            "WHERE poll_key = ?", (key,))
        return QuizPoll(**dict(row)) if row else None
