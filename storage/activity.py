"""Engagement: message counts (never text), quiet participants, and the schedules the
animation plan and the quiet check were given. Units and surveys belong to other features:
their tables are read when they exist, and their absence is "no data", not an error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database

PRIVATE = ""  # chat_id under which private chats with the bot are counted


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    messages: int


@dataclass(frozen=True, slots=True)
class ChatCount:
    platform: str
    chat_id: str
    title: str | None
    messages: int


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    messages: int
    writers: int  # distinct participants who wrote
    seen: int  # distinct participants who did anything (last seen in the span)
    by_chat: list[ChatCount]
    by_language: list[Count]
    by_platform: list[Count]
    by_day: list[Count]


@dataclass(frozen=True, slots=True)
class QuietMember:
    participant_id: int
    name: str
    platform: str
    user_id: str
    language: str | None
    last_seen_at: str | None
    joined_at: float
    opted_out: bool
    prompted_at: str | None


@dataclass(frozen=True, slots=True)
class Planned:
    cohort: str
    item: str
    signature: str
    schedule_id: int | None


@dataclass(frozen=True, slots=True)
class Rate:
    name: str
    done: int
    total: int


class ActivityRepository:
    def __init__(self, db: Database):
        self.db = db

    # --- counting -------------------------------------------------------------------
    async def count(self, day: str, participant_id: int | None, platform: str, chat_id: str,
                    language: str) -> None:
        """One more message (a NULL participant: counted anonymously)."""
        if participant_id is None:
            # UNIQUE does not merge NULLs: add to the day's anonymous row by hand.
            cur = await self.db.execute(
                "UPDATE activity SET messages = messages + 1 WHERE day = ? AND "
                "participant_id IS NULL AND platform = ? AND chat_id = ? AND language = ?",
                (day, platform, chat_id, language))
            if cur.rowcount:
                return
        await self.db.execute(
            "INSERT INTO activity (day, participant_id, platform, chat_id, language, messages) "
            "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (day, participant_id, platform, chat_id, "
            "language) DO UPDATE SET messages = activity.messages + 1",
            (day, participant_id, platform, chat_id, language))

    async def summary(self, since_day: str, seen_since: str,
                      cohorts: list[str] | None = None) -> ActivitySummary:
        """Everything counted from `since_day` (YYYY-MM-DD) on; `seen` counts the
        participants whose last activity of any kind is at or after `seen_since` (ISO).
        `cohorts`: only the members of these cohorts (None: everyone)."""
        where, params = "WHERE a.day >= ?", [since_day]
        seen_sql, seen_params = "SELECT COUNT(*) AS n FROM participants p " \
            "WHERE p.last_seen_at >= ?", [seen_since]
        if cohorts is not None:
            members = (f"SELECT participant_id FROM enrolments WHERE cohort IN "
                       f"({', '.join('?' * len(cohorts))})")
            where += f" AND a.participant_id IN ({members})"
            seen_sql += f" AND p.id IN ({members})"
            params += cohorts
            seen_params += cohorts
        total = await self.db.fetchone(
            f"SELECT COALESCE(SUM(messages), 0) AS m, COUNT(DISTINCT participant_id) AS w "
            f"FROM activity a {where}", params)
        seen = await self.db.fetchone(seen_sql, seen_params)
        chats = await self.db.fetchall(
            "SELECT a.platform, a.chat_id, c.title, SUM(a.messages) AS m FROM activity a "
            "LEFT JOIN chats c ON c.platform = a.platform AND c.chat_id = a.chat_id "
            f"{where} GROUP BY a.platform, a.chat_id, c.title "
            "ORDER BY m DESC, a.platform, a.chat_id",
            params)

        async def by(column: str) -> list[Count]:
            rows = await self.db.fetchall(
                f"SELECT {column} AS k, SUM(messages) AS m FROM activity a {where} "
                f"GROUP BY {column} ORDER BY m DESC, k", params)
            return [Count(str(r["k"]), int(r["m"])) for r in rows]

        return ActivitySummary(
            messages=int(total["m"]) if total else 0,
            writers=int(total["w"]) if total else 0,
            seen=int(seen["n"]) if seen else 0,
            by_chat=[ChatCount(r["platform"], r["chat_id"], r["title"], int(r["m"]))
                     for r in chats],
            by_language=await by("a.language"),
            by_platform=await by("a.platform"),
            by_day=await by("a.day"),
        )

    async def enrolled(self, cohorts: list[str] | None = None) -> int:
        """Participants enrolled in any (or one of `cohorts`)."""
        sql, params = "SELECT COUNT(DISTINCT participant_id) AS n FROM enrolments", []
        if cohorts is not None:
            sql += f" WHERE cohort IN ({', '.join('?' * len(cohorts))})"
            params = list(cohorts)
        row = await self.db.fetchone(sql, params)
        return int(row["n"]) if row else 0

    async def last_message_day(self, participant_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT MAX(day) AS d FROM activity WHERE participant_id = ?", (participant_id,))
        return row["d"] if row and row["d"] else None

    # --- quiet participants ---------------------------------------------------------
    async def members(self, cohort: str) -> list[QuietMember]:
        """A cohort's members who can be written to, on the account they used last, with
        their quiet-prompt state."""
        rows = await self.db.fetchall(
            "SELECT p.id AS participant_id, a.display_name AS name, a.platform, a.user_id, "
            "p.language, p.last_seen_at, e.joined_at, COALESCE(q.opted_out, 0) AS opted_out, "
            "q.prompted_at FROM enrolments e JOIN participants p ON p.id = e.participant_id "
            "JOIN accounts a ON a.participant_id = p.id AND a.rowid = ("
            "  SELECT a2.rowid FROM accounts a2 WHERE a2.participant_id = p.id "
            "  ORDER BY a2.last_seen_at DESC NULLS LAST, a2.linked_at DESC LIMIT 1) "
            "LEFT JOIN quiet_prompts q ON q.participant_id = p.id "
            "WHERE e.cohort = ? AND p.unreachable_reason IS NULL "
            "AND COALESCE(p.consent, '') != 'declined' ORDER BY p.last_seen_at, p.id",
            (cohort,))
        return [QuietMember(**{**dict(r), "opted_out": bool(r["opted_out"])}) for r in rows]

    async def set_opted_out(self, participant_id: int, opted_out: bool) -> None:
        await self.db.execute(
            "INSERT INTO quiet_prompts (participant_id, opted_out) VALUES (?, ?) "
            "ON CONFLICT (participant_id) DO UPDATE SET opted_out = excluded.opted_out",
            (participant_id, int(opted_out)))

    async def opted_out(self, participant_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT opted_out FROM quiet_prompts WHERE participant_id = ?", (participant_id,))
        return bool(row and row["opted_out"])

    async def mark_prompted(self, participant_id: int, at: datetime) -> None:
        stamp = at.isoformat(timespec="seconds")
        await self.db.execute(
            "INSERT INTO quiet_prompts (participant_id, prompted_at) VALUES (?, ?) "
            "ON CONFLICT (participant_id) DO UPDATE SET prompted_at = excluded.prompted_at",
            (participant_id, stamp))

    # --- planned schedules ----------------------------------------------------------
    async def planned(self, cohort: str) -> dict[str, Planned]:
        rows = await self.db.fetchall(
            "SELECT cohort, item, signature, schedule_id FROM engagement_schedules "
            "WHERE cohort = ?", (cohort,))
        return {r["item"]: Planned(**dict(r)) for r in rows}

    async def plan(self, cohort: str, item: str, signature: str,
                   schedule_id: int | None) -> None:
        await self.db.execute(
            "INSERT INTO engagement_schedules (cohort, item, signature, schedule_id) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (cohort, item) DO UPDATE SET "
            "signature = excluded.signature, schedule_id = excluded.schedule_id",
            (cohort, item, signature, schedule_id))

    async def unplan(self, cohort: str, item: str) -> None:
        await self.db.execute(
            "DELETE FROM engagement_schedules WHERE cohort = ? AND item = ?", (cohort, item))

    async def of_schedule(self, schedule_id: int) -> Planned | None:
        row = await self.db.fetchone(
            "SELECT cohort, item, signature, schedule_id FROM engagement_schedules "
            "WHERE schedule_id = ?", (schedule_id,))
        return Planned(**dict(row)) if row else None

    # --- what other features recorded, for /stats (typed queries; errors are loud) ------
    async def units_completed(self, since: float, cohorts: list[str] | None
                              ) -> tuple[int, int]:
        """Units passed since `since`, and by how many participants (of `cohorts`)."""
        members, params = _members(cohorts)
        row = await self.db.fetchone(
            "SELECT COUNT(*), COUNT(DISTINCT participant_id) FROM unit_progress "
            f"WHERE passed_at >= ?{members}", (since, *params))
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    async def survey_rates(self, cohorts: list[str] | None) -> list[tuple[str, int, int]]:
        """(survey · cohort, completed, invited) per wave, oldest first."""
        scope = f" WHERE w.cohort IN ({', '.join('?' * len(cohorts))})" \
            if cohorts is not None else ""
        rows = await self.db.fetchall(
            "SELECT w.survey || ' · ' || w.cohort, COALESCE(SUM(i.completed), 0), COUNT(*) "
            f"FROM survey_waves w JOIN survey_invitations i ON i.wave_id = w.id{scope} "
            "GROUP BY w.id ORDER BY w.id", tuple(cohorts or ()))
        return [(str(r[0]), int(r[1] or 0), int(r[2] or 0)) for r in rows]


def _members(cohorts: list[str] | None) -> tuple[str, tuple[str, ...]]:
    """A condition on participant_id for the members of `cohorts` (none: everyone)."""
    if cohorts is None:
        return "", ()
    return (" AND participant_id IN (SELECT participant_id FROM enrolments WHERE "
            f"cohort IN ({', '.join('?' * len(cohorts))}))", tuple(cohorts))
