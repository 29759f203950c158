"""
Every page of the shop loads its scripts, styles and fonts from the shop itself: in a real
browser (Playwright, Chromium) on the live server, with every other host unreachable as on a
machine with no internet, the storefront and dashboard make no outside request and log no error.
"""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

# The live server reads what the test wrote: committed data, the tables flushed afterwards.
pytestmark = pytest.mark.django_db(transaction=True)

# A desktop Chrome, not "HeadlessChrome": the recommendations middleware takes that for a bot,
# and the pages should be seen as a shopper sees them, tracking included.
SHOPPER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)
# Schemes that never reach a host.
LOCAL_SCHEMES = {"data", "blob", "about"}


class OfflineRecorder:
    """
    What a page asked the network for and what it logged as errors, other hosts cut off.

    Requests to any host but the live server's are recorded, then aborted, as they would fail
    offline; console errors and uncaught exceptions are recorded as ``errors``.
    """

    def __init__(self, context, live_server_url):
        self.host = urlsplit(live_server_url).netloc
        self.requests = []
        self.errors = []
        context.route("**/*", self._route)
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("page", self._watch)

    def _route(self, route):
        if self._is_local(route.request.url):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    def _is_local(self, url):
        parts = urlsplit(url)
        return parts.scheme in LOCAL_SCHEMES or parts.netloc == self.host

    def _watch(self, page):
        page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"{page.url}: {message.text} ({message.location.get('url')})"))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    @property
    def outside_requests(self):
        return [url for url in self.requests if not self._is_local(url)]


@pytest.fixture
def offline_page(browser, live_server):
    """A shopper's page (fresh context, base URL the live server's) and its recorder."""
    context = browser.new_context(base_url=live_server.url, user_agent=SHOPPER_AGENT)
    context.set_default_timeout(20_000)
    recorder = OfflineRecorder(context, live_server.url)
    page = context.new_page()
    try:
        yield page, recorder
    finally:
        context.close()


def test_storefront_and_dashboard_pages_load_every_asset_from_the_shop(
        offline_page, live_server, imported_history, django_user_model, tmp_path):
    from playwright.sync_api import expect

    page, recorder = offline_page
    mug = Product.objects.get(upc="20001")
    StockRecord.objects.filter(product=mug).update(num_in_stock=50)
    call_command("rebuild_index", interactive=False, verbosity=0)
    django_user_model.objects.create_user(
        username="staff", email="staff@example.com", password="staff-password", is_staff=True)
    visited = []

    def visit(path):
        response = page.goto(path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof jQuery") == "function", f"{path}: jQuery is not loaded"
        visited.append(path)

    visit(reverse("catalogue:index"))
    expect(page.locator(".product_pod").first).to_be_visible()
    page.screenshot(path=tmp_path / "catalogue.png", full_page=True)

    visit(mug.get_absolute_url())
    expect(page.locator("h1")).to_have_text("Red Mug")
    page.locator("#add_to_basket_form [type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("Red Mug has been added to your basket")

    visit(reverse("basket:summary"))
    expect(page.locator("#basket_formset")).to_contain_text("Red Mug")

    visit(reverse("customer:login"))
    expect(page.locator("#login_form")).to_be_visible()

    dashboard = reverse("dashboard:index")
    page.goto(dashboard)
    page.fill("#id_username", "staff@example.com")
    page.fill("#id_password", "staff-password")
    page.click("#dashboard_login_form [type=submit]")
    expect(page).to_have_url(live_server.url + dashboard)
    visit(dashboard)
    expect(page.locator("h1")).to_have_text("Dashboard")

    assert recorder.outside_requests == []
    assert recorder.errors == []
    assert f"{live_server.url}/static/oscar/js/jquery/jquery.min.js" in recorder.requests
    assert len(visited) == 5
