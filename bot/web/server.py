"""The web server, in the bot's process and event loop: started after the services, stopped
before the database closes. A port that cannot be opened is logged and the bot runs on
without its web side (the chat platforms matter more)."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.i18n import _, format_datetime, format_number, ngettext
from bot.services import Services
from bot.web.access import WebAccess
from bot.web.middleware import pages_middleware
from bot.web.pages import ACCESS, SERVICES
from bot.web.routes import WebRoutes

log = logging.getLogger("bot.web")
HERE = Path(__file__).resolve().parent


def translate(message: str, /, **values: object) -> str:
    """`_()` in templates: the bot's catalogs, `{placeholders}` filled as in the code."""
    text = _(message)
    return text.format(**values) if values else text


def translate_plural(singular: str, plural: str, n: int, /, **values: object) -> str:
    return ngettext(singular, plural, n).format(n=n, **values)


def build_app(services: Services, access: WebAccess, routes: WebRoutes) -> web.Application:
    app = web.Application(middlewares=[pages_middleware], client_max_size=64 * 1024)
    app[SERVICES] = services
    app[ACCESS] = access
    folders = {"web": HERE / "templates", **routes.templates}
    loader = jinja2.PrefixLoader({p: jinja2.FileSystemLoader(f) for p, f in folders.items()})
    env = aiohttp_jinja2.setup(
        app, loader=loader,
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(_=translate, ngettext=translate_plural, number=format_number,
                       datetime=format_datetime)
    app.router.add_static("/static", HERE / "static", name="static")
    for route in routes.routes:
        app.router.add_route(route.method, route.path, route.handler, name=route.name)
    return app


class WebServer:
    def __init__(self, services: Services, access: WebAccess, routes: WebRoutes):
        self.services = services
        self.access = access
        self.app = build_app(services, access, routes)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> bool:
        """Listen on [web] host:port; False (logged) when that is impossible."""
        section = self.services.config.web
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False,
                               shutdown_timeout=2)
        await runner.setup()
        try:
            await web.TCPSite(runner, section.host, section.port).start()
        except OSError as exc:
            log.error("cannot listen on %s:%d (%s); the bot runs without its web pages",
                      section.host, section.port, exc.strerror or exc)
            await runner.cleanup()
            return False
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        if not section.public_url:
            self.access.base_url = f"http://{section.host}:{self.port}"
        log.info("serving on %s", self.access.base_url)
        return True

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
