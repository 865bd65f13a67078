"""The web side in a real browser: the login link, a cohort's progress, approving a
practice, the Arabic catalogue reading right to left, a CSV download, and axe-core's
accessibility rules on the main pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from tests.harness import ConsoleHarness, demo_cohort, open_console
from tests.test_assessment import pre_assess
from tests.test_practices import AMINA, submitted_practice

LINK = re.compile(r"https?://\S+/dashboard/login\?t=\S+")


@dataclass
class Visit:
    h: ConsoleHarness
    page: Page
    base: str

    async def log_in(self, user: str = "fac") -> None:
        [reply] = [r for r in await self.h.send(user, "/dashboard", language="en")
                   if r.chat_id == user]
        match = LINK.search(reply.text)
        assert match, reply.text
        await self.page.goto(match.group(0))
        await self.page.get_by_role("button", name="Open the dashboard").click()
        await self.page.wait_for_url(f"{self.base}/dashboard")


@asynccontextmanager
async def visit(tmp_path: Path, browser: Browser, locale: str = "en-GB"
                ) -> AsyncIterator[Visit]:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            web={"enabled": True, "port": 0}) as h:
        assert h.bot.web is not None
        context = await browser.new_context(locale=locale, accept_downloads=True)
        try:
            page = await context.new_page()
            yield Visit(h, page, f"http://127.0.0.1:{h.bot.web.port}")
        finally:
            await context.close()


async def test_the_login_link_opens_the_dashboard(tmp_path: Path, browser: Browser) -> None:
    async with visit(tmp_path, browser) as v:
        await v.page.goto(f"{v.base}/dashboard")
        assert await v.page.get_by_role("heading", level=1).inner_text() == "Please log in"
        await v.log_in()
        assert await v.page.get_by_role("heading", level=1).inner_text() == "Dashboard"
        # The session cookie is out of reach of any script on the page.
        assert "sstc_session" not in await v.page.evaluate("document.cookie")
        [cookie] = [c for c in await v.page.context.cookies() if c["name"] == "sstc_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


async def test_a_cohorts_progress_page(tmp_path: Path, browser: Browser) -> None:
    async with visit(tmp_path, browser) as v:
        for name in ("ana", "bo", "carla"):
            await v.h.send(name, "/join demo", language="en")
        await v.log_in()
        await v.page.get_by_role("link", name="SSTC Academy — demo cohort").click()
        assert await v.page.get_by_text("Enrolled: 3").is_visible()
        chart = v.page.locator("svg.chart")
        assert await chart.is_visible()
        assert (await chart.bounding_box() or {}).get("width", 0) > 200
        rows = v.page.get_by_role("table", name="Progress per unit").get_by_role("row")
        assert await rows.count() == 1 + 5  # the header and the five units
        first = await rows.nth(1).inner_text()
        assert "What South-South and triangular cooperation is" in first and "0/3" in first


async def test_approving_a_practice_publishes_it(tmp_path: Path, browser: Browser) -> None:
    async with visit(tmp_path, browser) as v:
        number = await submitted_practice(v.h)
        await v.log_in()
        await v.page.get_by_role("link", name="Practices waiting for review").click()
        card = v.page.get_by_role("region", name=re.compile(f"#{number} ·"))
        await card.get_by_text("Read the practice").click()
        assert await card.get_by_text(AMINA["innovation"]).is_visible()
        await card.get_by_role("button", name="Approve").click()
        assert await v.page.get_by_role("status").inner_text() == \
            f"Practice #{number} is approved and in the base."
        await v.page.get_by_role("link", name="Good practices").first.click()
        await v.page.get_by_role("searchbox").fill("senegal")
        await v.page.get_by_role("button", name="Search").click()
        await v.page.get_by_role("link", name=AMINA["title"]).click()
        assert await v.page.get_by_role("heading", level=1).inner_text() == AMINA["title"]
        [found] = [r for r in await v.h.send("lucia", "/practices", language="es")
                   if r.chat_id == "lucia"]
        assert f"#{number} · {AMINA['title']}" in found.text


async def test_the_arabic_catalogue_reads_right_to_left(tmp_path: Path, browser: Browser
                                                        ) -> None:
    async with visit(tmp_path, browser, locale="ar") as v:
        await v.page.goto(f"{v.base}/practices/1")
        assert await v.page.evaluate("document.documentElement.dir") == "rtl"
        assert await v.page.evaluate("document.documentElement.lang") == "ar"
        heading = v.page.get_by_role("heading", level=1)
        assert await heading.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert await v.page.get_by_text("الأهداف", exact=True).is_visible()
        # Right to left on screen: the field names start at the right edge of the page.
        width = await v.page.evaluate("document.documentElement.clientWidth")
        label = await v.page.locator("dl.practice dt").first.bounding_box()
        assert label is not None and label["x"] + label["width"] > width * 0.6
        # Switching language from the page, without any script.
        await v.page.get_by_role("link", name="English").click()
        assert await v.page.evaluate("document.documentElement.dir") == "ltr"


async def test_a_csv_download(tmp_path: Path, browser: Browser) -> None:
    async with visit(tmp_path, browser) as v:
        await v.h.send("=HYPERLINK(1)", "/join demo", language="en")
        await v.log_in()
        await v.page.goto(f"{v.base}/dashboard/cohorts/demo")
        async with v.page.expect_download() as info:
            await v.page.get_by_role(
                "link", name="Download the progress per participant (CSV)").click()
        download = await info.value
        assert download.suggested_filename == "progress-demo.csv"
        saved = await download.path()
        text = saved.read_text(encoding="utf-8-sig")
        assert text.splitlines()[0].startswith('"cohort","participant"')
        assert '"\'=HYPERLINK(1)"' in text


async def test_the_main_pages_pass_axe(tmp_path: Path, browser: Browser) -> None:
    async with visit(tmp_path, browser) as v:
        await submitted_practice(v.h)
        await v.h.send("ana", "/join demo", language="en")
        await pre_assess(v.h, "ana")
        await v.log_in()
        axe = Axe()
        found = {}
        for path in ("/practices", "/practices/1", "/practices/1?lang=ar", "/practices?lang=fr",
                     "/dashboard?lang=en", "/dashboard/cohorts/demo",
                     "/dashboard/cohorts/demo?lang=ar",
                     "/dashboard/cohorts/demo/surveys/pre-assessment",
                     "/dashboard/practices", "/dashboard/interviews", "/dashboard/audit",
                     "/nothing-here"):
            await v.page.goto(v.base + path)
            results = await axe.run(v.page)
            if results.violations_count:
                found[path] = results.generate_report()
        assert not found, "\n".join(f"{p}:\n{r}" for p, r in found.items())
