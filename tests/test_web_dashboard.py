"""The dashboard's pages through aiohttp's test client, against the real bot: a cohort's
progress, needs and surveys, interviews and announcements, the review queue, CSV files,
and the scope of a cohort facilitator."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from tests.test_assessment import pre_assess
from tests.test_authorization import COHORT_A, COHORT_B, MARK, build_world
from tests.test_practices import AMINA, submitted_practice
from tests.test_surveys import answer_impact_ana
from tests.web_site import site


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
