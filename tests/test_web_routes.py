"""The web side through aiohttp's test client, against the real bot (real SQLite, real
dispatcher and outbox, the console platform): login links, sessions, scope, the review
queue, the catalogue, CSV files, headers and errors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import FEATURES, Bot
from bot.clock import Clock
from bot.commands import CommandRegistry
from bot.config import ConfigError, parse_config
from bot.content.practices import read_practice
from bot.content.units import Problems
from bot.web.access import SECRET_ENV, WebAccess, signing_key
from bot.web.server import build_app
from storage.practices import FIELDS
from tests.harness import REPO, ConsoleHarness, demo_cohort, make_config, open_console
from tests.test_assessment import pre_assess
from tests.test_authorization import COHORT_A, COHORT_B, MARK, build_world
from tests.test_practices import AMINA, submitted_practice
from tests.test_surveys import answer_impact_ana

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
async def test_progress_page_chart_table_and_csv(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        await w.h.send("ana", "/join demo", language="en")
        await w.h.send("=HYPERLINK(1)", "/join demo", language="en")
        await w.h.send("ana", "/unit 1", language="en")
        await w.login("fac")
        page = await w.page("/dashboard/cohorts/demo")
        assert "Enrolled: 2" in page
        # The same figures as /progress in chat.
        [chat] = [r.text for r in await w.h.send("fac", "/progress demo", language="en")
                  if r.chat_id == "fac"]
        assert "opened 1/2, passed 0/2" in chat.splitlines()[1]
        row = re.search(r"<th scope=\"row\">1\. What South-South.*?</tr>", page, re.S)
        assert row and re.findall(r'class="num">([^<]*)<', row.group(0)) == ["1/2", "0/2", "–"]
        assert '<svg class="chart"' in page and 'aria-hidden="true"' in page
        assert "<table>" in page and "1. What South-South and triangular cooperation is" in page
        response = await w.client.get("/dashboard/cohorts/demo/progress.csv")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        assert 'filename="progress-demo.csv"' in response.headers["Content-Disposition"]
        body = (await response.read()).decode("utf-8-sig")
        assert body.splitlines()[0] == ('"cohort","participant","language","unit",'
                                        '"opened at","score","passed"')
        assert '"\'=HYPERLINK(1)"' in body and '"ana"' in body
        await w.page("/dashboard/cohorts/nowhere", 404)


async def test_a_cohort_facilitator_sees_nothing_of_another_cohort(tmp_path: Path) -> None:
    async with site(tmp_path, facilitators=("chief",), cohorts=[COHORT_A, COHORT_B]) as w:
        world = await build_world(w.h, tmp_path)
        await w.login("bfac")
        home = await w.page("/dashboard")
        assert "/dashboard/cohorts/b" in home and "/dashboard/cohorts/a" not in home
        for path in ("/dashboard/cohorts/a", "/dashboard/cohorts/a/progress.csv"):
            await w.page(path, 404)
        assert f"#{world.submitted} ·" not in await w.page("/dashboard/practices")
        csrf = await w.csrf()
        for action in ("approve", "return"):
            response = await w.client.post(
                f"/dashboard/practices/{world.submitted}/{action}",
                data={"csrf": csrf, "comment": "no"}, allow_redirects=False)
            assert response.status == 404, action
        practice = await w.h.bot.services.practices.get(world.submitted)
        assert practice is not None and practice.status == "submitted"
        audit = await w.page("/dashboard/audit")
        assert "ana" not in audit and "chief" not in audit and "bfac" in audit
        outreach = await w.page("/dashboard/interviews")
        assert MARK not in outreach and "No interview time is planned" in outreach
        exported = await (await w.client.get("/dashboard/practices.csv")).text()
        assert "waiting" not in exported and "approved" not in exported.splitlines()[1:]
        # The facilitator of every cohort sees both.
        w.client.session.cookie_jar.clear()
        await w.login("chief")
        assert "/dashboard/cohorts/a" in await w.page("/dashboard")
        assert f"#{world.submitted} ·" in await w.page("/dashboard/practices")
        outreach = await w.page("/dashboard/interviews")
        assert f"{MARK} news for everyone" in outreach and "No interview time" not in outreach


async def test_approving_on_the_page_publishes_it_like_the_chat_command(tmp_path: Path
                                                                       ) -> None:
    async with site(tmp_path) as w:
        number = await submitted_practice(w.h)
        await w.login("fac")
        queue = await w.page("/dashboard/practices")
        assert f"#{number} · {AMINA['title']}" in queue
        await w.page(f"/practices/{number}", 404)  # not public yet
        no_token = await w.client.post(f"/dashboard/practices/{number}/approve",
                                       allow_redirects=False)
        assert no_token.status == 403
        other_site = await w.client.post(f"/dashboard/practices/{number}/approve",
                                         data={"csrf": await w.csrf()},
                                         headers={"Origin": "https://evil.example"},
                                         allow_redirects=False)
        assert other_site.status == 403
        s = w.h.bot.services
        assert (await s.practices.get(number)).status == "submitted"  # type: ignore[union-attr]
        done = await w.client.post(f"/dashboard/practices/{number}/approve",
                                   data={"csrf": await w.csrf()})
        assert done.status == 200 and f"Practice #{number} is approved" in await done.text()
        told = await w.h._new_replies()
        assert any(r.chat_id == "amina" and "est approuvée" in r.text for r in told)
        [entry] = [e for e in await s.audit.latest(50) if e.action == "practice approve"]
        assert (entry.platform, entry.outcome, entry.detail) == ("web", "done", f"#{number}")
        [found] = await w.h.send("lucia", "/practices sénégal", language="es")
        assert f"#{number} · {AMINA['title']}" in found.text
        public = await w.page(f"/practices/{number}")
        assert AMINA["innovation"] in public
        feed = await (await w.client.get("/practices.json")).json()
        assert number in [p["id"] for p in feed["practices"]]
        again = await w.client.post(f"/dashboard/practices/{number}/approve",
                                    data={"csrf": await w.csrf()}, allow_redirects=False)
        assert again.status == 404  # no longer waiting


async def test_returning_needs_a_comment_which_the_author_gets(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        number = await submitted_practice(w.h)
        await w.login("fac", "academy")
        csrf = await w.csrf()
        empty = await w.client.post(f"/dashboard/practices/{number}/return",
                                    data={"csrf": csrf, "comment": "  "})
        assert empty.status == 400 and "Please add a comment" in await empty.text()
        sent = await w.client.post(f"/dashboard/practices/{number}/return",
                                   data={"csrf": csrf, "comment": "Ajoutez des chiffres."})
        assert sent.status == 200
        told = await w.h._new_replies()
        assert any(r.chat_id == "amina" and "Ajoutez des chiffres." in r.text for r in told)
        practice = await w.h.bot.services.practices.get(number)
        assert practice is not None and practice.status == "returned"
        assert practice.review_comment == "Ajoutez des chiffres."


# --- the catalogue ---------------------------------------------------------------------
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


async def test_needs_and_survey_results_of_a_cohort(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        for user, language in (("ana", "en"), ("bea", "fr"), ("cid", "es")):
            await w.h.send(user, "/join demo", language=language)
            await pre_assess(w.h, user)
        await w.login("fac")
        page = await w.page("/dashboard/cohorts/demo")
        needs = page[page.index('id="needs"'):page.index('id="surveys"')]
        ranked = re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', needs)
        # Lowest average confidence first, as /gaps ranks them.
        assert "finding partners" in ranked[0][0] and ranked[0][1] == "1.3/5", ranked
        assert "designing" in ranked[1][0], ranked
        surveys = page[page.index('id="surveys"'):]
        assert "/dashboard/cohorts/demo/surveys/pre-assessment" in surveys
        assert re.search(r'class="num">3</td><td class="num">3</td><td class="num">3 \(100%\)',
                         surveys), surveys
        results = await w.page("/dashboard/cohorts/demo/surveys/pre-assessment")
        assert "3 responses" in results and "Medir resultados" in results
        assert results.count('<svg class="chart"') >= 8
        response = await w.client.get(
            "/dashboard/cohorts/demo/surveys/pre-assessment/answers.csv")
        body = (await response.read()).decode("utf-8-sig")
        assert response.status == 200 and len(body.splitlines()) == 4
        assert "Trouver des financements" in body
        await w.page("/dashboard/cohorts/demo/surveys/nope", 404)
        await w.page("/dashboard/cohorts/demo/surveys/impact", 404)  # not sent yet


async def test_interviews_and_announcements(tmp_path: Path) -> None:
    async with site(tmp_path) as w:
        h = w.h
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await answer_impact_ana(h)
        day = (h.bot.services.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
        added = await h.send("fac", f"/slots add {day} 10:00, {day} 11:00")
        [first, _second] = next(r.buttons for r in added if r.chat_id == "ana")
        await h.press("ana", first)
        await h.send("fac", "/announce Reading week starts Monday || fr: Semaine de lecture")
        await w.login("fac")
        page = await w.page("/dashboard/interviews")
        shortlist = page[page.index('id="shortlist"'):page.index('id="times"')]
        assert "<th scope=\"row\">ana</th>" in shortlist and "interview booked:" in shortlist
        times = page[page.index('id="times"'):page.index('id="announcements"')]
        assert times.count("<tr>") == 3 and "booked by ana" in times and "free" in times
        sent = page[page.index('id="announcements"'):]
        assert "Reading week starts Monday" in sent and "Semaine" not in sent


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
