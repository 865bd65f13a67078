"""The README's screenshots, taken in the real headless Chromium the browser tests use:
`.venv/bin/python docs/screenshots.py` (writes docs/*.png).

A demo academy in a temporary folder: twelve people in the demo cohort, some of whom
opened and passed units and answered the pre-assessment, a practice waiting for review;
the facilitator logs in with the link /dashboard sends, as anyone would."""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.harness import demo_cohort, open_console  # noqa: E402
from tests.test_assessment import pre_assess  # noqa: E402
from tests.test_practices import submitted_practice  # noqa: E402

PEOPLE = [("ana", "en"), ("bea", "fr"), ("cid", "es"), ("dina", "pt"), ("emad", "ar"),
          ("fatou", "fr"), ("gabriel", "pt"), ("hana", "ar"), ("ines", "es"),
          ("joao", "pt"), ("kofi", "en"), ("lucia", "es")]


async def main() -> None:
    path = chromium_path()
    if path is None:
        sys.exit("Chromium is needed: tests/browser/ensure_chromium.sh")
    with tempfile.TemporaryDirectory() as folder:
        async with open_console(Path(folder), facilitators=["fac"], cohorts=[demo_cohort()],
                                web={"enabled": True, "port": 0}) as h:
            s = h.bot.services
            assert h.bot.web is not None
            base = f"http://127.0.0.1:{h.bot.web.port}"
            store = s.units
            now = s.clock.timestamp()
            for name, language in [*PEOPLE, ("amina", "fr")]:
                await h.send(name, "/help", language=language)
                account = await s.participants.account("console", name)
                assert account is not None
                # As if each had pressed "I agree" (bot/consent.py).
                await s.participants.set_consent(account.participant_id, True, s.clock.now())
                if name != "amina":
                    await h.send(name, "/join demo")
            for name in ("ana", "bea", "cid"):
                await pre_assess(h, name)
            for n, (name, _language) in enumerate(PEOPLE):
                account = await s.participants.account("console", name)
                assert account is not None
                pid = account.participant_id
                for unit in (1, 2, 3):
                    if n < 11 - 3 * unit:
                        await store.opened(pid, unit, now)
                        attempt = (await store.start_or_resume(pid, unit)).attempt
                        assert s.academy is not None
                        questions = len(s.academy.units[unit]["en"].questions)
                        score = questions - (n + unit) % 3
                        await store.finish(pid, unit, attempt, score, questions,
                                           score >= questions - 1, now)
            await submitted_practice(h)
            [reply] = [r for r in await h.send("fac", "/dashboard", language="en")
                       if r.chat_id == "fac"]
            link = re.search(r"http://\S+", reply.text)
            assert link
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=path,
                                                           args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport={"width": 1000, "height": 900},
                                              locale="en-GB")
                await page.goto(link.group(0))
                await page.get_by_role("button", name="Open the dashboard").click()
                await page.wait_for_url(f"{base}/dashboard")
                await page.goto(f"{base}/dashboard/cohorts/demo")
                await page.screenshot(path=ROOT / "docs" / "dashboard.png", full_page=False)
                await page.goto(f"{base}/dashboard/practices")
                await page.get_by_text("Read the practice").first.click()
                await page.screenshot(path=ROOT / "docs" / "review.png", full_page=False)
                await page.goto(f"{base}/practices/1?lang=ar")
                await page.screenshot(path=ROOT / "docs" / "practice-ar.png", full_page=False)
                await page.goto(f"{base}/practices/1?lang=en")
                await page.screenshot(path=ROOT / "docs" / "practice.png", full_page=False)
                await browser.close()
    print("docs/dashboard.png, docs/review.png, docs/practice.png, docs/practice-ar.png")


if __name__ == "__main__":
    asyncio.run(main())
