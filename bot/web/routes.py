"""The web routes features add in their `setup()`, as commands go in the command registry:
`registry.web.get("/practices", page)`, and the folder of their templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: PageHandler
    name: str


@dataclass
class WebRoutes:
    routes: list[Route] = field(default_factory=list)
    # Template folders by prefix: "dashboard/progress.html" is read from templates["dashboard"].
    templates: dict[str, Path] = field(default_factory=dict)

    def get(self, path: str, handler: PageHandler, name: str) -> None:
        self._add("GET", path, handler, name)

    def post(self, path: str, handler: PageHandler, name: str) -> None:
        self._add("POST", path, handler, name)

    def _add(self, method: str, path: str, handler: PageHandler, name: str) -> None:
        if any(r.name == name for r in self.routes):
            raise ValueError(f"web route {name!r} is registered twice")
        self.routes.append(Route(method, path, handler, name))

    def add_templates(self, prefix: str, folder: Path) -> None:
        if prefix in self.templates:
            raise ValueError(f"template prefix {prefix!r} is registered twice")
        self.templates[prefix] = folder
