"""The recommendations section of the dashboard in a real browser (Playwright, Chromium): its
charts are drawn (the canvases hold painted pixels).  Screenshots go to the test's folder, or
to ``SCREENSHOTS_DIR`` when it is set."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.functional.inventory_forecast.test_dashboard_browser import PAINTED

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_see_the_versions_and_events_drawn(browser_page, trained, django_user_model,
                                                 tmp_path):
    from playwright.sync_api import expect

    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    page = browser_page
    django_user_model.objects.create_superuser("boss", "boss@example.com", "boss-password")
    page.goto(reverse("dashboard:recommendations-overview"))
    page.fill("#id_username", "boss@example.com")
    page.fill("#id_password", "boss-password")
    page.click("#dashboard_login_form [type=submit]")
    expect(page.locator("h1")).to_have_text("Recommendations")
    for canvas in ("#ndcg_chart canvas", "#events_chart canvas"):
        expect(page.locator(canvas)).to_have_attribute("data-drawn", "true")
        assert page.locator(canvas).evaluate(PAINTED) > 1000, canvas
    page.screenshot(path=shots / "recommendations.png", full_page=True)
    page.locator("#versions tbody a").first.click()
    expect(page.locator("#candidates")).to_contain_text("popularity")
    page.screenshot(path=shots / "recommendations_version.png", full_page=True)
    # The preview: a customer's blocks, each product with its reason.
    page.goto(reverse("dashboard:recommendations-preview"))
    page.fill("#id_customer", str(trained[0][3].pk))
    page.get_by_role("button", name="Preview").click()
    first = page.locator('table[data-block="for_you"] tbody tr').first
    expect(first).to_contain_text("Picked for you")
    page.screenshot(path=shots / "recommendations_preview.png", full_page=True)
