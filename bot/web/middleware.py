"""Every response: in the reader's language, with security headers, and never a stack
trace (an unexpected error is logged and the browser gets a plain apology page)."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.i18n import use_language
from bot.web.pages import LANGUAGE, render, services_of

log = logging.getLogger("bot.web")

LANG_COOKIE = "lang"
# No script at all, styles from our own file, no framing, forms only back to us.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # A login link's token must not leak to another site through the Referer header
    # ("no-referrer" would also make Chromium send `Origin: null` with our own forms).
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def accepted_languages(header: str) -> list[str]:
    """An Accept-Language header's tags, most wanted first ("fr-CH, fr;q=0.9, en;q=0.8")."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, i, tag.strip()))
    return [tag for _q, _i, tag in sorted(ranked)]


def chosen_language(request: web.Request) -> tuple[str, bool]:
    """The page's language: ?lang= (remembered in a cookie), the cookie, the browser's
    preference, the default. True when ?lang= chose it."""
    catalogs = services_of(request).catalogs
    asked = catalogs.match(request.query.get("lang"))
    if asked:
        return asked, True
    remembered = catalogs.match(request.cookies.get(LANG_COOKIE))
    if remembered:
        return remembered, False
    for tag in accepted_languages(request.headers.get("Accept-Language", "")):
        found = catalogs.match(tag)
        if found:
            return found, False
    return catalogs.default_language, False


@web.middleware
async def pages_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    code, asked = chosen_language(request)
    pack = services_of(request).catalogs.pack(code)
    request[LANGUAGE] = pack
    with use_language(pack):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status in (401, 403, 404):
                response = _error_page(request, exc.status)
            else:
                exc.headers.update(SECURITY_HEADERS)
                raise
        except Exception:
            log.exception("web: %s %s failed", request.method, request.path)
            response = _error_page(request, 500)
    response.headers.update(SECURITY_HEADERS)
    if request.path.startswith("/dashboard"):
        response.headers["Cache-Control"] = "no-store"
    if asked:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax",
                            httponly=True)
    return response


def _error_page(request: web.Request, status: int) -> web.Response:
    return render(request, "web/error.html", {"status": status}, status=status)
