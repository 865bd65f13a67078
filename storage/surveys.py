"""Survey waves, invitations, answers being given, submitted responses, interview slots.

Anonymity: answers of an anonymous survey are kept with the participant only while they
are being given (survey_sessions, so the survey can be resumed after a pause or a restart).
Submitting moves them, in one transaction, to survey_anonymous_responses, which has no
participant, no time and no rowid (a random id), and deletes the session; what stays linked
to the participant is the invitation's completion flag, which only stops reminders.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from storage.db import Database

Answers = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Wave:
    id: int
    survey: str
    cohort: str
    status: str  # "planned" | "open"
    opens_at: float
    opened_at: float | None
    started_by: int | None
    reminder_days: list[int]
    schedule_id: int | None


@dataclass(frozen=True, slots=True)
class Invitation:
    wave_id: int
    participant_id: int
    platform: str
    user_id: str
    language: str | None
    invited_at: float
    started_at: float | None
    completed: bool


@dataclass(slots=True)
class Session:
    wave_id: int
    participant_id: int
    state: str  # "answering" | "review" | "paused"
    current: int | None
    answers: Answers
    selection: list[int]
    updated_at: float


@dataclass(frozen=True, slots=True)
class Response:
    id: str
    wave_id: int
    answers: Answers
    participant_id: int | None = None  # None: anonymous (or the person was erased)
    language: str | None = None
    platform: str | None = None
    submitted_at: float | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    id: int
    starts_at: float
    timezone: str
    created_by: int | None
    created_at: float
    status: str
    booked_by: int | None
    booked_at: float | None

    @property
    def free(self) -> bool:
        return self.status == "open" and self.booked_by is None


@dataclass(frozen=True, slots=True)
class Reach:
    """Where and how to write to a participant: the account they used last."""

    participant_id: int
    platform: str
    user_id: str
    display_name: str
    language: str | None


_WAVE = "id, survey, cohort, status, opens_at, opened_at, started_by, reminder_days, schedule_id"
_INVITATION = ("wave_id, participant_id, platform, user_id, language, invited_at, started_at, "
               "completed")
_SLOT = "id, starts_at, timezone, created_by, created_at, status, booked_by, booked_at"


def _wave(row: Any) -> Wave:
    data = dict(row)
    data["reminder_days"] = list(json.loads(data["reminder_days"]))
    return Wave(**data)


def _invitation(row: Any) -> Invitation:
    data = dict(row)
    data["completed"] = bool(data["completed"])
    return Invitation(**data)


class SurveyRepository:
    def __init__(self, db: Database):
        self.db = db

    # --- waves -------------------------------------------------------------------------
    async def plan_wave(self, survey: str, cohort: str, opens_at: float,
                        reminder_days: list[int]) -> Wave | None:
        """A planned wave, once: None when this survey already has a wave for the cohort."""
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO survey_waves (survey, cohort, status, opens_at, "
            "reminder_days) VALUES (?, ?, 'planned', ?, ?)",
            (survey, cohort, opens_at, json.dumps(reminder_days)))
        if cur.rowcount != 1:
            return None
        return await self.wave_for(survey, cohort)

    async def set_wave_schedule(self, wave_id: int, schedule_id: int | None,
                                opens_at: float) -> None:
        await self.db.execute("UPDATE survey_waves SET schedule_id = ?, opens_at = ? "
                              "WHERE id = ?", (schedule_id, opens_at, wave_id))

    async def open_wave(self, survey: str, cohort: str, now: float, started_by: int | None,
                        reminder_days: list[int]) -> tuple[Wave, bool]:
        """Open this survey's wave for the cohort (creating it, or opening the planned one);
        True when it was not open before."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR IGNORE INTO survey_waves (survey, cohort, status, opens_at, "
                "reminder_days) VALUES (?, ?, 'planned', ?, ?)",
                (survey, cohort, now, json.dumps(reminder_days)))
            cur = await tx.execute(
                "UPDATE survey_waves SET status = 'open', opened_at = ?, started_by = ? "
                "WHERE survey = ? AND cohort = ? AND status = 'planned'",
                (now, started_by, survey, cohort))
            opened = cur.rowcount == 1
        wave = await self.wave_for(survey, cohort)
        assert wave is not None
        return wave, opened

    async def wave(self, wave_id: int) -> Wave | None:
        row = await self.db.fetchone(f"SELECT {_WAVE} FROM survey_waves WHERE id = ?",
                                     (wave_id,))
        return _wave(row) if row else None

    async def wave_for(self, survey: str, cohort: str) -> Wave | None:
        row = await self.db.fetchone(
            f"SELECT {_WAVE} FROM survey_waves WHERE survey = ? AND cohort = ?",
            (survey, cohort))
        return _wave(row) if row else None

    async def waves(self, *, survey: str | None = None, cohort: str | None = None,
                    status: str | None = None) -> list[Wave]:
        sql, params = f"SELECT {_WAVE} FROM survey_waves WHERE 1 = 1", []
        for column, value in (("survey", survey), ("cohort", cohort), ("status", status)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        rows = await self.db.fetchall(sql + " ORDER BY opens_at, id", params)
        return [_wave(r) for r in rows]

    # --- invitations -------------------------------------------------------------------
    async def invite(self, wave_id: int, reach: Reach, now: float) -> bool:
        """True when the participant was not invited to this wave yet."""
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO survey_invitations (wave_id, participant_id, platform, "
            "user_id, language, invited_at) VALUES (?, ?, ?, ?, ?, ?)",
            (wave_id, reach.participant_id, reach.platform, reach.user_id, reach.language, now))
        return cur.rowcount == 1

    async def invitation(self, wave_id: int, participant_id: int) -> Invitation | None:
        row = await self.db.fetchone(
            f"SELECT {_INVITATION} FROM survey_invitations WHERE wave_id = ? AND "
            "participant_id = ?", (wave_id, participant_id))
        return _invitation(row) if row else None

    async def invitations(self, wave_ids: list[int]) -> list[Invitation]:
        if not wave_ids:
            return []
        marks = ", ".join("?" * len(wave_ids))
        rows = await self.db.fetchall(
            f"SELECT {_INVITATION} FROM survey_invitations WHERE wave_id IN ({marks}) "
            "ORDER BY wave_id, invited_at, participant_id", wave_ids)
        return [_invitation(r) for r in rows]

    async def invitations_of(self, participant_id: int) -> list[Invitation]:
        rows = await self.db.fetchall(
            f"SELECT {_INVITATION} FROM survey_invitations WHERE participant_id = ? "
            "ORDER BY invited_at", (participant_id,))
        return [_invitation(r) for r in rows]

    # --- answering ---------------------------------------------------------------------
    async def session(self, wave_id: int, participant_id: int) -> Session | None:
        row = await self.db.fetchone(
            "SELECT wave_id, participant_id, state, current, answers, selection, updated_at "
            "FROM survey_sessions WHERE wave_id = ? AND participant_id = ?",
            (wave_id, participant_id))
        if row is None:
            return None
        data = dict(row)
        data["answers"] = dict(json.loads(data["answers"]))
        data["selection"] = list(json.loads(data["selection"]))
        return Session(**data)

    async def active_session(self, participant_id: int) -> Session | None:
        """The survey this participant is answering now (not paused), if any."""
        row = await self.db.fetchone(
            "SELECT wave_id FROM survey_sessions WHERE participant_id = ? AND state != 'paused' "
            "ORDER BY updated_at DESC LIMIT 1", (participant_id,))
        return await self.session(row["wave_id"], participant_id) if row else None

    async def save_session(self, session: Session, now: float) -> None:
        """Write the session; the first time, the invitation is marked started."""
        session.updated_at = now
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO survey_sessions (wave_id, participant_id, state, current, answers, "
                "selection, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (wave_id, participant_id) DO UPDATE SET state = excluded.state, "
                "current = excluded.current, answers = excluded.answers, "
                "selection = excluded.selection, updated_at = excluded.updated_at",
                (session.wave_id, session.participant_id, session.state, session.current,
                 json.dumps(session.answers, ensure_ascii=False),
                 json.dumps(session.selection), now))
            await tx.execute(
                "UPDATE survey_invitations SET started_at = ? WHERE wave_id = ? AND "
                "participant_id = ? AND started_at IS NULL",
                (now, session.wave_id, session.participant_id))
            if session.state != "paused":
                # One survey waits for typed answers at a time: the others pause.
                await tx.execute(
                    "UPDATE survey_sessions SET state = 'paused' WHERE participant_id = ? AND "
                    "wave_id != ? AND state != 'paused'",
                    (session.participant_id, session.wave_id))

    async def submit(self, session: Session, answers: Answers, *, anonymous: bool,
                     language: str | None, platform: str | None, now: float) -> str | None:
        """Store the response for good, flag the invitation completed, drop the session: all
        or nothing. None when it was submitted already (a double press)."""
        response_id = secrets.token_hex(16)
        payload = json.dumps(answers, ensure_ascii=False)
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "DELETE FROM survey_sessions WHERE wave_id = ? AND participant_id = ?",
                (session.wave_id, session.participant_id))
            if cur.rowcount != 1:
                return None
            if anonymous:
                await tx.execute(
                    "INSERT INTO survey_anonymous_responses (id, wave_id, answers) "
                    "VALUES (?, ?, ?)", (response_id, session.wave_id, payload))
            else:
                await tx.execute(
                    "INSERT INTO survey_responses (id, wave_id, participant_id, language, "
                    "platform, submitted_at, answers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (response_id, session.wave_id, session.participant_id, language, platform,
                     now, payload))
            await tx.execute(
                "UPDATE survey_invitations SET completed = 1, started_at = COALESCE("
                "started_at, ?) WHERE wave_id = ? AND participant_id = ?",
                (now, session.wave_id, session.participant_id))
        return response_id

    async def responses(self, wave_ids: list[int], anonymous: bool) -> list[Response]:
        if not wave_ids:
            return []
        marks = ", ".join("?" * len(wave_ids))
        if anonymous:
            rows = await self.db.fetchall(
                f"SELECT id, wave_id, answers FROM survey_anonymous_responses "
                f"WHERE wave_id IN ({marks}) ORDER BY id", wave_ids)
            return [Response(r["id"], r["wave_id"], dict(json.loads(r["answers"])))
                    for r in rows]
        rows = await self.db.fetchall(
            f"SELECT id, wave_id, participant_id, language, platform, submitted_at, answers "
            f"FROM survey_responses WHERE wave_id IN ({marks}) ORDER BY submitted_at, id",
            wave_ids)
        return [Response(r["id"], r["wave_id"], dict(json.loads(r["answers"])),
                         r["participant_id"], r["language"], r["platform"], r["submitted_at"])
                for r in rows]

    async def named_responses_of(self, participant_id: int) -> list[Response]:
        rows = await self.db.fetchall(
            "SELECT id, wave_id, participant_id, language, platform, submitted_at, answers "
            "FROM survey_responses WHERE participant_id = ? ORDER BY submitted_at",
            (participant_id,))
        return [Response(r["id"], r["wave_id"], dict(json.loads(r["answers"])),
                         r["participant_id"], r["language"], r["platform"], r["submitted_at"])
                for r in rows]

    async def redact_outbox(self, dedupe_prefix: str, placeholder: str) -> int:
        """Replace the text and buttons of the messages sent under `dedupe_prefix` (those
        that showed answers to an anonymous survey); pending ones are left to be sent."""
        redacted = ("CAST(jsonb_set(jsonb_set(payload::jsonb, '{text}', "
                    "to_jsonb(CAST(? AS TEXT))), '{buttons}', '[]'::jsonb) AS TEXT)"
                    if self.db.dialect == "postgres" else
                    "json_set(payload, '$.text', ?, '$.buttons', json('[]'))")
        cur = await self.db.execute(
            f"UPDATE outbox SET payload = {redacted} WHERE dedupe_key >= ? AND dedupe_key < ? "
            "AND status IN ('sent', 'failed')",
            (placeholder, dedupe_prefix, dedupe_prefix + "\uffff"))
        return cur.rowcount

    # --- people ------------------------------------------------------------------------
    async def reach(self, participant_id: int) -> Reach | None:
        row = await self.db.fetchone(
            "SELECT a.participant_id, a.platform, a.user_id, a.display_name, p.language "
            "FROM accounts a JOIN participants p ON p.id = a.participant_id "
            "WHERE a.participant_id = ? "
            "ORDER BY a.last_seen_at DESC NULLS LAST, a.linked_at DESC LIMIT 1",
            (participant_id,))
        return Reach(**dict(row)) if row else None

    async def consent_declined(self, participant_id: int) -> bool:
        row = await self.db.fetchone("SELECT consent FROM participants WHERE id = ?",
                                     (participant_id,))
        return bool(row) and row["consent"] == "declined"

    # --- interview slots ---------------------------------------------------------------
    async def add_slot(self, starts_at: float, timezone: str, created_by: int,
                       now: float) -> int:
        cur = await self.db.execute(
            "INSERT INTO interview_slots (starts_at, timezone, created_by, created_at) "
            "VALUES (?, ?, ?, ?)", (starts_at, timezone, created_by, now))
        return int(cur.lastrowid or 0)

    async def slot(self, slot_id: int) -> Slot | None:
        row = await self.db.fetchone(f"SELECT {_SLOT} FROM interview_slots WHERE id = ?",
                                     (slot_id,))
        return Slot(**dict(row)) if row else None

    async def slots(self, after: float, *, free_only: bool = False) -> list[Slot]:
        sql = f"SELECT {_SLOT} FROM interview_slots WHERE status = 'open' AND starts_at > ?"
        if free_only:
            sql += " AND booked_by IS NULL"
        rows = await self.db.fetchall(sql + " ORDER BY starts_at, id", (after,))
        return [Slot(**dict(r)) for r in rows]

    async def book(self, slot_id: int, participant_id: int, now: float) -> bool:
        """Book a free slot; False when someone else has it (or it was cancelled)."""
        cur = await self.db.execute(
            "UPDATE interview_slots SET booked_by = ?, booked_at = ? WHERE id = ? AND "
            "status = 'open' AND booked_by IS NULL AND starts_at > ?",
            (participant_id, now, slot_id, now))
        return cur.rowcount == 1

    async def booking_of(self, participant_id: int, after: float) -> Slot | None:
        row = await self.db.fetchone(
            f"SELECT {_SLOT} FROM interview_slots WHERE booked_by = ? AND status = 'open' "
            "AND starts_at > ? ORDER BY starts_at LIMIT 1", (participant_id, after))
        return Slot(**dict(row)) if row else None

    async def ever_booked(self) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT booked_by FROM interview_slots WHERE booked_by IS NOT NULL AND "
            "status = 'open'")
        return {int(r["booked_by"]) for r in rows}

    async def cancel_slot(self, slot_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE interview_slots SET status = 'cancelled' WHERE id = ? AND status = 'open'",
            (slot_id,))
        return cur.rowcount == 1
