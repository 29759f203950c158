"""
The dashboard's risk list in a real browser (Playwright, Chromium) on the live server: from
Oscar's stock-alert list to acknowledging an alert, and who is refused.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from inventory_forecast.models import StockRiskAlert

# The live server reads what the test wrote: committed data, the tables flushed afterwards.
pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_follow_oscars_stock_alerts_to_the_forecast_risks_and_acknowledge_one(
        browser_page, live_server, at_risk_history, django_user_model):
    # Imported here: without Playwright the browser fixture skips (fails under CI=true) rather
    # than this module failing to import.
    from playwright.sync_api import expect

    page = browser_page
    staff = django_user_model.objects.create_user(
        username="staff", email="staff@example.com", password="staff-password", is_staff=True)
    # Oscar 4.2's stock-alert list asks for its model permission; the risk list for ours, and
    # acknowledging an alert changes it.
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="partner", codename="view_stockalert"),
        Permission.objects.get(content_type__app_label="inventory_forecast",
                               codename="view_skuforecast"),
        Permission.objects.get(content_type__app_label="inventory_forecast",
                               codename="change_stockriskalert"))
    alert = StockRiskAlert.objects.get(stockrecord_id=at_risk_history["10002"])
    assert alert.status == StockRiskAlert.OPEN and alert.risk == "out_of_stock"

    stock_alerts = reverse("dashboard:stock-alert-list")
    page.goto(stock_alerts)
    expect(page).to_have_url(re.compile(re.escape(reverse("dashboard:login")) + r"\?next="))
    page.fill("#id_username", "staff@example.com")
    page.fill("#id_password", "staff-password")
    page.click("#dashboard_login_form [type=submit]")
    expect(page).to_have_url(live_server.url + stock_alerts)
    expect(page.locator("h1")).to_have_text("Stock alerts")

    link = page.locator("#stock_risk_link")
    expect(link).to_have_text(re.compile(r"Forecast stock risks \(1 live\)"))
    link.click()
    risks = reverse("dashboard:inventory-forecast-risk-list") + "?alert=live"
    expect(page).to_have_url(live_server.url + risks)
    row = page.locator(f"#risk_{alert.stockrecord_id}")
    expect(row).to_contain_text(alert.reason)
    expect(row).to_contain_text("10002")
    expect(row).to_contain_text("Out of stock")
    expect(row).to_contain_text("Open")

    row.get_by_role("button", name="Acknowledge").click()
    expect(page).to_have_url(live_server.url + risks)
    expect(page.locator("#messages .alert-success")).to_contain_text("was acknowledged")
    # Still live, now acknowledged and without the button.
    expect(row).to_contain_text("Acknowledged")
    expect(row.get_by_role("button", name="Acknowledge")).to_have_count(0)
    alert.refresh_from_db()
    assert alert.status == StockRiskAlert.ACKNOWLEDGED
    assert alert.acknowledged_at is not None and alert.updated_at >= alert.acknowledged_at

    # The dashboard menu leads to the whole list.
    page.locator("#bottom_nav_bar").get_by_role("button", name="Stock forecasts").click()
    page.locator("#bottom_nav_bar").get_by_role("link", name="Stock risks").click()
    expect(page.locator("#risk_list tbody tr")).to_have_count(3)


def test_the_page_refuses_non_staff_and_sends_visitors_to_the_login(
        browser_page, live_server, at_risk_history, django_user_model, client):
    page = browser_page
    risks = reverse("dashboard:inventory-forecast-risk-list")
    response = page.goto(risks)
    assert page.url.startswith(live_server.url + reverse("dashboard:login"))
    assert response.status == 200

    shopper = django_user_model.objects.create_user(
        username="shopper", email="shopper@example.com", password="shopper-password")
    client.force_login(shopper)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    response = page.goto(risks)
    assert response.status == 403
    assert "Stock risks" not in page.content()
    assert StockRiskAlert.objects.get(stockrecord_id=at_risk_history["10002"]).status == "open"
