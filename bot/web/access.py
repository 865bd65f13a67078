"""Who may open the dashboard: one-time login links and the sessions they open.

A link carries `participant.issued.nonce` and an HMAC-SHA256 of it under the signing key.
It is valid for ten minutes and once: its nonce is remembered until it expires, and a link
issued before this process started is refused, so a restart cannot make a used link work
again. Sessions live in memory (a restart logs everyone out, who then asks for a new link)
and expire after `web.session_idle_minutes` without a request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config_deploy import WebSection

log = logging.getLogger("bot.web")

SECRET_ENV = "BOT_WEB_SECRET"
LINK_SECONDS = 600
LOGIN_ATTEMPTS_PER_MINUTE = 10  # per client address, good or bad links alike
SESSION_COOKIE = "sstc_session"


def signing_key(environ: Mapping[str, str]) -> bytes:
    """The key from BOT_WEB_SECRET; without it, a random one for this process (links then
    stop working at a restart, which sessions do anyway), said once in the log."""
    value = environ.get(SECRET_ENV, "")
    if value:
        return hashlib.sha256(value.encode("utf-8")).digest()
    log.warning("%s is not set: login links are signed with a key made for this run",
                SECRET_ENV)
    return secrets.token_bytes(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Session:
    token: str
    participant_id: int
    csrf: str
    last_seen: float


@dataclass
class WebAccess:
    """Login links, sessions and the login rate limit; built once by the composition root."""

    key: bytes
    clock: Clock
    base_url: str  # where links point: web.public_url, else http://host:port
    idle_seconds: float = 1800.0
    secure_cookies: bool = False
    started_at: float = 0.0
    _used: dict[str, float] = field(default_factory=dict, init=False)  # nonce -> expiry
    _sessions: dict[str, Session] = field(default_factory=dict, init=False)
    _attempts: dict[str, deque[float]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.started_at = self.started_at or self.clock.timestamp()

    @classmethod
    def configured(cls, web: WebSection, clock: Clock,
                   environ: Mapping[str, str]) -> WebAccess | None:
        """As `[web]` says; None when the web side is off."""
        if not web.enabled:
            return None
        return cls(signing_key(environ), clock, web.public_url or f"http://{web.host}:{web.port}",
                   idle_seconds=web.session_idle_minutes * 60.0,
                   secure_cookies=web.public_url.startswith("https://"))

    # --- links -------------------------------------------------------------------------
    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, participant_id: int) -> str:
        """A login link for this facilitator, valid ten minutes, once."""
        payload = f"{participant_id}.{int(self.clock.timestamp())}.{secrets.token_hex(8)}"
        return f"{self.base_url}/dashboard/login?t={payload}.{self._sign(payload)}"

    def redeem(self, token: str) -> int | None:
        """The participant a valid, unused, unexpired link is for (and it is used now)."""
        now = self.clock.timestamp()
        self._used = {n: exp for n, exp in self._used.items() if exp > now}
        parts = token.split(".")
        if len(parts) != 4 or not all(p.isascii() for p in parts):
            return None
        pid_text, issued_text, nonce, signature = parts
        payload = f"{pid_text}.{issued_text}.{nonce}"
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        if not (pid_text.isdigit() and issued_text.isdigit()) or len(pid_text) > 18:
            return None
        issued = int(issued_text)
        if issued < int(self.started_at) or now - issued > LINK_SECONDS or nonce in self._used:
            return None
        self._used[nonce] = issued + LINK_SECONDS + 1
        return int(pid_text)

    def allow_attempt(self, client: str) -> bool:
        """False when this client tried too many links in the last minute."""
        now = self.clock.timestamp()
        recent = self._attempts.setdefault(client, deque())
        while recent and recent[0] <= now - 60:
            recent.popleft()
        if len(self._attempts) > 10_000:  # forget quiet clients, not the noisy one
            self._attempts = {c: q for c, q in self._attempts.items() if q or c == client}
        if len(recent) >= LOGIN_ATTEMPTS_PER_MINUTE:
            return False
        recent.append(now)
        return True

    # --- sessions ----------------------------------------------------------------------
    def open_session(self, participant_id: int) -> Session:
        session = Session(secrets.token_urlsafe(32), participant_id, secrets.token_urlsafe(24),
                          self.clock.timestamp())
        self._sessions[session.token] = session
        return session

    def session(self, token: str | None) -> Session | None:
        """The live session of this cookie, its idle time restarted; None when unknown or
        idle too long (then forgotten)."""
        if not token:
            return None
        now = self.clock.timestamp()
        self._sessions = {t: s for t, s in self._sessions.items()
                          if now - s.last_seen <= self.idle_seconds}
        found = self._sessions.get(token)
        if found is not None:
            found.last_seen = now
        return found

    def close_session(self, token: str | None) -> None:
        if token:
            self._sessions.pop(token, None)
