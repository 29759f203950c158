"""
Browser fixtures of the functional tests: Playwright driving the system's Chromium.

Playwright cannot download its own browser builds here, so it drives the Chromium of the
operating system (Debian's ``chromium`` package): ``TEST_CHROMIUM``, default /usr/bin/chromium.
Without it the browser tests are skipped, except under ``CI=true``, where they fail.
"""

import os

import pytest

CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")


def _no_browser(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the browser tests (.ci/run installs chromium).",
                    pytrace=False)
    pytest.skip(f"{reason}: browser tests skipped (apt-get install chromium, or set "
                "TEST_CHROMIUM to a Chromium binary).")


@pytest.fixture(scope="package")
def browser():
    """
    One headless Chromium for all the functional tests: launched when a test first asks for
    it, closed after the last test of this package.
    """
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _no_browser(f"No Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("Playwright is not installed (pip install -r requirements.txt)")
    # While it is started, Playwright's sync API leaves its event loop marked as running on
    # this thread; Django's async-safety guard sees any running loop and would refuse the tests'
    # own ORM calls, which do not run inside that loop.  Hence package scope: the rest of the
    # suite keeps the guard.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def browser_page(browser, live_server):
    """A page in a fresh browser context (no cookies), its base URL the live server's."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
