"""A small, faithful fake of Discord (REST v10 and the JSON gateway) on 127.0.0.1, for tests.

The real discord.py 2.7 talks to it exactly as it talks to Discord (see
/work/shared/reference/PLATFORMS.md): point `discord.http.Route.BASE` at `api_base_url`
and `DiscordWebSocket.DEFAULT_GATEWAY` at `gateway_url`. It holds one guild ("Academy")
with two text channels, #general and #welcome (the system channel), a bot user and its
application, and whatever users a test adds.

What it does like Discord, so tests catch real mistakes:
- the token: REST needs `Authorization: Bot <TOKEN>` (401 otherwise), IDENTIFY with
  another token is closed with 4004; webhook and interaction routes use their own tokens;
- responses are `Content-Type: application/json` exactly; 429s carry `Via` and
  `{message, retry_after, global}`, so discord.py retries them itself;
- the gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY (resume_gateway_url pointing
  here) -> GUILD_CREATE with the full guild; RESUME -> RESUMED; events only for the
  intents identified with, and guild message content blanked without MESSAGE_CONTENT;
- sharding: IDENTIFY's `shard: [id, count]` (an invalid one is closed with 4010); a
  session hears only its guilds, shard (guild_id >> 22) % count (READY, GUILD_CREATE and
  every guild event), and DMs only on shard 0; `add_guild` adds guilds, `identified`
  lists the shards that identified;
- every message the bot creates (channel, interaction response, follow-up, webhook) is
  echoed back as MESSAGE_CREATE with a bot author, as Discord does (that is how loops
  are born); edits and deletions as MESSAGE_UPDATE / MESSAGE_DELETE;
- interactions: a response within 3 s, a deferred "thinking…" filled in or deleted
  (`unanswered()` lists the others: the person reads "The application did not respond");
  no follow-up before the response; ephemeral messages (flag 64) are their reader's alone
  (never echoed, unknown to channel routes); the first follow-up after a deferral fills
  the "thinking…" response and keeps the visibility chosen when deferring;
- validation: content <= 2000 characters, no empty message, <= 5 rows of <= 5 buttons
  or one select menu (<= 25 options), labels <= 80, custom_id <= 100 and unique, command
  names, interactions acknowledged only once;
- mentions: `mention_everyone` / `mentions` are computed from `allowed_mentions` (absent
  means "parse everything", as on Discord), so a test can see whether someone was pinged.

Test-facing API, in short:
    async with FakeDiscord() as dc:
        alice = dc.add_user("alice", display_name="Alice")
        await dc.user_says(alice, "!help", channel=dc.general)   # DM when channel is None
        await dc.slash(alice, "start", locale="fr")               # INTERACTION_CREATE type 2
        await dc.press_button(alice, message_id, "lang:fr")       # type 3
        await dc.member_joins(alice); await dc.vote(alice, message_id, answer_id=1)
        await dc.wait_for(lambda: dc.sent_to(dc.general), what="a reply")
        dc.fail_next(429, path="/messages", retry_after=0.05)     # or 500, 403 code=50007
        dc.sent          # every bot-originated message, with how it was sent (`via`)
        dc.requests      # every REST call: (method, path, json body)
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

TOKEN = "TEST.TOKEN"
API = "/api/v10"
Json = dict[str, Any]
T = TypeVar("T")

DISCORD_EPOCH_MS = 1_420_070_400_000
# Gateway intent bits the fake checks before dispatching an event.
GUILDS, GUILD_MEMBERS, GUILD_MESSAGES = 1 << 0, 1 << 1, 1 << 9
DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 12, 1 << 15
GUILD_MESSAGE_POLLS, DIRECT_MESSAGE_POLLS = 1 << 24, 1 << 25
EVERYONE_PERMISSIONS = "1071698660929"  # view, send, read history, use application commands
_BODY = web.RequestKey("body", object)  # the parsed JSON body, set by the middleware
FILES = "_files"  # where a multipart body's files[n] parts go in the parsed body
UPLOAD_LIMIT = 10 * 1024 * 1024  # per file, for a bot in a server without boosts
POLL_EXPIRED, NOT_A_POLL = 520001, 520006
EPHEMERAL, LOADING = 1 << 6, 1 << 7  # message flags


@dataclass
class FakeFile:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
_USER_MENTION = re.compile(r"<@!?(\d+)>")


def stable_id(name: str) -> int:
    """A snowflake-sized id that is the same for `name` in every run."""
    return 10**17 + int(hashlib.sha256(name.encode()).hexdigest()[:12], 16)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class FakeUser:
    id: int
    name: str
    display_name: str | None = None
    bot: bool = False

    def payload(self) -> Json:
        return {"id": str(self.id), "username": self.name, "discriminator": "0",
                "global_name": self.display_name, "avatar": None, "bot": self.bot,
                "public_flags": 0, "flags": 0}


@dataclass
class FakeChannel:
    id: int
    name: str | None
    guild_id: int | None = None  # None: a DM channel
    recipient: FakeUser | None = None
    position: int = 0

    def payload(self) -> Json:
        if self.guild_id is None:
            assert self.recipient is not None
            return {"id": str(self.id), "type": 1, "last_message_id": None, "flags": 0,
                    "recipients": [self.recipient.payload()]}
        return {"id": str(self.id), "type": 0, "guild_id": str(self.guild_id),
                "name": self.name, "position": self.position, "permission_overwrites": [],
                "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None,
                "rate_limit_per_user": 0, "flags": 0}


@dataclass
class SentMessage:
    """A message the bot made appear, as the person reads it (edits applied)."""

    message_id: int
    channel_id: int
    content: str
    via: str  # "channel" | "interaction" (an interaction response) | "followup" | "webhook"
    components: list[Json]
    allowed_mentions: Json | None
    mention_everyone: bool
    mentioned_user_ids: list[int]
    reference_id: int | None = None
    interaction_id: int | None = None
    username: str | None = None  # a webhook message's display name
    poll: Json | None = None
    edited: bool = False
    deleted: bool = False
    # Flag 64: shown only to the person whose interaction it answers, never to the channel.
    ephemeral: bool = False
    # Uploaded files as the message shows them (id, filename, size, url, content_type);
    # their bytes are in `FakeDiscord.cdn` under the attachment id.
    attachments: list[Json] = field(default_factory=list)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, custom_id) of every button, row by row."""
        return [(c.get("label", ""), c.get("custom_id", "")) for row in self.components
                for c in row.get("components", []) if c.get("type") == 2]

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.buttons]

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(label, value) of every option of the message's select menus, in order."""
        return [(o.get("label", ""), o.get("value", "")) for row in self.components
                for c in row.get("components", []) if c.get("type") == 3
                for o in c.get("options", [])]

    @property
    def reachable(self) -> list[tuple[str, str]]:
        """Every (label, data) a person can press or choose, row by row."""
        found: list[tuple[str, str]] = []
        for row in self.components:
            for c in row.get("components", []):
                if c.get("type") == 2:
                    found.append((c.get("label", ""), c.get("custom_id", "")))
                elif c.get("type") == 3:
                    found += [(o.get("label", ""), o.get("value", ""))
                              for o in c.get("options", [])]
        return found


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int  # 2 application command, 3 component
    user: FakeUser
    channel: FakeChannel
    message_id: int | None = None  # the message whose button was pressed
    callbacks: list[int] = field(default_factory=list)  # response types, in order
    original_id: int | None = None
    original_deleted: bool = False

    def responded(self, messages: dict[int, Json]) -> bool:
        """Whether the person saw the interaction answered. Discord's rule: a response
        within 3 s (a message, 4; an update of the pressed message, 7; or a deferral, 5
        or 6), and a deferred "thinking…" (5) filled in or deleted within 15 minutes;
        otherwise the person reads "The application did not respond"."""
        if not self.callbacks:
            return False
        if self.callbacks[0] != 5 or self.original_deleted:
            return True
        original = messages.get(self.original_id or 0)
        return original is not None and not original["flags"] & LOADING


