"""The post-learning phase: plans per cohort, the feedback of each cohort's assessment, and
the complementary resources dripped to each participant (handlers/feedback/,
handlers/resources/)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database

_DRIP = ("participant_id, cohort, resource, position, gap, personal, due_at, schedule_id, "
         "delivered_at, opened_at, nudged_at")


@dataclass(frozen=True, slots=True)
class PostLearningPlan:
    cohort: str
    kind: str  # "feedback" | "resources"
    due_at: float
    schedule_id: int | None  # None: already past when first planned, not run


@dataclass(frozen=True, slots=True)
class Feedback:
    cohort: str
    prepared_at: float | None
    note: str | None
    note_language: str | None
    note_by: int | None
    posted_at: float | None
    posted_by: int | None


@dataclass(frozen=True, slots=True)
class Drip:
    """One resource chosen for one participant."""

    participant_id: int
    cohort: str
    resource: int
    position: int
    gap: str  # the pre-assessment tag it answers ("confidence-gender", "electives:3")
    personal: bool  # from their own answers (else the cohort's top gaps)
    due_at: float
    schedule_id: int | None
    delivered_at: float | None
    opened_at: float | None
    nudged_at: float | None


def _drip(row: object) -> Drip:
    values = dict(row)  # type: ignore[call-overload]
    values["personal"] = bool(values["personal"])
    return Drip(**values)


class PostLearningRepository:
    def __init__(self, db: Database):
        self.db = db

    # --- plans ----------------------------------------------------------------------
    async def plan(self, cohort: str, kind: str) -> PostLearningPlan | None:
        row = await self.db.fetchone(
            "SELECT cohort, kind, due_at, schedule_id FROM post_learning_plans "
            "WHERE cohort = ? AND kind = ?", (cohort, kind))
        return PostLearningPlan(**dict(row)) if row else None

    async def set_plan(self, plan: PostLearningPlan, now: float) -> None:
        await self.db.execute(
            "INSERT INTO post_learning_plans (cohort, kind, due_at, schedule_id, planned_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (cohort, kind) DO UPDATE SET "
            "due_at = excluded.due_at, schedule_id = excluded.schedule_id, "
            "planned_at = excluded.planned_at",
            (plan.cohort, plan.kind, plan.due_at, plan.schedule_id, now))

    # --- feedback -------------------------------------------------------------------
    async def feedback(self, cohort: str) -> Feedback:
        row = await self.db.fetchone(
            "SELECT cohort, prepared_at, note, note_language, note_by, posted_at, posted_by "
            "FROM cohort_feedback WHERE cohort = ?", (cohort,))
        return Feedback(**dict(row)) if row else Feedback(cohort, None, None, None, None,
                                                          None, None)

    async def _ensure_feedback(self, cohort: str) -> None:
        await self.db.execute("INSERT OR IGNORE INTO cohort_feedback (cohort) VALUES (?)",
                              (cohort,))

    async def prepared(self, cohort: str, at: float) -> bool:
        """Mark it prepared; False when it already was (the facilitators were told)."""
        await self._ensure_feedback(cohort)
        cursor = await self.db.execute(
            "UPDATE cohort_feedback SET prepared_at = ? WHERE cohort = ? "
            "AND prepared_at IS NULL", (at, cohort))
        return cursor.rowcount > 0

    async def set_note(self, cohort: str, note: str | None, language: str | None,
                       by: int | None) -> None:
        await self._ensure_feedback(cohort)
        await self.db.execute(
            "UPDATE cohort_feedback SET note = ?, note_language = ?, note_by = ? "
            "WHERE cohort = ?", (note, language, by, cohort))

    async def posted(self, cohort: str, at: float, by: int | None) -> bool:
        """Mark it posted; False when it already was (it goes out once)."""
        await self._ensure_feedback(cohort)
        cursor = await self.db.execute(
            "UPDATE cohort_feedback SET posted_at = ?, posted_by = ? WHERE cohort = ? "
            "AND posted_at IS NULL", (at, by, cohort))
        return cursor.rowcount > 0

    # --- resources ------------------------------------------------------------------
    async def add_drip(self, drip: Drip) -> bool:
        """Record one chosen resource; False when it was already chosen for them."""
        cursor = await self.db.execute(
            f"INSERT OR IGNORE INTO resource_drip ({_DRIP}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (drip.participant_id, drip.cohort, drip.resource, drip.position, drip.gap,
             int(drip.personal), drip.due_at, drip.schedule_id, drip.delivered_at,
             drip.opened_at, drip.nudged_at))
        return cursor.rowcount > 0

    async def drips_of(self, participant_id: int) -> list[Drip]:
        rows = await self.db.fetchall(
            f"SELECT {_DRIP} FROM resource_drip WHERE participant_id = ? "
            "ORDER BY cohort, position", (participant_id,))
        return [_drip(r) for r in rows]

    async def drips_of_cohort(self, cohort: str) -> list[Drip]:
        rows = await self.db.fetchall(
            f"SELECT {_DRIP} FROM resource_drip WHERE cohort = ? "
            "ORDER BY participant_id, position", (cohort,))
        return [_drip(r) for r in rows]

    async def drip(self, participant_id: int, cohort: str, resource: int) -> Drip | None:
        row = await self.db.fetchone(
            f"SELECT {_DRIP} FROM resource_drip WHERE participant_id = ? AND cohort = ? "
            "AND resource = ?", (participant_id, cohort, resource))
        return _drip(row) if row else None

    async def has_drip(self, participant_id: int, cohort: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM resource_drip WHERE participant_id = ? AND cohort = ? LIMIT 1",
            (participant_id, cohort))
        return row is not None

    async def _stamp(self, column: str, participant_id: int, cohort: str, resource: int,
                     at: float) -> bool:
        cursor = await self.db.execute(
            f"UPDATE resource_drip SET {column} = ? WHERE participant_id = ? AND cohort = ? "
            f"AND resource = ? AND {column} IS NULL", (at, participant_id, cohort, resource))
        return cursor.rowcount > 0

    async def delivered(self, participant_id: int, cohort: str, resource: int,
                        at: float) -> bool:
        return await self._stamp("delivered_at", participant_id, cohort, resource, at)

    async def opened(self, participant_id: int, cohort: str, resource: int, at: float) -> bool:
        return await self._stamp("opened_at", participant_id, cohort, resource, at)

    async def nudged(self, participant_id: int, cohort: str, resource: int, at: float) -> bool:
        return await self._stamp("nudged_at", participant_id, cohort, resource, at)
