"""Real headless Chromium (the distribution's package, found or installed by
ensure_chromium.sh, which `make test` runs first) driven by Playwright for Python."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

# Playwright's own recommended flags for a browser it did not download, plus quiet ones:
# nothing in a test run talks to the network but the bot's own loopback server.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed and tests/browser/ensure_chromium.sh could "
                    "not install it (it prints why)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS,
                                                    headless=True)
        try:
            yield launched
        finally:
            await launched.close()