@dataclass
class _Failure:
    status: int
    path: str
    method: str | None
    times: int
    retry_after: float
    is_global: bool
    code: int
    message: str


@dataclass
class _Session:
    ws: web.WebSocketResponse
    session_id: str = ""
    intents: int = 0
    seq: int = 0
    shard: tuple[int, int] = (0, 1)  # [shard_id, num_shards] from IDENTIFY

    def owns(self, guild_id: int | None) -> bool:
        """Discord's routing: a guild's events go to shard (guild_id >> 22) % num_shards;
        direct messages to shard 0."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else (guild_id >> 22) % count)


class FakeDiscord:
    """One guild, one bot, any number of users; see the module docstring."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self._ids = itertools.count(1)
        self.bot_user = FakeUser(stable_id("fake-bot"), "academy-bot", "Academy Bot", bot=True)
        self.application_id = self.bot_user.id  # on Discord, the bot's id is the app's id
        self.owner = FakeUser(stable_id("fake-owner"), "owner", "Owner")
        self.guild_id = stable_id("fake-guild")
        self.guild_name = "Academy"
        # Every guild the bot is in, id -> name: "Academy" and those of `add_guild`.
        self.guilds: dict[int, str] = {self.guild_id: self.guild_name}
        self.general = stable_id("fake-general")
        self.welcome = stable_id("fake-welcome")
        self.users: dict[int, FakeUser] = {u.id: u for u in (self.bot_user, self.owner)}
        self.members: dict[int, str] = {u.id: _iso(datetime.now(UTC))
                                         for u in (self.bot_user, self.owner)}
        self.channels: dict[int, FakeChannel] = {
            self.general: FakeChannel(self.general, "general", self.guild_id, position=0),
            self.welcome: FakeChannel(self.welcome, "welcome", self.guild_id, position=1),
        }
        self.system_channel_id: int | None = self.welcome
        self._dms: dict[int, FakeChannel] = {}
        self.messages: dict[int, Json] = {}
        self.sent: list[SentMessage] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.interactions: dict[int, FakeInteraction] = {}
        self.commands: dict[int | None, list[Json]] = {}  # guild id (None: global) -> commands
        self.webhooks: dict[int, tuple[str, FakeChannel, str]] = {}  # id -> token, channel, name
        self.webhooks_forbidden = False  # the bot lacks "Manage Webhooks" in the guild
        self.cdn: dict[int, FakeFile] = {}  # attachment id -> the file
        self.cdn_downloads: list[int] = []  # attachment ids fetched from the CDN
        self.upload_limit = UPLOAD_LIMIT
        self._failures: list[_Failure] = []
        self._sessions: dict[str, _Session] = {}
        self.identified: list[tuple[int, int]] = []  # (shard id, shard count) per IDENTIFY
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._middleware],
                              client_max_size=4 * UPLOAD_LIMIT)  # the limit is checked per file
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{cid}/{aid}/{name}", self._cdn_file)
        r = app.router
        for method, path, handler in (
            ("GET", "/gateway", self._get_gateway), ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/users/@me", self._me), ("GET", "/users/{uid}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._application),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/channels/{cid}", self._get_channel),
            ("POST", "/channels/{cid}/messages", self._post_message),
            ("GET", "/channels/{cid}/messages/{mid}", self._get_message),
            ("PATCH", "/channels/{cid}/messages/{mid}", self._patch_message),
            ("DELETE", "/channels/{cid}/messages/{mid}", self._delete_message),
            ("POST", "/channels/{cid}/polls/{mid}/expire", self._expire_poll),
            ("POST", "/channels/{cid}/webhooks", self._create_webhook),
            ("GET", "/channels/{cid}/webhooks", self._list_webhooks),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("PUT", "/applications/{app}/guilds/{gid}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{gid}/commands", self._get_commands),
            ("POST", "/interactions/{iid}/{itoken}/callback", self._callback),
            ("POST", "/webhooks/{wid}/{wtoken}", self._execute_webhook),
            ("GET", "/webhooks/{wid}/{wtoken}/messages/{mid}", self._webhook_message),
            ("PATCH", "/webhooks/{wid}/{wtoken}/messages/{mid}", self._webhook_message),
            ("DELETE", "/webhooks/{wid}/{wtoken}/messages/{mid}", self._webhook_message),
        ):
            r.add_route(method, API + path, handler)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def close(self) -> None:
        for session in list(self._sessions.values()):
            if not session.ws.closed:
                await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- test-facing API ----------------------------------------------------------------
    def add_user(self, name: str, *, display_name: str | None = None, member: bool = True,
                 bot: bool = False) -> FakeUser:
        """A user (id `stable_id(name)`), a guild member already unless `member=False`."""
        user = FakeUser(stable_id(name), name, display_name, bot)
        self.users[user.id] = user
        if member:
            self.members.setdefault(user.id, _iso(datetime.now(UTC)))
        return user

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        if user.id not in self._dms:
            channel = FakeChannel(self._snowflake(), None, recipient=user)
            self._dms[user.id] = self.channels[channel.id] = channel
        return self._dms[user.id]

    async def user_says(self, user: FakeUser, text: str, channel: int | None = None,
                        reply_to: int | None = None, files: list[FakeFile] = ()  # type: ignore[assignment]
                        ) -> Json:
        """`user` posts `text` (and `files`) in a guild channel, or to the bot in a DM
        (channel None)."""
        where = self.channels[channel] if channel is not None else self.dm_channel(user)
        body: Json = {"content": text}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to)}
        if files:
            body[FILES] = list(files)
        return await self._create_message(where, user.payload(), body, via=None)

    async def user_edits(self, message_id: int, text: str) -> Json:
        msg = self.messages[message_id]
        msg.update(content=text, edited_timestamp=_iso(datetime.now(UTC)))
        await self._dispatch_message("MESSAGE_UPDATE", msg)
        return msg

    async def user_deletes(self, message_id: int) -> None:
        msg = self.messages.pop(message_id)
        await self._dispatch_for_channel("MESSAGE_DELETE", {
            "id": msg["id"], "channel_id": msg["channel_id"]}, self._channel(msg["channel_id"]))

    async def member_joins(self, user: FakeUser) -> None:
        self.members[user.id] = _iso(datetime.now(UTC))
        await self._dispatch("GUILD_MEMBER_ADD", {**self._member(user),
                                                  "guild_id": str(self.guild_id)}, GUILD_MEMBERS)

    async def vote(self, user: FakeUser, message_id: int, answer_id: int,
                   remove: bool = False) -> None:
        """`user` votes for answer `answer_id` (counted from 1, as on Discord), or takes
        that vote back; MESSAGE_POLL_VOTE_ADD / _REMOVE follows. An ended poll refuses."""
        msg = self.messages[message_id]
        if msg["poll"]["results"]["is_finalized"]:
            raise ValueError("the poll has ended")
        if not any(a["answer_id"] == answer_id for a in msg["poll"]["answers"]):
            raise ValueError(f"the poll has no answer {answer_id}")
        counts = msg["poll"]["results"]["answer_counts"]
        entry = next((c for c in counts if c["id"] == answer_id), None)
        if entry is None:
            counts.append(entry := {"id": answer_id, "count": 0, "me_voted": False})
        entry["count"] += -1 if remove else 1
        channel = self._channel(msg["channel_id"])
        data = {"user_id": str(user.id), "channel_id": msg["channel_id"],
                "message_id": msg["id"], "answer_id": answer_id}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        name = "MESSAGE_POLL_VOTE_REMOVE" if remove else "MESSAGE_POLL_VOTE_ADD"
        await self._dispatch_for_channel(name, data, channel,
                                         GUILD_MESSAGE_POLLS, DIRECT_MESSAGE_POLLS)

    async def slash(self, user: FakeUser, name: str, arguments: str | None = None,
                    channel: int | None = None, locale: str = "en-US") -> FakeInteraction:
        """`user` runs /name in a guild channel, or in their DM with the bot (channel None)."""
        where = self.channels[channel] if channel is not None else self.dm_channel(user)
        known = next((c for c in self.commands.get(where.guild_id, [])
                      if c["name"] == name), None)
        data: Json = {"id": known["id"] if known else str(self._snowflake()), "name": name,
                      "type": 1, "options": []}
        if arguments:
            data["options"] = [{"name": "arguments", "type": 3, "value": arguments}]
        if known and where.guild_id is not None:
            data["guild_id"] = str(where.guild_id)
        return await self._interact(user, 2, data, where, locale)

    async def press_button(self, user: FakeUser, message_id: int, custom_id: str,
                           locale: str = "en-US") -> FakeInteraction:
        msg = self.messages[message_id]
        ids = [c.get("custom_id") for row in msg["components"] for c in row["components"]]
        if custom_id not in ids:
            raise AssertionError(f"message {message_id} has no button {custom_id!r}")
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(user, 3, data, self._channel(msg["channel_id"]), locale,
                                    message=msg)

    async def choose(self, user: FakeUser, message_id: int, value: str,
                     locale: str = "en-US") -> FakeInteraction:
        """`user` picks `value` in one of the message's select menus (type 3)."""
        msg = self.messages[message_id]
        select = next((c for row in msg["components"] for c in row["components"]
                       if c.get("type") == 3 and any(o.get("value") == value
                                                     for o in c.get("options", []))), None)
        if select is None:
            raise AssertionError(f"message {message_id} has no option {value!r}")
        data = {"custom_id": select["custom_id"], "component_type": 3, "values": [value]}
        return await self._interact(user, 3, data, self._channel(msg["channel_id"]), locale,
                                    message=msg)

    async def press_forged(self, user: FakeUser, message_id: int, custom_id: str,
                           locale: str = "en-US") -> FakeInteraction:
        """What a modified client can send: a component interaction with any custom_id."""
        msg = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(user, 3, data, self._channel(msg["channel_id"]), locale,
                                    message=msg)

    def create_webhook(self, channel_id: int, name: str = "relay") -> tuple[int, str]:
        wid, token = self._snowflake(), uuid.uuid4().hex
        self.webhooks[wid] = (token, self.channels[channel_id], name)
        return wid, token

    def fail_next(self, status: int, *, path: str = "", method: str | None = None,
                  times: int = 1, retry_after: float = 0.05, is_global: bool = False,
                  code: int = 0, message: str | None = None) -> None:
        """Answer the next `times` REST calls whose path contains `path` with an error."""
        default = {429: "You are being rate limited.", 403: "Missing Access",
                   404: "Unknown Channel", 500: "Internal Server Error"}
        self._failures.append(_Failure(status, path, method, times, retry_after, is_global,
                                       code, message or default.get(status, "Error")))

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway connection, as Discord does now and then; clients resume."""
        for session in self._sessions.values():
            if not session.ws.closed:
                await session.ws.close(code=code)

    def sent_to(self, channel_id: int) -> list[SentMessage]:
        return [s for s in self.sent if s.channel_id == channel_id and not s.deleted]

    def unanswered(self) -> list[FakeInteraction]:
        """Interactions the person saw no response to (see FakeInteraction.responded)."""
        return [i for i in self.interactions.values() if not i.responded(self.messages)]

    def calls(self, method: str, fragment: str) -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] == method and fragment in r[1]]

    @property
    def connected(self) -> bool:
        return any(s.session_id and not s.ws.closed for s in self._sessions.values())

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0,  # noqa: ASYNC109
                       what: str = "condition") -> T:
        """Wait until `predicate()` is truthy and return its value; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.01)
        return value

    # --- payloads -----------------------------------------------------------------------
    def _snowflake(self) -> int:
        return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._ids) % 4096)

    def _channel(self, channel_id: str | int) -> FakeChannel:
        try:
            return self.channels[int(channel_id)]
        except (KeyError, ValueError):
            raise ApiError(404, 10003, "Unknown Channel") from None

    def _member(self, user: FakeUser) -> Json:
        return {"user": user.payload(), "nick": None, "avatar": None, "roles": [],
                "joined_at": self.members.get(user.id, _iso(datetime.now(UTC))),
                "premium_since": None, "deaf": False, "mute": False, "pending": False,
                "flags": 0, "communication_disabled_until": None}

    def add_guild(self, name: str, guild_id: int | None = None) -> tuple[int, int]:
        """Another guild the bot is in, with one text channel #general; returns (guild
        id, channel id). Its members are the fake's members (one member list for all)."""
        gid = guild_id if guild_id is not None else self._snowflake()
        self.guilds[gid] = name
        channel = FakeChannel(self._snowflake(), "general", gid)
        self.channels[channel.id] = channel
        return gid, channel.id

    def _guild(self, guild_id: int | None = None) -> Json:
        guild_id = guild_id if guild_id is not None else self.guild_id
        everyone = {"id": str(guild_id), "name": "@everyone", "permissions":
                    EVERYONE_PERMISSIONS, "position": 0, "color": 0, "hoist": False,
                    "managed": False, "mentionable": False, "flags": 0, "icon": None,
                    "unicode_emoji": None}
        members = [self._member(self.users[uid]) for uid in self.members]
        empty = ("emojis", "stickers", "features", "threads", "voice_states", "presences",
                 "stage_instances", "guild_scheduled_events", "soundboard_sounds")
        main = guild_id == self.guild_id
        return {"id": str(guild_id), "name": self.guilds[guild_id], "icon": None,
                "owner_id": str(self.owner.id), "roles": [everyone], "members": members,
                "member_count": len(members), "large": False, "unavailable": False,
                "channels": [c.payload() for c in self.channels.values()
                             if c.guild_id == guild_id],
                "system_channel_id": str(self.system_channel_id)
                if self.system_channel_id and main else None, "system_channel_flags": 0,
                "joined_at": self.members[self.bot_user.id], "preferred_locale": "en-US",
                "verification_level": 0, "default_message_notifications": 0,
                "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
                "premium_tier": 0, "premium_subscription_count": 0, "afk_timeout": 300,
                "afk_channel_id": None, "description": None, "banner": None, "splash": None,
                **{key: [] for key in empty}}

    def _mentions(self, content: str, allowed: Json | None) -> tuple[bool, list[Json]]:
        parse = ["everyone", "users", "roles"] if allowed is None else allowed.get("parse", [])
        explicit = {int(u) for u in (allowed or {}).get("users", [])}
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        users = [self.users[int(uid)].payload() for uid in _USER_MENTION.findall(content)
                 if int(uid) in self.users and ("users" in parse or int(uid) in explicit)]
        return everyone, users

    def _validate(self, body: Json) -> None:
        content = body.get("content") or ""
        if len(content) > 2000:
            raise ApiError(400, 50035, "Invalid Form Body: content: Must be 2000 or fewer "
                                       "in length.")
        rows = body.get("components") or []
        if not (content or body.get("embeds") or rows or body.get("poll")
                or body.get(FILES) or body.get("attachments")):
            raise ApiError(400, 50006, "Cannot send an empty message")
        for upload in body.get(FILES) or []:
            if len(upload.content) > self.upload_limit:
                raise ApiError(413, 40005, "Request entity too large")
        poll = body.get("poll")
        if poll:
            answers = poll.get("answers") or []
            if not 1 <= len(poll.get("question", {}).get("text", "")) <= 300 \
                    or not 1 <= len(answers) <= 10 \
                    or not all(1 <= len(a["poll_media"].get("text", "")) <= 55
                               for a in answers) \
                    or not 1 <= int(poll.get("duration", 24)) <= 768:
                raise ApiError(400, 50035, "Invalid Form Body: poll")
        _validate_components(rows)

    def _poll(self, poll: Json) -> Json:
        expiry = datetime.now(UTC) + timedelta(hours=int(poll.get("duration", 24)))
        return {"question": poll["question"], "allow_multiselect": poll.get(
                    "allow_multiselect", False), "layout_type": poll.get("layout_type", 1),
                "answers": [{"answer_id": i, "poll_media": a["poll_media"]}
                            for i, a in enumerate(poll["answers"], 1)],
                "expiry": _iso(expiry), "results": {"is_finalized": False, "answer_counts": []}}

    async def _create_message(self, channel: FakeChannel, author: Json, body: Json, *,
                              via: str | None, webhook_id: int | None = None,
                              interaction: FakeInteraction | None = None,
                              flags: int = 0) -> Json:
        """Store a message, echo it over the gateway, and record it if the bot made it."""
        if not flags & LOADING:  # a "thinking…" placeholder is empty until filled in
            self._validate(body)
        content = body.get("content") or ""
        everyone, mentions = self._mentions(content, body.get("allowed_mentions"))
        mid = self._snowflake()
        msg: Json = {
            "id": str(mid), "channel_id": str(channel.id), "author": author,
            "content": content, "timestamp": _iso(datetime.now(UTC)),
            "edited_timestamp": None, "tts": False, "mention_everyone": everyone,
            "mentions": mentions, "mention_roles": [],
            "attachments": self._store_files(channel, body.get(FILES) or []),
            "embeds": body.get("embeds") or [], "pinned": False,
            "type": 20 if interaction and interaction.type == 2 else 0,
            "flags": flags, "components": body.get("components") or []}
        reference = body.get("message_reference")
        target = self.messages.get(int(reference["message_id"])) if reference else None
        if reference and (target is None or target["channel_id"] != msg["channel_id"]):
            if reference.get("fail_if_not_exists", True):
                raise ApiError(400, 50035, "Invalid Form Body: Unknown message")
            reference = None
        if reference and target is not None:
            msg["type"] = 19
            msg["message_reference"] = {"type": 0, "message_id": target["id"],
                                        "channel_id": msg["channel_id"]}
            msg["referenced_message"] = target
        if webhook_id is not None:
            msg["webhook_id"] = str(webhook_id)
        if body.get("poll"):
            msg["poll"] = self._poll(body["poll"])
        self.messages[mid] = msg
        if via is not None and not flags & LOADING:
            self._record(msg, via, body, interaction)
        await self._dispatch_message("MESSAGE_CREATE", msg)
        return msg

    def _record(self, msg: Json, via: str, body: Json, interaction: FakeInteraction | None
                ) -> None:
        ref = msg.get("message_reference")
        self.sent.append(SentMessage(
            int(msg["id"]), int(msg["channel_id"]), msg["content"], via, msg["components"],
            body.get("allowed_mentions"), msg["mention_everyone"],
            [int(u["id"]) for u in msg["mentions"]],
            int(ref["message_id"]) if ref else None,
            interaction.id if interaction else None,
            body.get("username"), msg.get("poll"), attachments=list(msg["attachments"]),
            ephemeral=bool(msg["flags"] & EPHEMERAL)))

    def _store_files(self, channel: FakeChannel, files: list[FakeFile]) -> list[Json]:
        """Attachments as Discord shows them, each served from its CDN URL."""
        shown = []
        for upload in files:
            aid = self._snowflake()
            self.cdn[aid] = upload
            shown.append({"id": str(aid), "filename": upload.filename,
                          "size": len(upload.content), "content_type": upload.content_type,
                          "url": f"{self.cdn_url}/attachments/{channel.id}/{aid}/"
                                 f"{upload.filename}",
                          "proxy_url": f"{self.cdn_url}/proxy/{channel.id}/{aid}/"
                                       f"{upload.filename}"})
        return shown

    def _sent(self, message_id: int) -> SentMessage | None:
        return next((s for s in self.sent if s.message_id == message_id), None)

    def _edit(self, msg: Json, body: Json) -> None:
        self._validate({**msg, **{k: v for k, v in body.items() if v is not None}})
        for key in ("content", "components", "embeds"):
            if key in body:
                msg[key] = body[key] or ([] if key != "content" else "")
        msg["mention_everyone"], msg["mentions"] = self._mentions(
            msg["content"], body.get("allowed_mentions"))
        if body.get(FILES):
            msg["attachments"] = self._store_files(self._channel(msg["channel_id"]),
                                                   body[FILES])
        msg["edited_timestamp"] = _iso(datetime.now(UTC))
        msg["flags"] = msg["flags"] & ~LOADING
        sent = self._sent(int(msg["id"]))
        if sent is not None:
            sent.content, sent.components, sent.edited = msg["content"], msg["components"], True
            sent.attachments = list(msg["attachments"])
            sent.mention_everyone = msg["mention_everyone"]
            sent.allowed_mentions = body.get("allowed_mentions", sent.allowed_mentions)

    async def _interact(self, user: FakeUser, itype: int, data: Json, channel: FakeChannel,
                        locale: str, message: Json | None = None) -> FakeInteraction:
        iid = self._snowflake()
        interaction = FakeInteraction(iid, f"interaction-token-{uuid.uuid4().hex}", itype,
                                      user, channel, int(message["id"]) if message else None)
        self.interactions[iid] = interaction
        in_guild = channel.guild_id is not None
        payload: Json = {
            "id": str(iid), "application_id": str(self.application_id), "type": itype,
            "data": data, "token": interaction.token, "version": 1, "locale": locale,
            "app_permissions": EVERYONE_PERMISSIONS, "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)} if in_guild
            else {"1": str(user.id)},
            "context": 0 if in_guild else 1, "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id), "channel": channel.payload()}
        if in_guild:
            payload.update(guild_id=str(self.guild_id), guild_locale="en-US",
                           guild={"id": str(self.guild_id), "locale": "en-US", "features": []},
                           member={**self._member(user), "permissions": EVERYONE_PERMISSIONS})
        else:
            payload["user"] = user.payload()
        if message is not None:
            payload["message"] = message
        await self._dispatch("INTERACTION_CREATE", payload)
        return interaction

    # --- gateway ------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        session = _Session(ws)
        await self._send(ws, {"op": 10, "d": {"heartbeat_interval": 41250}})
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op, d = payload.get("op"), payload.get("d")
            if op == 1:
                await self._send(ws, {"op": 11})
            elif op == 2:
                if d.get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                shard = d.get("shard", [0, 1])
                if not (isinstance(shard, list) and len(shard) == 2
                        and 0 <= shard[0] < shard[1]):
                    await ws.close(code=4010, message=b"Invalid shard.")
                    break
                session.session_id, session.intents = uuid.uuid4().hex, int(d["intents"])
                session.shard = (shard[0], shard[1])
                self.identified.append(session.shard)
                self._sessions[session.session_id] = session
                mine = [gid for gid in self.guilds if session.owns(gid)]
                await self._event(session, "READY", {
                    "v": 10, "user": self.bot_user.payload(), "private_channels": [],
                    "guilds": [{"id": str(gid), "unavailable": True} for gid in mine],
                    "session_id": session.session_id, "session_type": "normal",
                    "resume_gateway_url": self.gateway_url, "shard": list(session.shard),
                    "application": {"id": str(self.application_id), "flags": 0}})
                for gid in mine:
                    await self._event(session, "GUILD_CREATE", self._guild(gid))
            elif op == 6:
                old = self._sessions.get(d.get("session_id", ""))
                if old is None or d.get("token") != self.token:
                    await self._send(ws, {"op": 9, "d": False})
                    continue
                old.ws, session = ws, old
                await self._event(session, "RESUMED", {})
        return ws

    async def _send(self, ws: web.WebSocketResponse, payload: Json) -> None:
        if not ws.closed:
            try:
                await ws.send_str(json.dumps(payload))
            except ConnectionError:
                pass

    async def _event(self, session: _Session, name: str, data: Json) -> None:
        session.seq += 1
        await self._send(session.ws, {"op": 0, "t": name, "s": session.seq, "d": data})

    async def _dispatch(self, name: str, data: Json, intent: int = 0,
                        shape: Callable[[_Session, Json], Json] | None = None) -> None:
        guild_id = int(data["guild_id"]) if data.get("guild_id") else None
        for session in list(self._sessions.values()):
            if (intent and not session.intents & intent) or not session.owns(guild_id):
                continue
            await self._event(session, name, shape(session, data) if shape else data)

    async def _dispatch_for_channel(self, name: str, data: Json, channel: FakeChannel,
                                    guild_intent: int = GUILD_MESSAGES,
                                    dm_intent: int = DIRECT_MESSAGES) -> None:
        intent = guild_intent if channel.guild_id is not None else dm_intent
        await self._dispatch(name, data, intent)

    async def _dispatch_message(self, name: str, msg: Json) -> None:
        if msg["flags"] & EPHEMERAL:  # only its reader's client hears of it
            return
        channel = self._channel(msg["channel_id"])
        data = dict(msg)
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
            author = self.users.get(int(msg["author"]["id"]))
            if author is not None and author.id in self.members and "webhook_id" not in msg:
                data["member"] = {k: v for k, v in self._member(author).items() if k != "user"}

        def blank_without_content_intent(session: _Session, d: Json) -> Json:
            private = channel.guild_id is None or d["author"]["id"] == str(self.bot_user.id)
            if private or session.intents & MESSAGE_CONTENT or any(
                    m["id"] == str(self.bot_user.id) for m in d["mentions"]):
                return d
            return {**d, "content": "", "embeds": [], "attachments": [], "components": []}

        intent = GUILD_MESSAGES if channel.guild_id is not None else DIRECT_MESSAGES
        await self._dispatch(name, data, intent, blank_without_content_intent)

    # --- REST ---------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)
        body = await _body(request)
        self.requests.append((request.method, request.path[len(API):], body))
        open_route = request.path.startswith((API + "/webhooks/", API + "/interactions/"))
        if not open_route and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        for failure in self._failures:
            if failure.times > 0 and failure.path in request.path and (
                    failure.method in (None, request.method)):
                failure.times -= 1
                return _failure_response(failure)
        request[_BODY] = body
        try:
            return await handler(request)
        except ApiError as exc:
            return _json({"message": exc.message, "code": exc.code}, exc.status)

    async def _cdn_file(self, request: web.Request) -> web.Response:
        upload = self.cdn.get(int(request.match_info["aid"]))
        if upload is None or upload.filename != request.match_info["name"]:
            return web.Response(status=404)
        self.cdn_downloads.append(int(request.match_info["aid"]))
        return web.Response(body=upload.content, content_type=upload.content_type)

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})

    async def _me(self, request: web.Request) -> web.Response:
        return _json(self.bot_user.payload())

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["uid"]))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return _json(user.payload())

    async def _application(self, request: web.Request) -> web.Response:
        return _json({"id": str(self.application_id), "name": self.bot_user.name,
                      "description": "", "icon": None, "bot_public": False,
                      "bot_require_code_grant": False, "owner": self.owner.payload(),
                      "team": None, "verify_key": "0" * 64, "flags": 0,
                      "bot": self.bot_user.payload(), "summary": ""})

    async def _open_dm(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request[_BODY]["recipient_id"]))
        if user is None:
            raise ApiError(400, 50035, "Invalid Form Body: recipient_id")
        return _json(self.dm_channel(user).payload())

    async def _get_channel(self, request: web.Request) -> web.Response:
        return _json(self._channel(request.match_info["cid"]).payload())

    def _message(self, request: web.Request) -> Json:
        msg = self.messages.get(int(request.match_info["mid"]))
        # An ephemeral message exists for its reader only: channel routes do not find it.
        if msg is None or msg["channel_id"] != str(self._channel(request.match_info["cid"]).id) \
                or msg["flags"] & EPHEMERAL:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def _post_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request.match_info["cid"])
        msg = await self._create_message(channel, self.bot_user.payload(), request[_BODY],
                                         via="channel")
        return _json(msg)

    async def _get_message(self, request: web.Request) -> web.Response:
        return _json(self._message(request))

    async def _patch_message(self, request: web.Request) -> web.Response:
        msg = self._message(request)
        if msg["author"]["id"] != str(self.bot_user.id):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._edit(msg, request[_BODY])
        await self._dispatch_message("MESSAGE_UPDATE", msg)
        return _json(msg)

    async def _delete_message(self, request: web.Request) -> web.Response:
        msg = self._message(request)
        await self._remove(msg)
        return web.Response(status=204)

    async def _remove(self, msg: Json) -> None:
        self.messages.pop(int(msg["id"]), None)
        sent = self._sent(int(msg["id"]))
        if sent is not None:
            sent.deleted = True
        if msg["flags"] & EPHEMERAL:  # nobody else ever heard of it
            return
        channel = self._channel(msg["channel_id"])
        data = {"id": msg["id"], "channel_id": msg["channel_id"]}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        await self._dispatch_for_channel("MESSAGE_DELETE", data, channel)

    async def _expire_poll(self, request: web.Request) -> web.Response:
        msg = self._message(request)
        if "poll" not in msg:
            raise ApiError(400, NOT_A_POLL, "Cannot expire a non-poll message")
        if msg["poll"]["results"]["is_finalized"]:
            raise ApiError(400, POLL_EXPIRED, "Poll expired")
        msg["poll"]["expiry"] = _iso(datetime.now(UTC))
        msg["poll"]["results"]["is_finalized"] = True
        await self._dispatch_message("MESSAGE_UPDATE", msg)
        return _json(msg)

    def _webhook_payload(self, wid: int) -> Json:
        token, channel, name = self.webhooks[wid]
        return {"id": str(wid), "type": 1, "channel_id": str(channel.id),
                "guild_id": str(channel.guild_id), "name": name, "avatar": None,
                "token": token, "application_id": str(self.application_id),
                "user": self.bot_user.payload()}

    async def _create_webhook(self, request: web.Request) -> web.Response:
        if self.webhooks_forbidden:
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        channel = self._channel(request.match_info["cid"])
        name = request[_BODY].get("name", "webhook")
        wid, _token = self.create_webhook(channel.id, name)
        return _json(self._webhook_payload(wid))

    async def _list_webhooks(self, request: web.Request) -> web.Response:
        if self.webhooks_forbidden:
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        channel = self._channel(request.match_info["cid"])
        return _json([self._webhook_payload(wid) for wid, (_t, ch, _n) in self.webhooks.items()
                      if ch.id == channel.id])

    async def _put_commands(self, request: web.Request) -> web.Response:
        gid = int(request.match_info["gid"]) if "gid" in request.match_info else None
        commands = []
        for command in request[_BODY]:
            if not _COMMAND_NAME.match(command["name"]) or command["name"].lower() != \
                    command["name"] or not 1 <= len(command.get("description", "")) <= 100:
                raise ApiError(400, 50035, f"Invalid Form Body: command {command['name']!r}")
            commands.append({**command, "id": str(self._snowflake()), "version": "1",
                             "application_id": str(self.application_id),
                             **({"guild_id": str(gid)} if gid else {})})
        self.commands[gid] = commands
        return _json(commands)

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self.commands.get(int(request.match_info["gid"]), []))

    def _interaction_for(self, token: str) -> FakeInteraction:
        found = next((i for i in self.interactions.values() if i.token == token), None)
        if found is None:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return found

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(int(request.match_info["iid"]))
        if interaction is None or interaction.token != request.match_info["itoken"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if interaction.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = request[_BODY]
        kind, data = int(body["type"]), body.get("data") or {}
        interaction.callbacks.append(kind)
        message: Json | None = None
        if kind in (4, 5):  # a message now, or a "thinking…" placeholder filled in later
            message = await self._create_message(
                interaction.channel, self.bot_user.payload(), data, via="interaction",
                webhook_id=self.application_id, interaction=interaction,
                flags=(LOADING if kind == 5 else 0) | int(data.get("flags") or 0) & EPHEMERAL)
            interaction.original_id = int(message["id"])
        elif kind == 7 and interaction.message_id in self.messages:  # update the message
            self._edit(self.messages[interaction.message_id], data)
            await self._dispatch_message("MESSAGE_UPDATE", self.messages[interaction.message_id])
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return _json({"interaction": {
            "id": str(interaction.id), "type": interaction.type,
            "response_message_id": message["id"] if message else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL)},
            "resource": {"type": kind, **({"message": message} if message else {})}})

    async def _execute_webhook(self, request: web.Request) -> web.Response:
        wid, token = int(request.match_info["wid"]), request.match_info["wtoken"]
        body = request[_BODY]
        if wid == self.application_id:  # an interaction follow-up
            interaction = self._interaction_for(token)
            if not interaction.callbacks:  # nothing to follow up before the response
                raise ApiError(404, 10015, "Unknown Webhook")
            original = self.messages.get(interaction.original_id or 0)
            if original is not None and original["flags"] & LOADING:
                # Discord: the first follow-up after a deferral fills the "thinking…"
                # response and keeps its visibility (decided at the deferral).
                self._edit(original, body)
                self._record(original, "interaction", body, interaction)
                await self._dispatch_message("MESSAGE_UPDATE", original)
                msg = original
            else:
                msg = await self._create_message(
                    interaction.channel, self.bot_user.payload(), body, via="followup",
                    webhook_id=wid, interaction=interaction,
                    flags=int(body.get("flags") or 0) & EPHEMERAL)
        else:
            if wid not in self.webhooks or self.webhooks[wid][0] != token:
                raise ApiError(404, 10015, "Unknown Webhook")
            _, channel, name = self.webhooks[wid]
            author = {"id": str(wid), "username": body.get("username") or name,
                      "discriminator": "0000", "avatar": None, "bot": True}
            msg = await self._create_message(channel, author, body, via="webhook",
                                             webhook_id=wid)
        if request.query.get("wait") not in ("1", "true", "True"):
            return web.Response(status=204)
        return _json(msg)

    async def _webhook_message(self, request: web.Request) -> web.Response:
        wid, token = int(request.match_info["wid"]), request.match_info["wtoken"]
        mid = request.match_info["mid"]
        interaction: FakeInteraction | None = None
        if wid == self.application_id:
            interaction = self._interaction_for(token)
            message_id = interaction.original_id if mid == "@original" else int(mid)
        elif wid in self.webhooks and self.webhooks[wid][0] == token and mid != "@original":
            message_id = int(mid)
        else:
            raise ApiError(404, 10015, "Unknown Webhook")
        msg = self.messages.get(message_id or 0)
        if msg is None:
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "DELETE":
            await self._remove(msg)
            if interaction is not None and message_id == interaction.original_id:
                interaction.original_deleted = True
            return web.Response(status=204)
        if request.method == "PATCH":
            first_fill = bool(msg["flags"] & LOADING)
            self._edit(msg, request[_BODY])
            if first_fill:  # the deferred "thinking…" response now says something
                self._record(msg, "interaction", request[_BODY], interaction)
            await self._dispatch_message("MESSAGE_UPDATE", msg)
        return _json(msg)


