"""Forecast breaks in the dashboard: the risk list counts and filters them, shows them beside
the risk with the reason, and the SKU page shows the latest window's demand against its
forecast."""

import pytest
from django.urls import reverse

from inventory_forecast.forecasting import run_forecasts
from tests.factories import BREAKS_DAY, SLUMP, SPIKE

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:inventory-forecast-risk-list")


@pytest.fixture
def broken(break_shop):
    run_forecasts(trigger="test", today=BREAKS_DAY)
    return break_shop


def skus(response):
    return sorted(row.record.stockrecord.partner_sku
                  for row in response.context["risks"].page.object_list)


def test_the_risk_list_counts_and_filters_forecast_breaks(staff_client, broken):
    page = staff_client.get(LIST)
    html = " ".join(page.content.decode().split())
    assert ('<a href="?accuracy=broken" class="btn btn-sm btn-outline-secondary">Forecast break '
            '<span class="badge badge-secondary">2</span></a>') in html
    assert skus(staff_client.get(LIST, {"accuracy": "broken"})) == [SPIKE, SLUMP]
    assert skus(staff_client.get(LIST, {"accuracy": "above"})) == [SPIKE]
    assert skus(staff_client.get(LIST, {"accuracy": "below"})) == [SLUMP]
    html = " ".join(staff_client.get(LIST, {"accuracy": "above"}).content.decode().split())
    row = html[html.index(f'id="risk_{broken[SPIKE]}"'):]
    row = row[:row.index("</tr>")]
    assert 'title="Demand above its forecast interval">Forecast break</span>' in row
    assert "Sold 120 in the last 2 weeks, forecast 20" in row


def test_the_sku_page_shows_the_latest_window_against_its_forecast(staff_client, broken):
    url = reverse("dashboard:inventory-forecast-sku", args=[broken[SLUMP]])
    html = " ".join(staff_client.get(url).content.decode().split())
    assert ('<tr id="sku_recent" class="table-warning"><th>Last 2 weeks: sold / forecast</th>'
            '<td class="text-right">0 / 40<br><strong>Demand below its forecast interval'
            '</strong></td></tr>') in html
    assert "<strong>Forecast break</strong> · Open · Sold 0 in the last 2 weeks, forecast 40" \
        in html
