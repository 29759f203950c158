"""
The demo shop's dashboard in a real browser, as a newcomer meets it after ``make demo``: the
demo set up by its own command on the real Online Retail history (``migrate`` and
``setup_demo`` in a fresh ``SHOP_VAR_DIR``), served by ``runserver`` with a Celery worker as the
Procfile starts them, then Chromium signs in with the printed staff account, opens the stock
risks, a SKU page and the recommendations section (their charts drawn, the blocks a shopper
saw and clicked just before counted), and starts a forecast run that it follows live until it
is done.

It sets up the whole demo (about 6 minutes on two cores), so it runs in the embedded pass only
(the demo is the embedded shop: SQLite, filesystem broker); ``DEMO_VAR_DIR`` points it at a
demo already set up (``var/`` after ``make demo``: ``setup_demo`` then skips what is done).
Screenshots go to ``SCREENSHOTS_DIR`` when set, else to the test's folder; the figures the
pages showed are printed.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.functional.inventory_forecast.test_dashboard_browser import PAINTED

ROOT = Path(__file__).resolve().parents[2]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"

pytestmark = [pytest.mark.slow]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_env(var):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", "DJANGO_DEBUG": "1",
           "SHOP_VAR_DIR": str(var)}
    # The demo is the embedded shop, whatever services the test pass was given.
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "REDIS_URL", "SEARCH_URL",
                 "DJANGO_SECRET_KEY"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``(base URL, staff e-mail, password)`` of the demo shop running with its worker."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("The demo is the embedded shop: its browser test runs in the embedded pass.")
    var = Path(os.environ.get("DEMO_VAR_DIR") or tmp_path_factory.mktemp("demo-var"))
    env = demo_env(var)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)
    setup = subprocess.run([*manage, "setup_demo", "--url", url + "/"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=1800)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    print(setup.stdout)
    email, password = re.search(r"staff e-mail (\S+), password (\S+)\)", setup.stdout).groups()
    logs = var / "test-logs"
    logs.mkdir(exist_ok=True)
    processes = []
    try:
        for name, command in (
                ("web", [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"]),
                ("worker", [sys.executable, "-m", "celery", "-A", "shop", "worker",
                            "--loglevel", "INFO", "--concurrency", "2", "--without-gossip",
                            "--without-mingle", "--hostname", f"demo-{port}@%h"])):
            with open(logs / f"{name}.log", "w") as out:
                processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                                  stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                if "ready." in (logs / "worker.log").read_text():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError("The demo did not start:\n" + "\n".join(
                    (logs / f"{n}.log").read_text()[-2000:] for n in ("web", "worker")))
            time.sleep(0.5)
        yield url, email, password, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_staff_walk_the_demo_dashboard_and_run_a_forecast(browser, demo, tmp_path):
    from playwright.sync_api import expect

    url, email, password, logs = demo
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    # A shopper first: the home page's blocks, one recommendation clicked (counted for the
    # dashboard's click-through rate).
    shopper = browser.new_context(base_url=url, user_agent=BROWSER)
    try:
        home = shopper.new_page()
        home.goto("/")
        link = home.locator("section.recommendations a[href*='rec=']").first
        expect(link).to_be_visible()
        link.click()
        expect(home.locator("section.recommendations").first).to_be_visible()
    finally:
        shopper.close()
    context = browser.new_context(base_url=url, user_agent=BROWSER,
                                  viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto("/dashboard/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.click("#dashboard_login_form [type=submit]")
        expect(page.locator("#tile_at_risk")).to_contain_text("SKUs at risk")
        page.screenshot(path=shots / "demo_index.png", full_page=True)

        # The stock risks: the real catalogue's tracked records, worst first.
        page.goto("/dashboard/forecasts/")
        expect(page.locator("h1")).to_have_text("Stock risks")
        counts = page.locator("#risk_counts li").all_inner_texts()
        print("Risk counts on the demo:", "; ".join(" ".join(c.split()) for c in counts))
        rows = page.locator("#risk_list tbody tr")
        expect(rows).to_have_count(20)  # a full first page
        expect(rows.first).to_contain_text("Out of stock")
        page.screenshot(path=shots / "demo_risk_list.png", full_page=True)

        # The worst risk's SKU page: both charts drawn from the demo's own history.
        rows.first.locator("td a").first.click()
        for chart in ("#sales_chart canvas", "#stock_chart canvas"):
            expect(page.locator(chart)).to_have_attribute("data-drawn", "true")
            assert page.locator(chart).evaluate(PAINTED) > 1000, chart
        expect(page.locator("#sku_plan")).to_contain_text("Reorder point")
        page.screenshot(path=shots / "demo_sku.png", full_page=True)

        # The recommendations section: the published version and the events of the demo.
        page.goto("/dashboard/recommendations/")
        expect(page.locator("h1")).to_have_text("Recommendations")
        for chart in ("#ndcg_chart canvas", "#events_chart canvas"):
            expect(page.locator(chart)).to_have_attribute("data-drawn", "true")
            assert page.locator(chart).evaluate(PAINTED) > 1000, chart
        expect(page.locator("#versions tbody tr").first).to_contain_text("Current")
        # The shopper's visit is today's events (before it, the chart showed the last 90 days
        # of the imported history: a test of the chart's own covers that).
        expect(page.locator("#events_chart thead")).to_contain_text("Recommendation click")
        # The shopper's visit: impressions of the home page's blocks, and the click.
        earned = page.locator("#attribution tbody tr")
        print("What the blocks earned:", "; ".join(" ".join(r.split())
                                                   for r in earned.all_inner_texts()))
        cells = [[int(c) for c in row.locator("td").all_inner_texts()[2:4]]
                 for row in earned.all()]
        assert sum(shown for shown, _clicks in cells) >= 2
        assert sum(clicks for _shown, clicks in cells) >= 1  # more on a demo used before
        page.screenshot(path=shots / "demo_recommendations.png", full_page=True)

        # "Run forecast now": queued to the demo's worker, followed live until done.
        page.goto("/dashboard/forecasts/")
        page.get_by_role("button", name="Run forecast now").click()
        box = page.locator("#run_progress")
        expect(box).to_be_visible()
        try:
            expect(box).to_have_attribute("data-state", "done", timeout=900_000)
        except AssertionError:
            raise AssertionError(box.inner_text() + "\n"
                                 + (logs / "worker.log").read_text()[-4000:]) from None
        expect(box.locator(".progress-bar")).to_have_attribute("aria-valuenow", "100")
        page.screenshot(path=shots / "demo_run_done.png", full_page=True)
        box.get_by_role("link", name="Show the new forecasts").click()
        expect(page.locator("#run_summary")).to_contain_text("Forecast run #")
    finally:
        context.close()
