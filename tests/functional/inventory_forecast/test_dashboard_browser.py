"""
The inventory forecast section of the dashboard in a real browser (Playwright, Chromium) on the
live server, with a real Celery worker: log in, the risk list, a SKU page whose charts are drawn,
"Run forecast now" followed live until the new run is done.  Screenshots go to the test's
folder, or to ``SCREENSHOTS_DIR`` when it is set (to look at them).
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from inventory_forecast.models import ForecastRun

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker,
              pytest.mark.slow]

# How many pixels of a canvas are painted: 0 for a chart never drawn.
PAINTED = """canvas => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
    return painted;
}"""


def screenshots(tmp_path):
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_staff_read_the_risks_open_a_sku_and_run_a_forecast_live(
        browser_page, live_server, at_risk_history, django_user_model, celery_worker_process,
        tmp_path):
    from playwright.sync_api import expect

    shots = screenshots(tmp_path)
    page = browser_page
    django_user_model.objects.create_user(username="boss", email="boss@example.com",
                                          password="boss-password", is_staff=True,
                                          is_superuser=True)
    page.goto(reverse("dashboard:inventory-forecast-risk-list"))
    page.fill("#id_username", "boss@example.com")
    page.fill("#id_password", "boss-password")
    page.click("#dashboard_login_form [type=submit]")
    expect(page.locator("h1")).to_have_text("Stock risks")
    rows = page.locator("#risk_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Out of stock")  # worst first
    page.screenshot(path=shots / "risk_list.png", full_page=True)

    # Sorting by a column is a link in its header.
    page.locator("#risk_list thead").get_by_role("link", name="SKU").click()
    expect(rows.first).to_contain_text("10001")

    rows.filter(has_text="10002").get_by_role("link").first.click()
    expect(page.locator(".breadcrumb")).to_contain_text("10002")
    for chart in ("#sales_chart canvas", "#stock_chart canvas"):
        expect(page.locator(chart)).to_have_attribute("data-drawn", "true")
        assert page.locator(chart).evaluate(PAINTED) > 1000, chart
    page.screenshot(path=shots / "sku.png", full_page=True)
    # The table behind each chart opens for who cannot see it.
    page.locator("#sales_chart summary").click()
    expect(page.locator("#sales_chart table tbody tr")).to_have_count(25 + 8)

    page.goto(reverse("dashboard:inventory-forecast-risk-list"))
    before = ForecastRun.objects.get().pk
    page.get_by_role("button", name="Run forecast now").click()
    box = page.locator("#run_progress")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-state", "done", timeout=120_000)
    expect(box.locator(".progress-bar")).to_have_attribute("aria-valuenow", "100")
    page.screenshot(path=shots / "run_done.png", full_page=True)
    newest = ForecastRun.objects.order_by("-pk").first()
    assert newest.pk > before and newest.status == ForecastRun.CURRENT, (
        newest.error or celery_worker_process.read_text()[-3000:])
    expect(box).to_contain_text(f"#{newest.pk}")
    box.get_by_role("link", name="Show the new forecasts").click()
    expect(page.locator("#run_summary")).to_contain_text(f"Forecast run #{newest.pk}")

    # The index's tile leads to the purchase orders; the partner's order is printable.
    page.goto(reverse("dashboard:index"))
    expect(page.locator("#tile_at_risk")).to_contain_text("SKUs at risk")
    page.screenshot(path=shots / "index_tile.png", full_page=True)
    page.locator("#tile_orders").click()
    expect(page.locator("h1")).to_have_text("Purchase orders")
    page.locator("#suggested_orders").get_by_role("link", name="Review and order").first.click()
    expect(page.locator("#order_lines tbody tr")).to_have_count(1)  # the vase
    page.screenshot(path=shots / "purchase_order.png", full_page=True)
    page.get_by_role("button", name="Mark as ordered").click()
    expect(page.locator("#messages .alert-success")).to_contain_text("units on order")
    expect(page.locator("#purchase_orders tbody tr")).to_have_count(1)
    page.screenshot(path=shots / "purchase_orders.png", full_page=True)
