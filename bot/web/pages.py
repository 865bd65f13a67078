"""What a page handler uses: the services, the reader's language, the facilitator behind a
session, CSRF checks, and rendering a template with the bot's own catalogs."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp_jinja2
from aiohttp import web

from bot.i18n import LANGUAGE_NAMES, LanguagePack
from bot.scope import FacilitatorScope
from bot.services import Services
from bot.web.access import SESSION_COOKIE, Session, WebAccess

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
ACCESS: web.AppKey[WebAccess] = web.AppKey("access", WebAccess)
LANGUAGE: web.RequestKey[LanguagePack] = web.RequestKey("language", LanguagePack)
SESSION: web.RequestKey[Session] = web.RequestKey("session", Session)


def services_of(request: web.Request) -> Services:
    return request.app[SERVICES]


def access_of(request: web.Request) -> WebAccess:
    return request.app[ACCESS]


def language_of(request: web.Request) -> LanguagePack:
    return request[LANGUAGE]


def not_found() -> web.HTTPNotFound:
    """What a visitor gets for anything they may not see: the same as for what does not
    exist (a 403 would say that it does)."""
    return web.HTTPNotFound()


def render(request: web.Request, template: str, context: Mapping[str, Any],
           status: int = 200) -> web.Response:
    pack = language_of(request)
    session = request.get(SESSION)
    here = request.rel_url.path
    query = {k: v for k, v in request.rel_url.query.items() if k != "lang"}
    switch = [(code, LANGUAGE_NAMES.get(code, code),
               here + "?" + urlencode({**query, "lang": code}))
              for code in services_of(request).catalogs.languages]
    page = {"lang": pack.code, "dir": "rtl" if pack.rtl else "ltr", "languages": switch,
            "session": session, "csrf": session.csrf if session else "", **context}
    return aiohttp_jinja2.render_template(template, request, page, status=status)


async def facilitator(request: web.Request) -> tuple[Session, FacilitatorScope]:
    """The facilitator behind this request's session and what they may reach; a visitor
    without a live session (or who facilitates nothing any more) gets the page that says
    how to log in."""
    access = access_of(request)
    session = access.session(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        scope = await FacilitatorScope.of(services_of(request), session.participant_id)
        if scope.is_facilitator:
            request[SESSION] = session
            return session, scope
        access.close_session(session.token)
    raise web.HTTPUnauthorized()


async def checked_form(request: web.Request, session: Session) -> Mapping[str, str]:
    """A POSTed form from one of our own pages: its CSRF token is this session's, and the
    browser's Origin (when sent) is this site. Anything else is refused."""
    form = await request.post()
    origin = request.headers.get("Origin")
    ours = urlsplit(access_of(request).base_url)
    if origin is not None and origin not in (f"{request.scheme}://{request.host}",
                                             f"{ours.scheme}://{ours.netloc}"):
        raise web.HTTPForbidden()
    token = str(form.get("csrf", ""))
    if not hmac.compare_digest(token.encode(), session.csrf.encode()):
        raise web.HTTPForbidden()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


def csv_response(data: bytes, name: str) -> web.Response:
    return web.Response(body=data, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


def see_other(location: str) -> web.Response:
    """A redirect after a form (303: the browser follows it with a GET)."""
    return web.Response(status=303, headers={"Location": location})
