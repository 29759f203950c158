"""
Forecast-accuracy breaks on the real database: a forecast run over a shop of steady sellers in
which one SKU's demand jumped in its latest lead-time window and one's collapsed raises a
"forecast break" alert for each (ranked after the stock risks), says why in a few words, and
leaves the steady ones alone; a break that also runs out of stock keeps one alert, of the stock
risk.
"""

import pytest
from django.test import override_settings
from oscar.core.loading import get_model

from inventory_forecast import forecasting
from inventory_forecast.models import ForecastRun, SkuForecast, StockRiskAlert
from oscar_insights import runs
from tests.factories import BREAKS_DAY as TODAY
from tests.factories import SLUMP, SPIKE, STEADY

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(break_shop):
    return break_shop


def forecast_of(pk):
    return SkuForecast.objects.get(run=runs.current(ForecastRun), stockrecord_id=pk)


def test_demand_far_outside_its_interval_raises_a_forecast_break(shop):
    forecasting.run_forecasts(trigger="test", today=TODAY)
    spike, slump = forecast_of(shop[SPIKE]), forecast_of(shop[SLUMP])
    # The latest window is the lead time (14 days, two weeks), forecast from the weeks before.
    assert spike.recent_weeks == 2 and spike.recent_demand == pytest.approx(120)
    assert spike.recent_forecast == pytest.approx(20, abs=1)
    assert spike.accuracy_break == "above" and spike.risk == "ok"
    assert slump.recent_demand == 0 and slump.recent_forecast == pytest.approx(40, abs=1)
    assert slump.accuracy_break == "below"
    steady = SkuForecast.objects.filter(run=runs.current(ForecastRun),
                                        stockrecord__partner_sku__in=STEADY)
    assert steady.count() == 20 and not steady.exclude(accuracy_break="").exists()
    alerts = {a.stockrecord_id: a for a in StockRiskAlert.objects.all()}
    assert set(alerts) == {shop[SPIKE], shop[SLUMP]}
    assert alerts[shop[SPIKE]].risk == "forecast_break"
    assert alerts[shop[SPIKE]].reason == "Sold 120 in the last 2 weeks, forecast 20"
    assert alerts[shop[SLUMP]].reason == "Sold 0 in the last 2 weeks, forecast 40"


def test_a_break_at_a_stock_risk_keeps_one_alert_of_the_stock_risk(shop):
    StockRecord.objects.filter(pk=shop[SPIKE]).update(num_in_stock=0)
    forecasting.run_forecasts(trigger="test", today=TODAY)
    (alert,) = StockRiskAlert.objects.filter(stockrecord_id=shop[SPIKE])
    assert alert.risk == "out_of_stock"
    assert alert.reason == "No stock available; Sold 120 in the last 2 weeks, forecast 20"


def test_breaks_are_configurable_and_can_be_switched_off(shop):
    with override_settings(INVENTORY_FORECAST_ACCURACY_BREAK_MIN_UNITS=200):
        forecasting.run_forecasts(trigger="test", today=TODAY)
    assert not SkuForecast.objects.exclude(accuracy_break="").exists()
    with override_settings(INVENTORY_FORECAST_ALERT_RISKS=("out_of_stock",)):
        forecasting.run_forecasts(trigger="test", today=TODAY)
    # Measured and shown, but no alert: breaks are not among the alerting risks.
    assert forecast_of(shop[SPIKE]).accuracy_break == "above"
    assert not StockRiskAlert.objects.exists()
