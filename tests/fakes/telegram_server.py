"""A small, faithful fake of the Telegram Bot API on 127.0.0.1, for tests.

The real python-telegram-bot talks to it over HTTP exactly as it talks to Telegram (see
/work/shared/reference/PLATFORMS.md): every method is a POST to `/bot<token>/<method>`,
form-encoded (multipart with files), nested objects as JSON strings; the answer is
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`.

What it checks like Telegram does, so tests catch real mistakes: the token (401), the
chat (400 "chat not found"; 403 for a user who blocked the bot), Telegram HTML (unknown
tags and unbalanced tags are refused; the stored text is what a person sees, tags
stripped and entities decoded), text length (4096 after parsing, captions 1024),
callback data (64 bytes), command names in setMyCommands, and the Bot API 10.0 fields
PTB 22.8 insists on (PollOption.persistent_id, Poll.allows_revoting, Poll.members_only).

Test-facing API, in short:
    async with FakeTelegram() as tg:            # binds 127.0.0.1 port 0
        alice = tg.add_user("Alice", language_code="fr")
        group = tg.add_group("Cohort 1")
        tg.push_text(alice, "hello")             # or push_command / press_button /
                                                 # add_member / edit_text / vote
        await tg.wait_for(lambda: tg.bot_messages(alice))
        tg.calls_to("sendMessage")               # every call the bot made, params decoded
        tg.fail_next("sendMessage", status=429, retry_after=1)
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, TypeVar

from aiohttp import web

from tests.fakes.telegram_limits import FloodLimits, retry_after_seconds
from tests.fakes.telegram_webhooks import WebhookSender

TOKEN = "123:TEST"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MB = 1024 * 1024
UPLOAD_LIMIT = 50 * MB  # what a bot may upload (multipart)
PHOTO_LIMIT = 10 * MB  # sendPhoto
DOWNLOAD_LIMIT = 20 * MB  # what getFile serves to a bot
# Values that are text even when they look like JSON ("123", "true").
_TEXT_PARAMS = {"text", "caption", "question", "parse_mode", "callback_query_id",
                "language_code", "description", "short_description", "explanation", "url",
                "title", "emoji", "name", "poll_id", "inline_message_id", "file_id",
                "secret_token"}
_DEFAULT_ALLOWED = {"message", "edited_message", "channel_post", "edited_channel_post",
                    "callback_query", "poll", "poll_answer", "my_chat_member",
                    "inline_query", "chosen_inline_result", "shipping_query",
                    "pre_checkout_query", "chat_join_request"}
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_ENTITY_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic",
                "u": "underline", "ins": "underline", "s": "strikethrough",
                "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
                "code": "code", "pre": "pre", "blockquote": "blockquote", "a": "text_link",
                "span": "spoiler", "tg-emoji": "custom_emoji"}

_METHODS = ("getMe", "logOut", "close", "deleteWebhook", "setWebhook", "getWebhookInfo",
            "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup",
            "deleteMessage", "sendPoll", "stopPoll", "answerCallbackQuery", "setMyCommands",
            "getMyCommands", "deleteMyCommands", "setChatMenuButton", "getChatMenuButton",
            "sendDocument", "sendPhoto", "getFile", "sendChatAction", "leaveChat")

T = TypeVar("T")
Json = dict[str, Any]
UserLike = Json | int


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> Json:
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Upload:
    file_name: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Call:
    """One request the bot made: the method as sent and its decoded parameters."""

    method: str
    params: Json
    files: dict[str, Upload] = field(default_factory=dict)
    status: int = 200
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class _Cut:
    method: str  # lower case
    times: int  # calls still to cut
    after: float  # seconds before the connection is dropped


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int
    after: int


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Telegram's HTML parse mode: a few tags, four named entities, nothing else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text = ""
        self.entities: list[Json] = []
        self._open: list[tuple[str, Json, int]] = []

    def _fail(self, problem: str) -> None:
        raise ApiError(400, f"Bad Request: can't parse entities: {problem}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag not in _ENTITY_TAGS or (tag == "span" and values.get("class") != "tg-spoiler"):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {utf16_len(self.text)}')
        self._open.append((tag, values, utf16_len(self.text)))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            self._fail(f'Unmatched end tag at byte offset {utf16_len(self.text)}, '
                       f'expected "</{self._open[-1][0] if self._open else ""}>", found "</{tag}>"')
        name, attrs, start = self._open.pop()
        length = utf16_len(self.text) - start
        kind = _ENTITY_TAGS[name]
        if length == 0 or (name == "code" and any(t == "pre" for t, _a, _s in self._open)):
            return
        entity: Json = {"type": kind, "offset": start, "length": length}
        if kind == "text_link":
            entity["url"] = attrs.get("href", "")
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id", "")
        elif kind == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data or "&" in data:
            self._fail("character '<', '>' or '&' must be escaped")
        self.text += data

    def handle_entityref(self, name: str) -> None:
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            self._fail(f'Unsupported HTML entity "&{name};"')
        self.text += named[name]

    def handle_charref(self, name: str) -> None:
        self.text += chr(int(name[1:], 16) if name[:1] in "xX" else int(name))

    def finish(self) -> tuple[str, list[Json]]:
        self.close()
        if self.rawdata:
            self._fail("unfinished tag or entity")
        if self._open:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"')
        return self.text, sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


def parse_formatted(text: str, parse_mode: str | None,
                    entities: list[Json] | None = None) -> tuple[str, list[Json]]:
    """What a person sees (text) and the formatting (entities), as Telegram stores them."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parser = _TelegramHTML()
        parser.feed(text)
        return parser.finish()
    if mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r} in this fake")
    return text, list(entities or [])


