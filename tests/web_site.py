"""The web side under aiohttp's test client: a bot on the console platform with [web]
enabled, and a client that logs in with the link /dashboard sends (tests/test_web_*.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import FEATURES
from bot.web.server import build_app
from tests.harness import ConsoleHarness, demo_cohort, open_console

WEB = {"enabled": True, "port": 0}
LINK = re.compile(r"(https?://\S+)/dashboard/login\?t=(\S+)")


@dataclass
class Site:
    h: ConsoleHarness
    client: TestClient[web.Request, web.Application]

    async def login(self, user: str, chat: str | None = None) -> aiohttp.ClientResponse:
        """`user` types /dashboard (in `chat`, else privately) and uses the link."""
        token = await self.link(user, chat)
        return await self.client.post("/dashboard/login", data={"t": token},
                                      allow_redirects=False)

    async def link(self, user: str, chat: str | None = None) -> str:
        self.h.adapter._group = chat
        try:
            replies = await self.h.send(user, "/dashboard", language="en")
        finally:
            self.h.adapter._group = None
        found = [LINK.search(r.text) for r in replies if r.chat_id == user]
        tokens = [m.group(2) for m in found if m]
        assert tokens, [r.text for r in replies]
        return tokens[0]

    async def page(self, path: str, status: int = 200, **headers: str) -> str:
        response = await self.client.get(path, headers=headers, allow_redirects=False)
        text = await response.text()
        assert response.status == status, (path, response.status, text[:300])
        return text

    async def csrf(self, path: str = "/dashboard/practices") -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', await self.page(path))
        assert match
        return match.group(1)


@asynccontextmanager
async def site(tmp_path: Path, facilitators: tuple[str, ...] = ("fac",),
               features: tuple[ModuleType, ...] = FEATURES, **sections: object
               ) -> AsyncIterator[Site]:
    sections = {"cohorts": [demo_cohort()], "web": WEB, **sections}
    async with open_console(tmp_path, facilitators=facilitators, features=features,
                            **sections) as h:
        assert h.bot.web is not None
        app = build_app(h.bot.services, h.bot.web.access, h.bot.registry.web)
        async with TestClient(TestServer(app)) as client:
            yield Site(h, client)


# --- login links and sessions ----------------------------------------------------------
