"""The web side through aiohttp's test client, against the real bot (real SQLite, real
dispatcher and outbox, the console platform): login links, sessions, the catalogue,
headers and errors, configuration, start and stop (the dashboard's pages:
tests/test_web_dashboard.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web

from bot.app import FEATURES, Bot
from bot.clock import Clock
from bot.commands import CommandRegistry
from bot.config import ConfigError, parse_config
from bot.content.practices import read_practice
from bot.content.units import Problems
from bot.web.access import SECRET_ENV, WebAccess, signing_key
from storage.practices import FIELDS
from tests.harness import REPO, make_config
from tests.test_practices import submitted_practice
from tests.web_site import LINK, WEB, site


async def test_the_link_is_sent_privately_and_opens_a_session_once(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        w.h.adapter._group = "academy"
        replies = await w.h.send("fac", "/dashboard", language="en")
        w.h.adapter._group = None
        in_group = [r.text for r in replies if r.chat_id == "#academy"]
        assert in_group == ["I have answered you in a private message."]
        [private] = [r.text for r in replies if r.chat_id == "fac"]
        assert "works once, for 10 minutes" in private
        token = LINK.search(private).group(2)  # type: ignore[union-attr]
        assert await w.page("/dashboard", 401)
        # Opening the link (a chat app's preview does the same) does not use it.
        form = await w.page(f"/dashboard/login?t={token}")
        assert f'value="{token}"' in form
        used = await w.client.post("/dashboard/login", data={"t": token},
                                   allow_redirects=False)
        assert used.status == 303 and used.headers["Location"] == "/dashboard"
        cookie = used.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        assert "SSTC Academy — demo cohort" in await w.page("/dashboard")
        w.client.session.cookie_jar.clear()
        again = await w.client.post("/dashboard/login", data={"t": token},
                                    allow_redirects=False)
        assert again.status == 401 and "This link no longer works" in await again.text()
        await w.page("/dashboard", 401)


async def test_expired_forged_and_participant_links_are_refused(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        [refused] = await w.h.send("ana", "/dashboard", language="en")
        assert refused.text == "Sorry, /dashboard is for facilitators only."
        token = await w.link("fac")
        pid, issued, nonce, signature = token.split(".")
        forged = [f"{int(pid) + 1}.{issued}.{nonce}.{signature}",
                  f"{pid}.{int(issued) + 600}.{nonce}.{signature}",
                  f"{pid}.{issued}.{nonce}.{signature[:-2]}AA", "", "x" * 150]
        for bad in forged:
            response = await w.client.post("/dashboard/login", data={"t": bad},
                                           allow_redirects=False)
            assert response.status == 401, bad
        w.h.bot.services.clock.advance(timedelta(minutes=10, seconds=2))
        late = await w.client.post("/dashboard/login", data={"t": token},
                                   allow_redirects=False)
        assert late.status == 401


async def test_link_attempts_are_rate_limited(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        token = await w.link("fac")
        statuses = [(await w.client.post("/dashboard/login", data={"t": f"bad{i}"},
                                         allow_redirects=False)).status for i in range(10)]
        assert statuses == [401] * 10
        busy = await w.client.post("/dashboard/login", data={"t": token},
                                   allow_redirects=False)
        assert busy.status == 429 and "Too many attempts" in await busy.text()
        w.h.bot.services.clock.advance(timedelta(seconds=61))
        assert (await w.client.post("/dashboard/login", data={"t": token},
                                    allow_redirects=False)).status == 303


async def test_sessions_expire_when_idle_and_cookies_are_secure_over_https(
        tmp_path: Path) -> None:
    https = {**WEB, "public_url": "https://bot.example.org/", "session_idle_minutes": 5}
    async with site(tmp_path, web=https) as w:
        token = await w.link("fac")
        assert (await w.link("fac")) != token
        response = await w.client.post("/dashboard/login", data={"t": token},
                                       allow_redirects=False)
        assert "; Secure" in response.headers["Set-Cookie"]
        # The test client speaks http, so the browser would not send a Secure cookie
        # back; send it as a browser on https would.
        cookie = {"Cookie": response.headers["Set-Cookie"].split(";")[0]}
        clock = w.h.bot.services.clock
        clock.advance(timedelta(minutes=4))
        await w.page("/dashboard", 200, **cookie)  # a request restarts the idle time
        clock.advance(timedelta(minutes=4))
        await w.page("/dashboard", 200, **cookie)
        clock.advance(timedelta(minutes=5, seconds=1))
        assert "Please log in" in await w.page("/dashboard", 401, **cookie)


async def test_losing_the_facilitator_role_ends_the_session(tmp_path: Path) -> None:
    async with site(tmp_path, facilitators=("chief",)) as w:
        await w.h.send("fac", "/help", language="en")
        await w.h.send("chief", "/facilitator add fac", language="en")
        assert (await w.login("fac")).status == 303
        await w.page("/dashboard")
        await w.h.send("chief", "/facilitator remove fac", language="en")
        await w.page("/dashboard", 401)


async def test_logout_needs_the_form_token(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        await w.login("fac")
        csrf = await w.csrf("/dashboard")
        forged = await w.client.post("/dashboard/logout", data={"csrf": "x"},
                                     allow_redirects=False)
        assert forged.status == 403
        await w.page("/dashboard")
        out = await w.client.post("/dashboard/logout", data={"csrf": csrf},
                                  allow_redirects=False)
        assert out.status == 303
        await w.page("/dashboard", 401)


# --- the dashboard ---------------------------------------------------------------------
async def test_catalogue_search_language_and_privacy(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        s = w.h.bot.services
        await w.h.send("zoraida", "/help", language="en")
        account = await s.participants.account("console", "zoraida")
        assert account is not None
        repo = s.practices
        fields = {name: f"{name} of the cooperative in Sénégal" for name in FIELDS}
        fields["contact"] = ""
        number = await repo.create(account.participant_id, "en", s.clock.now(),
                                   fields=fields, status="approved")
        listed = await w.page("/practices?q=senegal")
        assert f'href="/practices/{number}"' in listed
        assert f'href="/practices/{number}"' not in await w.page("/practices?q=nowhere")
        page = await w.page(f"/practices/{number}", **{"Accept-Language": "ar;q=0.9, fr"})
        assert '<html lang="fr" dir="ltr">' in page and "Objectifs" in page
        assert "zoraida" not in page.lower()
        arabic = await w.client.get(f"/practices/{number}?lang=ar")
        text = await arabic.text()
        assert '<html lang="ar" dir="rtl">' in text and "الأهداف" in text
        assert "lang=ar" in arabic.headers["Set-Cookie"]
        # The choice is remembered over the browser's preference.
        assert 'dir="rtl"' in await w.page("/practices", **{"Accept-Language": "en"})
        await w.page("/practices/999", 404)
        await w.page("/practices/abc", 404)


# --- headers, errors, configuration, start and stop ------------------------------------
async def broken_page(request: web.Request) -> web.StreamResponse:
    raise RuntimeError("secret detail of a failure")


BROKEN = SimpleNamespace(setup=lambda registry: registry.web.get("/broken", broken_page,
                                                                 "broken"))


async def test_security_headers_and_no_stack_trace(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    async with site(tmp_path, features=(*FEATURES, BROKEN)) as w:  # type: ignore[arg-type]
        for path, status in (("/practices", 200), ("/nothing-here", 404), ("/broken", 500),
                             ("/dashboard", 401), ("/static/style.css", 200)):
            response = await w.client.get(path)
            assert response.status == status, path
            csp = response.headers["Content-Security-Policy"]
            assert "script-src" not in csp and "default-src 'none'" in csp
            assert "frame-ancestors 'none'" in csp
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            text = await response.text()
            assert "Traceback" not in text and "secret detail" not in text
        assert "secret detail of a failure" in caplog.text  # logged for the operator
        assert "<script" not in await w.page("/practices")


def test_web_configuration_is_validated() -> None:
    problems = []
    for section in ({"port": 70000}, {"public_url": "ftp://x"}, {"enabled": "yes"},
                    {"prot": 1}):
        with pytest.raises(ConfigError) as caught:
            parse_config({"web": section})
        problems += caught.value.problems
    assert problems[0].startswith("config.toml: web.port: ")
    assert problems[1].startswith("config.toml: web.public_url: 'ftp://x' is not an http")
    assert problems[2].startswith("config.toml: web.enabled: ")
    assert problems[3] == "config.toml: web.prot: unknown key (did you mean 'port'?)"


async def test_the_server_starts_and_stops_with_the_bot(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    bot = await Bot.create(make_config(tmp_path, web=WEB))
    closed = False
    try:
        assert bot.web is not None and bot.web.port
        url = f"http://127.0.0.1:{bot.web.port}/practices"
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as response:
                assert response.status == 200
            # A second bot on the same port runs without its web side.
            taken = await Bot.create(make_config(tmp_path / "second", web={
                **WEB, "port": bot.web.port}))
            try:
                assert taken.web is None and "cannot listen on" in caplog.text
            finally:
                await taken.close()
            await bot.close()
            closed = True
            with pytest.raises(aiohttp.ClientConnectionError):
                await http.get(url)
    finally:
        if not closed:  # an open database would keep pytest from exiting
            await bot.close()


def test_routes_cannot_be_registered_twice() -> None:
    registry = CommandRegistry()
    registry.web.get("/x", broken_page, "x")
    with pytest.raises(ValueError, match="twice"):
        registry.web.get("/y", broken_page, "x")


async def test_catalogue_filters_by_country_and_theme(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        number = await submitted_practice(w.h)
        await w.login("fac")
        wrong = await w.client.post(f"/dashboard/practices/{number}/approve",
                                    data={"csrf": await w.csrf(), "country": "XX"})
        assert wrong.status == 400 and "two-letter code" in await wrong.text()
        await w.client.post(f"/dashboard/practices/{number}/approve",
                            data={"csrf": await w.csrf(), "country": "sn",
                                  "theme": "  women's   cooperatives "})
        everything = await w.page("/practices?lang=fr")
        assert '<option value="SN">Sénégal</option>' in everything
        assert '<option value="IT">Italie</option>' in everything  # the academy's own
        senegal = await w.page("/practices?country=SN")
        assert f'href="/practices/{number}"' in senegal
        assert 'href="/practices/1"' not in senegal
        themed = await w.page("/practices?theme=capacity+building")
        assert 'href="/practices/1"' in themed and f'href="/practices/{number}"' not in themed
        page = await w.page(f"/practices/{number}?lang=es")
        assert "País: Senegal" in page and "women&#39;s cooperatives" in page
        feed = await (await w.client.get("/practices.json")).json()
        [entry] = [p for p in feed["practices"] if p["id"] == number]
        assert (entry["country"], entry["theme"]) == ("SN", "women's cooperatives")


def test_a_content_practice_gives_country_and_theme_checked(tmp_path: Path) -> None:
    source = (REPO / "content" / "sstc-academy" / "practices" / "sstc-academy.toml").read_text(
        encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text(source, encoding="utf-8")
    seed = read_practice(good, ["en", "fr", "es", "pt", "ar"], Problems())
    assert seed is not None and (seed.country, seed.theme) == ("IT", "capacity building")
    bad = tmp_path / "bad.toml"
    bad.write_text(source.replace('country = "IT"', 'country = "Italy"').replace(
        'theme = "capacity building"', f'theme = "{"x" * 61}"'), encoding="utf-8")
    problems = Problems()
    assert read_practice(bad, ["en", "fr", "es", "pt", "ar"], problems) is None
    assert [p.split(": ", 1)[1] for p in problems.found] == [
        'country is a two-letter ISO 3166 code in capitals, e.g. country = "SN"',
        'theme is one line of at most 60 characters, e.g. theme = "green jobs"']


def test_a_restart_does_not_revive_a_used_link(caplog: pytest.LogCaptureFixture) -> None:
    key = signing_key({SECRET_ENV: "a long shared secret"})
    assert key == signing_key({SECRET_ENV: "a long shared secret"}) and SECRET_ENV not in \
        caplog.text
    clock = Clock()
    before = WebAccess(key, clock, "http://x")
    token = before.issue(7).split("t=", 1)[1]
    assert before.redeem(token) == 7 and before.redeem(token) is None
    clock.advance(timedelta(seconds=30))
    after = WebAccess(key, clock, "http://x")  # the same key, a process started later
    assert after.redeem(token) is None
    fresh = after.issue(7).split("t=", 1)[1]
    assert after.redeem(fresh) == 7
    assert signing_key({}) != signing_key({}) and SECRET_ENV in caplog.text
