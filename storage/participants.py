"""Participants: one identity, with an account on each platform they use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database

_PARTICIPANT_COLUMNS = (
    "id, language, timezone, consent, consent_at, created_at, last_seen_at, unreachable_reason, "
    "consent_asked_at"
)
_ACCOUNT_COLUMNS = "platform, user_id, participant_id, display_name, linked_at"
# `last_seen_at` is refreshed at most this often (it feeds /announce's choice of account).
SEEN_REFRESH = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    language: str | None
    timezone: str | None
    consent: str | None  # "given" | "declined" | None (not answered: see consent_asked_at)
    consent_at: str | None
    created_at: str
    last_seen_at: str | None
    unreachable_reason: str | None
    # When the bot first asked for consent; None: never asked. Kept once answered.
    consent_asked_at: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    platform: str
    user_id: str
    participant_id: int
    display_name: str
    linked_at: str


class ParticipantRepository:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, participant_id: int) -> Participant | None:
        row = await self.db.fetchone(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE id = ?", (participant_id,)
        )
        return Participant(**dict(row)) if row else None

    async def account(self, platform: str, user_id: str) -> Account | None:
        row = await self.db.fetchone(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        )
        return Account(**dict(row)) if row else None

    async def accounts_of(self, participant_id: int) -> list[Account]:
        rows = await self.db.fetchall(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE participant_id = ? "
            "ORDER BY linked_at, platform",
            (participant_id,),
        )
        return [Account(**dict(r)) for r in rows]

    async def ensure(
        self, platform: str, user_id: str, display_name: str, now: datetime
    ) -> tuple[Participant, Account]:
        """The participant behind a platform account, created on first contact."""
        known = await self._known(platform, user_id, display_name, now)
        if known is not None:
            return known
        stamp = now.isoformat(timespec="seconds")
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE platform = ? AND user_id = ?",
                (platform, user_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                cur = await tx.execute(
                    "INSERT INTO participants (created_at, last_seen_at) VALUES (?, ?)",
                    (stamp, stamp),
                )
                pid = int(cur.lastrowid or 0)
                await tx.execute(
                    f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}, last_seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (platform, user_id, pid, display_name, stamp, stamp),
                )
            else:
                pid = int(row["participant_id"])
                await tx.execute(
                    "UPDATE accounts SET display_name = ?, last_seen_at = ? "
                    "WHERE platform = ? AND user_id = ?",
                    (display_name, stamp, platform, user_id),
                )
                await tx.execute(
                    "UPDATE participants SET last_seen_at = ? WHERE id = ?", (stamp, pid)
                )
            async with tx.execute(
                f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE id = ?", (pid,)
            ) as cur:
                prow = await cur.fetchone()
            async with tx.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE platform = ? AND user_id = ?",
                (platform, user_id),
            ) as cur:
                arow = await cur.fetchone()
        assert prow is not None and arow is not None
        return Participant(**dict(prow)), Account(**dict(arow))

    async def _known(self, platform: str, user_id: str, display_name: str, now: datetime
                     ) -> tuple[Participant, Account] | None:
        """Every event passes here: for a known account whose name is unchanged and who was
        seen lately, one read and no write."""
        row = await self.db.fetchone(
            "SELECT " + ", ".join(f"p.{c.strip()}" for c in _PARTICIPANT_COLUMNS.split(","))
            + ", a.display_name AS account_name, a.linked_at AS account_linked_at, "
            "a.last_seen_at AS account_seen FROM accounts a "
            "JOIN participants p ON p.id = a.participant_id "
            "WHERE a.platform = ? AND a.user_id = ?", (platform, user_id))
        if row is None or row["account_name"] != display_name or not row["account_seen"]:
            return None
        if now - datetime.fromisoformat(row["account_seen"]) > SEEN_REFRESH:
            return None
        data = dict(row)
        account = Account(platform, user_id, row["id"], data.pop("account_name"),
                          data.pop("account_linked_at"))
        del data["account_seen"]
        return Participant(**data), account

    async def set_language(self, participant_id: int, language: str) -> None:
        await self.db.execute(
            "UPDATE participants SET language = ? WHERE id = ?", (language, participant_id)
        )

    async def set_timezone(self, participant_id: int, timezone: str) -> None:
        await self.db.execute(
            "UPDATE participants SET timezone = ? WHERE id = ?", (timezone, participant_id)
        )

    async def set_consent(self, participant_id: int, given: bool, now: datetime) -> None:
        await self.db.execute(
            "UPDATE participants SET consent = ?, consent_at = ? WHERE id = ?",
            ("given" if given else "declined", now.isoformat(timespec="seconds"), participant_id),
        )

    async def mark_consent_asked(self, participant_id: int, now: datetime) -> None:
        """The bot asked for consent: "asked, no answer yet" until they answer."""
        await self.db.execute(
            "UPDATE participants SET consent_asked_at = ? "
            "WHERE id = ? AND consent_asked_at IS NULL",
            (now.isoformat(timespec="seconds"), participant_id),
        )

    async def mark_unreachable(self, platform: str, user_id: str, reason: str) -> None:
        await self.db.execute(
            "UPDATE participants SET unreachable_reason = ? WHERE id = "
            "(SELECT participant_id FROM accounts WHERE platform = ? AND user_id = ?)",
            (reason, platform, user_id),
        )

    async def reachable(self) -> list[Recipient]:
        """Every participant not known to be unreachable, on the account they used last."""
        rows = await self.db.fetchall(
            "SELECT p.id AS participant_id, p.language, a.platform, a.user_id "
            "FROM participants p JOIN accounts a ON a.participant_id = p.id "
            "WHERE p.unreachable_reason IS NULL AND a.rowid = ("
            "  SELECT a2.rowid FROM accounts a2 WHERE a2.participant_id = p.id "
            "  ORDER BY a2.last_seen_at DESC NULLS LAST, a2.linked_at DESC LIMIT 1) "
            "ORDER BY p.id"
        )
        return [Recipient(**dict(r)) for r in rows]


@dataclass(frozen=True, slots=True)
class Recipient:
    participant_id: int
    language: str | None
    platform: str
    user_id: str