class FakeTelegram:
    """The fake server. Use as an async context manager, or call start() and stop()."""

    def __init__(self, token: str = TOKEN, username: str = "sstc_test_bot"):
        self.token = token
        self.bot_user: Json = {
            "id": int(token.split(":")[0]), "is_bot": True, "first_name": "SSTC Bot",
            "username": username, "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False,
        }
        self.users: dict[int, Json] = {}
        self.chats: dict[int, Json] = {}
        self.messages: dict[int, list[Json]] = {}  # per chat, everybody's, in order
        self.deleted: list[tuple[int, int]] = []  # (chat id, message id) the bot deleted
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[Json]] = {}  # (scope, language) -> menu
        self.callback_answers: dict[str, Json] = {}  # query id -> the bot's answer
        self.files: dict[str, Upload] = {}
        self.blocked: set[int] = set()
        # poll id -> voter id -> their current choice (what the counts are made of)
        self.poll_choices: dict[str, dict[int, list[int]]] = {}
        self.updates: list[Json] = []  # not yet confirmed by an offset
        self.delivered_update_id = 0  # highest update id handed out by getUpdates
        self.allowed_updates: set[str] = set(_DEFAULT_ALLOWED)
        self.default_allowed = frozenset(_DEFAULT_ALLOWED)
        # setWebhook: updates are POSTed to the bot instead (tests/fakes/telegram_webhooks.py)
        self.webhooks = WebhookSender(self)
        self.url = ""
        self._failures: list[_Failure] = []
        self._cuts: list[_Cut] = []
        # Telegram's flood limits, when a test or benchmark turns them on.
        self.limits: FloodLimits | None = None
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._other_ids = itertools.count(1_000_001)
        self._changed = asyncio.Event()
        self._poller = 0
        self._closing = False
        self.hang_downloads = False  # file downloads never answer (a stuck file server)
        self.downloads = 0  # file downloads asked for
        self._runner: web.AppRunner | None = None
        self._queries: set[str] = set()  # callback queries not yet answered
        self._methods: dict[str, tuple[str, Callable[[Json, dict[str, Upload]], Any]]] = {
            name.lower(): (name, getattr(self, f"_{name}")) for name in _METHODS}

    # --- lifecycle --------------------------------------------------------------------
    @property
    def api_base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=2 * UPLOAD_LIMIT)  # uploads: checked per method
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        await self.webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- test-facing: people, chats, what they do --------------------------------------
    def add_user(self, first_name: str, *, user_id: int | None = None,
                 last_name: str | None = None, username: str | None = None,
                 language_code: str | None = None, is_bot: bool = False) -> Json:
        """A Telegram account (created or updated) and its private chat with the bot."""
        uid = user_id if user_id is not None else next(self._other_ids)
        user: Json = {"id": uid, "is_bot": is_bot, "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username),
                           ("language_code", language_code)):
            if value is not None:
                user[key] = value
        self.users[uid] = user
        chat = {k: v for k, v in user.items() if k in ("first_name", "last_name", "username")}
        self.chats[uid] = {"id": uid, "type": "private", **chat}
        return user

    def add_group(self, title: str, *, chat_id: int | None = None,
                  kind: str = "supergroup") -> Json:
        cid = chat_id if chat_id is not None else -1_000_000_000_000 - next(self._other_ids)
        self.chats[cid] = {"id": cid, "type": kind, "title": title}
        return self.chats[cid]

    def block(self, user: UserLike) -> None:
        """The person blocks the bot: sending to them answers 403 from now on."""
        self.blocked.add(self._id(user))

    def push_text(self, user: UserLike, text: str, chat: Json | int | None = None, *,
                  reply_to: Json | None = None) -> Json:
        """`user` writes `text` (in their private chat, or `chat`); commands get their
        bot_command entities as a Telegram client adds them. Returns the message."""
        entities = [{"type": "bot_command", "offset": utf16_len(text[:m.start()]),
                     "length": utf16_len(m.group())} for m in _COMMAND.finditer(text)]
        extra: Json = {"text": text}
        if entities:
            extra["entities"] = entities
        if reply_to is not None:
            extra["reply_to_message"] = reply_to
        message = self._store(self._chat(chat if chat is not None else user),
                              self._user(user), **extra)
        self.push_update("message", message)
        return message

    def push_file(self, user: UserLike, kind: str, file_name: str, content: bytes,
                  chat: Json | int | None = None, *, caption: str | None = None,
                  content_type: str = "application/octet-stream") -> Json:
        """`user` sends a photo (kind "photo": two sizes, as Telegram makes them) or a
        document; the bot can fetch it with getFile. Returns the message."""
        file_id = f"file{next(self._other_ids)}"
        self.files[file_id] = Upload(file_name, content, content_type)
        meta = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(content)}
        extra: Json = ({"photo": [{**meta, "file_id": f"{file_id}-thumb", "width": 90,
                                   "height": 90, "file_size": 1000},
                                  {**meta, "width": 800, "height": 600}]}
                       if kind == "photo" else
                       {"document": {**meta, "file_name": file_name, "mime_type": content_type}})
        if caption is not None:
            extra["caption"] = caption
        message = self._store(self._chat(chat if chat is not None else user),
                              self._user(user), **extra)
        self.push_update("message", message)
        return message

    def push_command(self, user: UserLike, command: str, args: str = "",
                     chat: Json | int | None = None, *, to_bot: str | None = None) -> Json:
        text = f"/{command}" + (f"@{to_bot}" if to_bot else "") + (f" {args}" if args else "")
        return self.push_text(user, text, chat)

    def press_button(self, user: UserLike, message: Json, data: str) -> str:
        """`user` presses the inline button carrying `data` on `message`; returns the
        callback query id. Only buttons that are really there can be pressed."""
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if not any(b.get("callback_data") == data for row in rows for b in row):
            raise ValueError(f"message {message['message_id']} has no button {data!r}")
        query_id = str(next(self._other_ids))
        self._queries.add(query_id)
        self.push_update("callback_query", {
            "id": query_id, "from": self._user(user), "message": message,
            "chat_instance": str(message["chat"]["id"]), "data": data})
        return query_id

    def press_forged(self, user: UserLike, message: Json, data: str) -> str:
        """What a modified client can send: a callback query with any `data` on `message`
        (Telegram does not check callback_data against the message's buttons)."""
        query_id = str(next(self._other_ids))
        self._queries.add(query_id)
        self.push_update("callback_query", {
            "id": query_id, "from": self._user(user), "message": message,
            "chat_instance": str(message["chat"]["id"]), "data": data})
        return query_id

    def add_member(self, chat: Json | int, *users: UserLike, by: UserLike | None = None
                   ) -> Json:
        members = [self._user(u) for u in users]
        message = self._store(self._chat(chat), self._user(by) if by else members[0],
                              new_chat_members=members)
        self.push_update("message", message)
        return message

    def edit_text(self, user: UserLike, message: Json, text: str) -> Json:
        message.update(text=text, edit_date=int(time.time()))
        self.push_update("edited_message", message)
        return message

    def vote(self, user: UserLike, poll_message: Json, option_ids: list[int]) -> None:
        """`user` votes: their whole choice, replacing any earlier one (an empty list
        retracts the vote), and the poll's counts change, as on Telegram. Then, as on
        Telegram: a poll_answer update for a non-anonymous poll, and a poll update (the
        poll's new state, with its counts) for a poll the bot sent."""
        poll = poll_message["poll"]
        if poll["is_closed"]:
            raise ValueError("the poll is closed")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("the poll takes one answer")
        if len(set(option_ids)) != len(option_ids) or \
                not all(0 <= i < len(poll["options"]) for i in option_ids):
            raise ValueError(f"no such options: {option_ids}")
        choices = self.poll_choices.setdefault(poll["id"], {})
        uid = self._id(user)
        for i in choices.pop(uid, []):
            poll["options"][i]["voter_count"] -= 1
        if option_ids:
            choices[uid] = list(option_ids)
        for i in option_ids:
            poll["options"][i]["voter_count"] += 1
        poll["total_voter_count"] = len(choices)
        if not poll["is_anonymous"]:
            self.push_update("poll_answer", {
                "poll_id": poll["id"], "user": self._user(user), "option_ids": option_ids,
                "option_persistent_ids": [poll["options"][i]["persistent_id"]
                                          for i in option_ids]})
        self._poll_changed(poll_message)

    def _poll_changed(self, poll_message: Json) -> None:
        """Telegram sends a poll's new state to the bot that sent it (only to it)."""
        if poll_message.get("from", {}).get("id") == self.bot_user["id"]:
            self.push_update("poll", poll_message["poll"])

    def push_update(self, kind: str, payload: Json) -> int:
        """Queue an update; it carries a snapshot of `payload` as it is now."""
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: copy.deepcopy(payload)})
        self._notify()
        return update_id

    @property
    def last_update_id(self) -> int:
        return max((u["update_id"] for u in self.updates), default=self.delivered_update_id)

    def fail_next(self, method: str, *, status: int = 429, retry_after: int | None = None,
                  description: str | None = None, times: int = 1,
                  chat_id: int | None = None, after: int = 0) -> None:
        """Answer `times` calls of `method` (to `chat_id`, if given), once `after` such
        calls went through, with an error: 429 (with `retry_after`), 403, 400, 500..."""
        default = {429: "Too Many Requests: retry after {}", 403: "Forbidden: bot was "
                   "blocked by the user", 400: "Bad Request", 500: "Internal Server Error"}
        text = description or default.get(status, "Error").format(retry_after)
        if status == 429 and retry_after is None:
            retry_after = 1
        self._failures.append(_Failure(method.lower(), status, text, retry_after, chat_id,
                                       times, after))

    def cut_next(self, method: str, *, times: int = 1, after: float = 0.2) -> None:
        """Drop the connection of the next `times` calls of `method` after `after` seconds,
        unanswered and unprocessed: a long poll cut by the network (small `after`), or a
        request that stalls until the client gives up (large `after`)."""
        self._cuts.append(_Cut(method.lower(), times, after))

    # --- test-facing: what the bot did -------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def bot_messages(self, chat: Json | int) -> list[Json]:
        """Messages the bot sent into `chat` (a user means their private chat)."""
        bot_id = self.bot_user["id"]
        return [m for m in self.messages.get(self._id(chat), [])
                if m.get("from", {}).get("id") == bot_id]

    async def wait_for(self, predicate: Callable[[], T],
                       timeout: float = 5.0) -> T:  # noqa: ASYNC109 - the tests' idiom
        """Wait until `predicate()` is truthy and return its value; fail after `timeout`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (value := predicate()):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.005)
        return value

    # --- HTTP -------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        params, files = await _read_params(request)
        key = request.match_info["method"].lower()
        name, method = self._methods.get(key, (request.match_info["method"], None))
        call = Call(name, params, files)
        self.calls.append(call)
        cut = next((c for c in self._cuts if c.method == key and c.times > 0), None)
        if cut is not None:
            cut.times -= 1
            call.status = 0  # (set first: the client may hang up and cancel this handler)
            await asyncio.sleep(cut.after)
            if request.transport is not None:
                request.transport.close()  # no answer ever reaches the bot
            return web.Response(status=500)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            self._injected_failure(key, params)
            self._flood_check(key, params)
            if method is None:
                raise ApiError(400, "Bad Request: method not found")
            result = method(params, files)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            call.status = exc.status
            return web.json_response(exc.body(), status=exc.status)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        self.downloads += 1
        if self.hang_downloads:
            await asyncio.Event().wait()  # until the client gives up or the server stops
        upload = self.files.get(request.match_info["path"].rsplit("/", 1)[-1])
        if upload is None:
            return web.Response(status=404)
        return web.Response(body=upload.content, content_type=upload.content_type)

    def _injected_failure(self, method: str, params: Json) -> None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, params.get("chat_id")):
                if failure.after > 0:
                    failure.after -= 1
                    return
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                raise ApiError(failure.status, failure.description, failure.retry_after)

    def _flood_check(self, method: str, params: Json) -> None:
        if self.limits is None:
            return
        chat_id = str(params.get("chat_id", ""))
        chat = self.chats.get(int(chat_id)) if chat_id.lstrip("-").isdigit() else None
        is_group = bool(chat) and chat.get("type") in ("group", "supergroup")  # type: ignore[union-attr]
        wait = self.limits.check(method, chat_id, is_group)
        if wait is not None:
            retry = retry_after_seconds(wait)
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)

    def changed_event(self) -> asyncio.Event:
        """Set at the next change (an update queued, a call answered)."""
        return self._changed

    def notify(self) -> None:
        self._notify()

    def _notify(self) -> None:
        # Wake every waiter: each holds the old event; later waiters get a fresh one.
        self._changed.set()
        self._changed = asyncio.Event()

    # --- methods ----------------------------------------------------------------------
    def _getMe(self, p: Json, f: dict[str, Upload]) -> Json:
        return self.bot_user

    def _logOut(self, p: Json, f: dict[str, Upload]) -> bool:
        return True

    _close = _sendChatAction = _leaveChat = _logOut

    async def _setWebhook(self, p: Json, f: dict[str, Upload]) -> bool:
        return await self.webhooks.set(p, ApiError)

    async def _deleteWebhook(self, p: Json, f: dict[str, Upload]) -> bool:
        return await self.webhooks.delete(p)

    def _getWebhookInfo(self, p: Json, f: dict[str, Upload]) -> Json:
        return self.webhooks.info()

    async def _getUpdates(self, p: Json, f: dict[str, Upload]) -> list[Json]:
        if self.webhooks.hook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        offset = p.get("offset")
        if isinstance(offset, int):
            self.updates = (self.updates[offset:] if offset < 0 else
                            [u for u in self.updates if u["update_id"] >= offset])
        if p.get("allowed_updates") is not None:
            self.allowed_updates = set(p["allowed_updates"]) or set(_DEFAULT_ALLOWED)
        limit = min(100, max(1, int(p.get("limit", 100))))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(p.get("timeout", 0))
        # A newer getUpdates ends an older one with 409, as on Telegram.
        self._poller += 1
        me = self._poller
        self._notify()
        while True:
            batch = [u for u in self.updates if self.allowed_updates & u.keys()][:limit]
            if batch:
                self.delivered_update_id = max(self.delivered_update_id,
                                               batch[-1]["update_id"])
                return batch
            if me != self._poller:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            remaining = deadline - loop.time()
            if self._closing or remaining <= 0:
                return []
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass

    def _sendMessage(self, p: Json, f: dict[str, Upload]) -> Json:
        chat = self._target(p)
        text, entities = parse_formatted(p.get("text", ""), p.get("parse_mode"),
                                         p.get("entities"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return self._store(chat, self.bot_user, **self._outgoing(chat, p, text=text,
                                                                 entities=entities))

    def _editMessageText(self, p: Json, f: dict[str, Upload]) -> Json:
        message = self._bot_message(p, "edit")
        text, entities = parse_formatted(p.get("text", ""), p.get("parse_mode"),
                                         p.get("entities"))
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = self._markup(p)
        if (text, entities, markup) == (message.get("text"), message.get("entities", []),
                                        message.get("reply_markup")):
            raise ApiError(400, "Bad Request: message is not modified: specified new "
                                "message content and reply markup of the specified message "
                                "are exactly the same as a current content and reply markup "
                                "of the message")
        message.update(text=text, entities=entities, edit_date=int(time.time()))
        _set_or_drop(message, "reply_markup", markup)
        return message

    def _editMessageReplyMarkup(self, p: Json, f: dict[str, Upload]) -> Json:
        message = self._bot_message(p, "edit")
        _set_or_drop(message, "reply_markup", self._markup(p))
        return message

    def _deleteMessage(self, p: Json, f: dict[str, Upload]) -> bool:
        chat_id = self._target(p)["id"]
        found = [m for m in self.messages.get(chat_id, [])
                 if m["message_id"] == p.get("message_id")]
        if not found:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.messages[chat_id].remove(found[0])
        self.deleted.append((chat_id, found[0]["message_id"]))
        return True

    def _sendPoll(self, p: Json, f: dict[str, Upload]) -> Json:
        chat = self._target(p)
        question = p.get("question", "")
        options = [o if isinstance(o, str) else o.get("text", "") for o in p.get("options", [])]
        if not 1 <= len(question) <= 300:
            raise ApiError(400, "Bad Request: POLL_QUESTION_INVALID")
        if not 2 <= len(options) <= 12 or not all(1 <= len(o) <= 100 for o in options):
            raise ApiError(400, "Bad Request: POLL_ANSWERS_INVALID")
        correct = p.get("correct_option_ids")
        if "correct_option_id" in p:  # the pre-9.6 spelling
            correct = [p["correct_option_id"]]
        if p.get("type") == "quiz":
            if not correct or not all(isinstance(i, int) and 0 <= i < len(options)
                                      for i in correct):
                raise ApiError(400, "Bad Request: wrong correct option ID specified")
        elif correct:
            raise ApiError(400, "Bad Request: correct option IDs can be specified only "
                                "for quizzes")
        if len(p.get("explanation", "")) > 200:
            raise ApiError(400, "Bad Request: explanation is too long")
        if "open_period" in p and not 5 <= int(p["open_period"]) <= 600:
            raise ApiError(400, "Bad Request: wrong open period specified")
        poll_id = str(next(self._other_ids))
        poll: Json = {
            "id": poll_id, "question": question, "total_voter_count": 0, "is_closed": False,
            "options": [{"text": o, "voter_count": 0, "persistent_id": str(i)}
                        for i, o in enumerate(options)],
            "is_anonymous": p.get("is_anonymous", True), "type": p.get("type", "regular"),
            "allows_multiple_answers": p.get("allows_multiple_answers", False),
            "allows_revoting": p.get("allows_revoting", True),
            "members_only": p.get("members_only", False),
        }
        for key in ("open_period", "close_date", "explanation"):
            if key in p:
                poll[key] = p[key]
        if correct:
            poll["correct_option_ids"] = correct
        return self._store(chat, self.bot_user, **self._outgoing(chat, p, poll=poll))

    def _stopPoll(self, p: Json, f: dict[str, Upload]) -> Json:
        message = self._bot_message(p, "stop")
        if "poll" not in message:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        message["poll"]["is_closed"] = True
        self._poll_changed(message)
        return message["poll"]

    def _answerCallbackQuery(self, p: Json, f: dict[str, Upload]) -> bool:
        query_id = p.get("callback_query_id", "")
        if query_id not in self._queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout "
                                "expired or query ID is invalid")
        self._queries.discard(query_id)
        self.callback_answers[query_id] = p
        return True

    def _setMyCommands(self, p: Json, f: dict[str, Upload]) -> bool:
        commands = p.get("commands", [])
        for c in commands:
            if not _COMMAND_NAME.match(c.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(c.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[_menu_key(p)] = commands
        return True

    def _getMyCommands(self, p: Json, f: dict[str, Upload]) -> list[Json]:
        return self.commands.get(_menu_key(p), [])

    def _deleteMyCommands(self, p: Json, f: dict[str, Upload]) -> bool:
        self.commands.pop(_menu_key(p), None)
        return True

    _setChatMenuButton = _logOut

    def _getChatMenuButton(self, p: Json, f: dict[str, Upload]) -> Json:
        return {"type": "commands"}

    def _sendDocument(self, p: Json, f: dict[str, Upload]) -> Json:
        return self._send_file("document", p, f)

    def _sendPhoto(self, p: Json, f: dict[str, Upload]) -> Json:
        return self._send_file("photo", p, f)

    def _getFile(self, p: Json, f: dict[str, Upload]) -> Json:
        upload = self.files.get(p.get("file_id", ""))
        if upload is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(upload.content) > DOWNLOAD_LIMIT:  # bots may download 20 MB at most
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": p["file_id"], "file_unique_id": p["file_id"],
                "file_size": len(upload.content), "file_path": f"documents/{p['file_id']}"}

    # --- helpers ----------------------------------------------------------------------
    def _send_file(self, kind: str, p: Json, f: dict[str, Upload]) -> Json:
        chat = self._target(p)
        upload = f.get(kind)
        if upload is None:  # a file_id of something sent before
            upload = self.files.get(str(p.get(kind)))
            if upload is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        elif len(upload.content) > UPLOAD_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo" and len(upload.content) > PHOTO_LIMIT:
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        file_id = f"file{next(self._other_ids)}"
        self.files[file_id] = upload
        meta = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(upload.content)}
        media: Any = ([{**meta, "width": 1, "height": 1}] if kind == "photo" else
                      {**meta, "file_name": upload.file_name, "mime_type": upload.content_type})
        extra: Json = {kind: media}
        if "caption" in p:
            caption, entities = parse_formatted(p["caption"], p.get("parse_mode"),
                                                p.get("caption_entities"))
            if len(caption) > CAPTION_LIMIT:
                raise ApiError(400, "Bad Request: message caption is too long")
            extra.update(caption=caption, caption_entities=entities)
        return self._store(chat, self.bot_user, **self._outgoing(chat, p, **extra))

    def _outgoing(self, chat: Json, p: Json, **fields: Any) -> Json:
        """The parts of a bot's message common to every send method."""
        fields = {k: v for k, v in fields.items() if v not in (None, [])}
        markup = self._markup(p)
        if markup:
            fields["reply_markup"] = markup
        reply = p.get("reply_parameters") or {}
        if "reply_to_message_id" in p:
            reply = {"message_id": p["reply_to_message_id"]}
        if reply:
            found = [m for m in self.messages.get(chat["id"], [])
                     if m["message_id"] == reply.get("message_id")]
            if found:
                fields["reply_to_message"] = dict(found[0])
            elif not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        if p.get("link_preview_options"):
            fields["link_preview_options"] = p["link_preview_options"]
        if p.get("message_thread_id"):
            fields.update(message_thread_id=p["message_thread_id"], is_topic_message=True)
        return fields

    def _markup(self, p: Json) -> Json | None:
        markup = p.get("reply_markup")
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the "
                                        "inline keyboard")
        return markup

    def _store(self, chat: Json, sender: Json, **fields: Any) -> Json:
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message: Json = {"message_id": next(counter), "date": int(time.time()),
                         "chat": chat, "from": sender, **fields}
        self.messages.setdefault(chat["id"], []).append(message)
        return message

    def _target(self, p: Json) -> Json:
        chat_id = p.get("chat_id")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat["id"] in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _bot_message(self, p: Json, verb: str) -> Json:
        self._target(p)
        for m in self.messages.get(p["chat_id"], []):
            if m["message_id"] == p.get("message_id"):
                if m["from"]["id"] != self.bot_user["id"]:
                    raise ApiError(400, f"Bad Request: message can't be {verb}ed")
                return m
        raise ApiError(400, f"Bad Request: message to {verb} not found")

    def _user(self, user: UserLike) -> Json:
        return user if isinstance(user, dict) else self.users[user]

    def _chat(self, chat: Json | int) -> Json:
        return self.chats[self._id(chat)]

    @staticmethod
    def _id(thing: Json | int) -> int:
        return thing if isinstance(thing, int) else int(thing["id"])


def _set_or_drop(message: Json, key: str, value: Any) -> None:
    if value:
        message[key] = value
    else:
        message.pop(key, None)


def _menu_key(p: Json) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.get("language_code", "")


async def _read_params(request: web.Request) -> tuple[Json, dict[str, Upload]]:
    """Form fields as Telegram reads them: JSON where it parses, text where it must stay
    text; uploaded files apart."""
    params: Json = {}
    files: dict[str, Upload] = {}
    if request.content_type == "application/json":
        return dict(await request.json()), files
    form = await request.post() if request.can_read_body else {}
    for key, value in [*request.query.items(), *form.items()]:
        if isinstance(value, web.FileField):
            files[key] = Upload(value.filename, value.file.read(),
                                value.content_type or "application/octet-stream")
        elif key in _TEXT_PARAMS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    return params, files
