"""The console platform: a real adapter on standard input and output.

It is how a newcomer meets the bot, and how a facilitator rehearses a schedule. Piped
input is processed line by line, each line's replies printed before the next is read.
Lines starting with ':' are console directives (see DIRECTIVES).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.adapters.base import Publish, message_part
from bot.adapters.capabilities import CONSOLE
from bot.args import number
from bot.capabilities import Capabilities
from bot.clock import Clock
from bot.model import (
    Attachment,
    ChatKind,
    ChatRef,
    Event,
    EventKind,
    OutboundMessage,
    Poll,
    UserRef,
)
from bot.render import to_plain

log = logging.getLogger("bot.console")
PLATFORM = "console"
DIRECTIVES = """console directives:
  :as NAME [LANG] [facilitator]   speak as another user
  :chat NAME                      post into the group chat NAME
  :dm                             back to your private chat with the bot
  :advance DURATION               move the clock forward (30m, 2h, 3d, 1w)
  :quit                           leave"""
_DURATION = re.compile(r"^([0-9]{1,6})\s*([smhdw])$")  # 999999w still fits a datetime
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.strip().lower())
    if not match:
        return None
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def absolute(path: str) -> str:
    return str(Path(path).absolute())


@dataclass(frozen=True)
class _ConsolePoll:
    native_id: str
    options: int
    multiple: bool

    def choice(self, line: str) -> list[int] | None:
        """"2" -> [1]; "1,3" -> [0, 2] when several may be chosen; None otherwise."""
        numbers = [number(w.strip(), 1, self.options) for w in re.split("[,،]", line)]
        if None in numbers or (len(numbers) > 1 and not self.multiple):
            return None  # "¹", "9" * 5000: no option's number, as "yes" is not
        return sorted({n - 1 for n in numbers if n is not None})


@dataclass
class ConsoleUser:
    name: str
    language: str | None = None


@dataclass
class ConsoleAdapter:
    user: ConsoleUser
    reader: TextIO = field(default_factory=lambda: sys.stdin)
    writer: TextIO = field(default_factory=lambda: sys.stdout)
    clock: Clock = field(default_factory=Clock)
    # Waits until every reply due has been printed (the outbox drained for the console).
    settle: Callable[[], Awaitable[object]] | None = None
    # Called with a time span by `:advance`, after the clock moved, to run what fell due.
    on_advance: Callable[[timedelta], Awaitable[object]] | None = None
    grant_facilitator: Callable[[str], None] | None = None
    interactive: bool = False

    platform: str = PLATFORM
    # Polls are numbered options; a quiz is for the features to send as buttons.
    capabilities: Capabilities = CONSOLE
    upload_limit: int = 1 << 62  # files are shown by their path, never copied
    _publish: Publish | None = field(default=None, init=False)
    _group: str | None = field(default=None, init=False)
    _joined: set[tuple[str, str]] = field(default_factory=set, init=False)
    _choices: dict[str, list[str]] = field(default_factory=dict, init=False)
    _polls: dict[str, _ConsolePoll] = field(default_factory=dict, init=False)
    _sent: int = field(default=0, init=False)
    _received: int = field(default=0, init=False)

    async def start(self, publish: Publish) -> None:
        self._publish = publish

    async def stop(self) -> None:
        self._publish = None

    # --- outbound -------------------------------------------------------------------
    async def send(self, msg: OutboundMessage) -> str:
        self._sent += 1
        native_id = f"console-{self._sent}"
        label = f"#{msg.chat.title or msg.chat.chat_id.lstrip('#')}" if not msg.chat.is_private \
            else msg.chat.chat_id
        if msg.poll is not None:
            return self._print_poll(msg, msg.poll, label, native_id)
        text = to_plain(msg.text, msg.format)
        if msg.attribution:
            text = f"{msg.attribution}: {text}"
        lines = text.split("\n")
        out = [f"[bot → {label}] {lines[0]}"] + [f"  {line}" for line in lines[1:]]
        # Files stay where they are: the console shows where.
        out += [f"  📎 {absolute(a.path)}" for a in msg.attachments if a.path]
        if msg.buttons:
            flat = [b for row in msg.buttons for b in row]
            self._choices[msg.chat.chat_id] = [b.data for b in flat]
            self._polls.pop(msg.chat.chat_id, None)
            out.append("  " + "   ".join(f"[{i}] {b.label}" for i, b in enumerate(flat, 1)))
        self.writer.write("\n".join(out) + "\n")
        self.writer.flush()
        return native_id

    def _print_poll(self, msg: OutboundMessage, poll: Poll, label: str, native_id: str) -> str:
        """The question, then numbered options like buttons; the number typed next in this
        chat (or "1,3" when several may be chosen) is the answer."""
        lines = poll.question.split("\n")
        out = [f"[bot → {label}] {lines[0]}"] + [f"  {line}" for line in lines[1:]]
        out.append("  " + "   ".join(f"[{i}] {o}" for i, o in enumerate(poll.options, 1)))
        self._polls[msg.chat.chat_id] = _ConsolePoll(native_id, len(poll.options),
                                                     poll.multiple)
        self._choices.pop(msg.chat.chat_id, None)
        self.writer.write("\n".join(out) + "\n")
        self.writer.flush()
        return native_id

    async def edit(self, chat: ChatRef, native_id: str, msg: OutboundMessage) -> None:
        await self.send(msg)

    async def delete(self, chat: ChatRef, native_id: str) -> None:
        self.writer.write(f"[bot deleted message {native_id}]\n")

    async def stop_poll(self, chat: ChatRef, native_id: str) -> None:
        open_poll = self._polls.get(chat.chat_id)
        if open_poll is not None and open_poll.native_id == message_part(native_id):
            del self._polls[chat.chat_id]
        self.writer.write("(poll closed)\n")
        self.writer.flush()

    async def download(self, attachment: Attachment, dest: Path, max_bytes: int
                       ) -> Path | None:
        return None  # nobody sends files on the console

    # --- inbound --------------------------------------------------------------------
    def _chat(self) -> ChatRef:
        if self._group is None:
            return ChatRef(PLATFORM, self.user.name, ChatKind.PRIVATE)
        return ChatRef(PLATFORM, f"#{self._group}", ChatKind.GROUP, title=self._group)

    def _author(self) -> UserRef:
        return UserRef(PLATFORM, self.user.name, self.user.name,
                       language_hint=self.user.language)

    def event_for(self, line: str) -> Event:
        """Turn one typed line into the event a platform would deliver."""
        self._received += 1
        chat = self._chat()
        base = dict(platform=PLATFORM, chat=chat, author=self._author(),
                    timestamp_utc=self.clock.now(), native_id=f"in-{self._received}", text=line)
        open_poll = self._polls.get(chat.chat_id)
        chosen = open_poll.choice(line) if open_poll is not None else None
        if open_poll is not None and chosen is not None:
            base["text"] = "add"
            return Event(kind=EventKind.POLL_ANSWER, poll_id=open_poll.native_id,
                         option_ids=chosen, **base)
        choices = self._choices.get(chat.chat_id)
        chosen_button = number(line, 1, len(choices)) if choices else None
        if line.isdigit() and chosen_button is not None:
            return Event(kind=EventKind.CALLBACK, callback_data=choices[chosen_button - 1],
                         **base)
        if line.startswith("/") and len(line) > 1:
            name, *args = line[1:].split()
            return Event(kind=EventKind.COMMAND, command=name.lower(), args=args, **base)
        return Event(kind=EventKind.MESSAGE, **base)

    async def _directive(self, line: str) -> bool:
        """Apply a `:` directive; False means quit."""
        word, *rest = line[1:].split()
        if word == "quit":
            return False
        if word == "as" and rest:
            self.user = ConsoleUser(rest[0], next((r for r in rest[1:] if len(r) == 2), None))
            if "facilitator" in rest[1:] and self.grant_facilitator:
                self.grant_facilitator(rest[0])
            self._group = None
        elif word == "chat" and rest:
            self._group = rest[0].lstrip("#")
            key = (self.user.name, self._group)
            if key not in self._joined:
                self._joined.add(key)
                await self._emit(Event(kind=EventKind.MEMBER_JOINED, platform=PLATFORM,
                                       chat=self._chat(), author=self._author(),
                                       timestamp_utc=self.clock.now()))
        elif word == "dm":
            self._group = None
        elif word == "advance" and rest and (delta := parse_duration(rest[0])) is not None:
            self.clock.advance(delta)
            if self.on_advance:
                await self.on_advance(delta)
            await self._settle()
        else:
            print(f"unknown or incomplete directive: {line}\n{DIRECTIVES}", file=sys.stderr)
        return True

    async def _emit(self, event: Event) -> None:
        if self._publish is None:
            raise RuntimeError("console adapter not started")
        await self._publish(event)
        await self._settle()

    async def _settle(self) -> None:
        if self.settle is not None:
            await self.settle()

    async def run(self) -> None:
        """Read lines until end of input or `:quit`."""
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def pump() -> None:  # a daemon thread, so a blocked read never holds up exit
            for raw in self.reader:
                loop.call_soon_threadsafe(lines.put_nowait, raw)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=pump, name="console-input", daemon=True).start()
        while True:
            if self.interactive:
                where = f"#{self._group}" if self._group else "dm"
                self.writer.write(f"{self.user.name}@{where}> ")
                self.writer.flush()
            raw = await lines.get()
            if raw is None:
                break
            line = raw.strip()
            if not line:
                continue
            if line.startswith(":"):
                if not await self._directive(line):
                    break
                continue
            await self._emit(self.event_for(line))
        await self._settle()