def _validate_components(rows: list[Json]) -> None:
    """Discord's component limits: <= 5 action rows; a row holds <= 5 buttons (labels
    <= 80) or one string select (<= 25 options, labels and values <= 100, values unique);
    custom_ids <= 100 and unique in the message."""
    def invalid(what: str) -> ApiError:
        return ApiError(400, 50035, f"Invalid Form Body: components: {what}")

    if len(rows) > 5:
        raise invalid("more than 5 rows")
    ids: list[str] = []
    for row in rows:
        items = row.get("components", [])
        if row.get("type") != 1 or not 1 <= len(items) <= 5:
            raise invalid("an action row holds 1 to 5 components")
        selects = [c for c in items if c.get("type") == 3]
        if selects and len(items) > 1:
            raise invalid("a select menu fills its row alone")
        for c in items:
            ids.append(c.get("custom_id") or "")
            if not 1 <= len(ids[-1]) <= 100:
                raise invalid("custom_id must have 1 to 100 characters")
            if c.get("type") == 2 and len(c.get("label") or "") > 80:
                raise invalid("button label longer than 80")
            if c.get("type") == 3:
                options = c.get("options") or []
                values = [o.get("value", "") for o in options]
                if not 1 <= len(options) <= 25 or len(set(values)) != len(values) or any(
                        not 1 <= len(o.get("label", "")) <= 100 or not 1 <= len(o.get(
                            "value", "")) <= 100 for o in options):
                    raise invalid("select options")
    if len(set(ids)) != len(ids):
        raise invalid("custom_ids must be unique in a message")


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type.startswith("multipart/"):
        # discord.py's uploads: the JSON in `payload_json`, each file in `files[n]`.
        form = await request.post()
        raw = form.get("payload_json")
        body = json.loads(raw) if isinstance(raw, str) else {}
        uploads = sorted(((key, value) for key, value in form.items()
                          if key.startswith("files[") and isinstance(value, web.FileField)),
                         key=lambda kv: int(kv[0][6:-1]))
        if uploads:
            body[FILES] = [FakeFile(f.filename, f.file.read(),
                                    f.content_type or "application/octet-stream")
                           for _key, f in uploads]
        return body
    text = await request.text()
    return json.loads(text) if text else None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None
          ) -> web.Response:
    # Exactly "application/json": with "; charset=utf-8" discord.py returns the body as text.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def _failure_response(failure: _Failure) -> web.Response:
    if failure.status == 429:
        # Without `Via`, discord.py takes a 429 for a Cloudflare ban and does not retry.
        return _json({"message": failure.message, "retry_after": failure.retry_after,
                      "global": failure.is_global}, 429,
                     {"Via": "1.1 google", "Retry-After": str(max(1, round(failure.retry_after))),
                      "X-RateLimit-Scope": "global" if failure.is_global else "user"})
    return _json({"message": failure.message, "code": failure.code}, failure.status)
