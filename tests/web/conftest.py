"""The browser the web tests drive: Debian's chromium through Playwright (its own browser
download cannot work here), one per test module."""

from __future__ import annotations

import pytest

from tests.web.test_browser import CHROMIUM


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()
