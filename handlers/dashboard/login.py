"""Logging in with a link from /dashboard, and out.

Opening the link shows a button; pressing it (a POST) uses the link. A GET alone never
uses it, so a chat app that fetches the link for a preview does not spend it."""

from __future__ import annotations

from aiohttp import web

from bot.scope import FacilitatorScope
from bot.web.access import SESSION_COOKIE
from bot.web.pages import access_of, checked_form, render, see_other, services_of


async def login_form(request: web.Request) -> web.StreamResponse:
    token = request.query.get("t", "")[:200]
    return render(request, "dashboard/login.html", {"token": token})


async def login(request: web.Request) -> web.StreamResponse:
    access = access_of(request)
    if not access.allow_attempt(request.remote or "?"):
        return render(request, "dashboard/link.html", {"reason": "busy"}, status=429)
    form = await request.post()
    participant_id = access.redeem(str(form.get("t", ""))[:200])
    if participant_id is not None:
        scope = await FacilitatorScope.of(services_of(request), participant_id)
        if scope.is_facilitator:
            session = access.open_session(participant_id)
            response = see_other("/dashboard")
            response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="Lax",
                                secure=access.secure_cookies, path="/")
            return response
    return render(request, "dashboard/link.html", {"reason": "invalid"}, status=401)


async def logout(request: web.Request) -> web.StreamResponse:
    access = access_of(request)
    session = access.session(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        await checked_form(request, session)
        access.close_session(session.token)
    response = see_other("/practices")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
