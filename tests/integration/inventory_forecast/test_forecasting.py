"""Forecast runs on the real database: forecasts, plans, alerts, the lock, failures, re-plans."""

import math
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from oscar.core.loading import get_model

from inventory_forecast import alerts, forecasting, policies, replanning
from inventory_forecast.models import (
    ForecastRun,
    ReplenishmentSettings,
    SkuForecast,
    StockOutDay,
    StockRiskAlert,
)
from oscar_insights import runs

StockRecord = get_model("partner", "StockRecord")
TODAY = date(2026, 6, 1)

pytestmark = pytest.mark.django_db


def forecast_of(pk, run=None):
    return SkuForecast.objects.get(run=run or runs.current(ForecastRun), stockrecord_id=pk)


def test_a_run_forecasts_plans_and_raises_alerts(history):
    run = forecasting.run_forecasts(trigger="test", today=TODAY)
    assert run.status == ForecastRun.CURRENT and run.skus == 3 and run.progress == 100
    assert run.as_of == TODAY
    steady = forecast_of(history["10001"])
    # Ten units every week: every member of the combination forecasts 10 a week.
    assert steady.forecast == pytest.approx([10.0] * 8)
    assert steady.mean_daily == pytest.approx(10 / 7)
    assert steady.demand_class == "smooth"
    assert steady.lead_time_days == 14 and steady.review_days == 7
    # The reorder point is the 14-day demand plus the safety stock; 200 units cover 140 days.
    assert steady.reorder_point == pytest.approx(20 + steady.safety_stock)
    assert steady.days_of_cover == pytest.approx(140)
    assert steady.stockout_date == TODAY + timedelta(days=140)
    assert steady.risk == "ok" and steady.suggested_order == 0
    # Its backtests forecast 10 against 10: no error, and 20 never exceeds the reorder point.
    assert steady.mae == pytest.approx(0, abs=1e-9) and steady.stockout_share == 0
    # 30 units every fourth week: ADI 4 (irregular), CV² 0 (one size): intermittent, not lumpy.
    assert forecast_of(history["10002"]).demand_class == "intermittent"
    # Nothing left of the lumpy vase: out of stock, an alert with its reason, a stock-out day.
    vase = forecast_of(history["10002"])
    assert vase.risk == "out_of_stock" and vase.suggested_order > 0
    alert = StockRiskAlert.objects.get(stockrecord_id=history["10002"])
    assert alert.status == "open" and alert.risk == "out_of_stock"
    assert alert.reason == "No stock available"
    assert list(alert.events.values_list("action", "risk")) == [("raised", "out_of_stock")]
    # Revenue over the year before TODAY at 2.50 a unit: 26 x 10 mugs, 7 x 30 vases, 4 x 5
    # candles; the mug and the vase start under 80 % of the 1,225 (A), the candle at 96 % (C).
    revenue = {sku: forecast_of(history[sku]) for sku in ("10001", "10002", "10003")}
    assert {sku: (f.revenue, f.abc_class) for sku, f in revenue.items()} == {
        "10001": (pytest.approx(650), "A"), "10002": (pytest.approx(525), "A"),
        "10003": (pytest.approx(50), "C")}
    # The vase's expected lost sales over its lead time, at its price.
    assert vase.unit_price == pytest.approx(2.5)
    assert vase.revenue_at_risk == pytest.approx(vase.expected_lost_sales * 2.5)
    assert vase.revenue_at_risk > 0 and steady.revenue_at_risk == pytest.approx(0, abs=1e-6)
    assert StockOutDay.objects.filter(stockrecord_id=history["10002"], day=TODAY).exists()
    assert run.metrics["alerts"] == {"opened": 1, "updated": 0, "closed": 0}
    assert set(run.metrics["accuracy"]) >= {"mae", "rmsse", "wape", "bias"}


def test_alerts_close_when_stock_arrives_and_reopen_as_one(history):
    forecasting.run_forecasts(today=TODAY)
    vase = history["10002"]
    StockRecord.objects.filter(pk=vase).update(num_in_stock=500)
    assert replanning.replan([vase], today=TODAY) == 1
    assert forecast_of(vase).risk == "ok"
    closed = StockRiskAlert.objects.get(stockrecord_id=vase)
    assert closed.status == "closed"
    assert list(closed.events.values_list("action", flat=True)) == ["raised", "closed"]
    # Re-planned: nothing short, nothing at risk.
    assert forecast_of(vase).revenue_at_risk == pytest.approx(0, abs=1e-6)
    StockRecord.objects.filter(pk=vase).update(num_in_stock=0)
    forecasting.run_forecasts(today=TODAY)
    assert StockRiskAlert.objects.filter(stockrecord_id=vase).count() == 2
    assert StockRiskAlert.objects.filter(stockrecord_id=vase).exclude(status="closed").count() == 1


def test_settings_per_partner_and_per_stock_record(history):
    record = StockRecord.objects.get(pk=history["10001"])
    ReplenishmentSettings.objects.create(partner=record.partner, lead_time_days=28, pack_size=12)
    ReplenishmentSettings.objects.create(stockrecord=record, review_days=14)
    plans = policies.policies([(record.pk, record.partner_id),
                                  (history["10003"], record.partner_id)])
    assert plans[record.pk] == policies.Policy(28, 14, 0.95, 12, 0)
    assert plans[history["10003"]] == policies.Policy(28, 7, 0.95, 12, 0)
    forecasting.run_forecasts(today=TODAY)
    steady = forecast_of(record.pk)
    assert steady.lead_time_days == 28 and steady.reorder_point == pytest.approx(40 + steady.safety_stock)


def test_one_run_at_a_time_and_a_failed_run_keeps_the_last_forecasts(history):
    good = forecasting.run_forecasts(today=TODAY)
    running = runs.acquire(ForecastRun, "other")
    with pytest.raises(runs.RunInProgress, match=f"#{running.pk} is still running"):
        forecasting.run_forecasts(today=TODAY)
    with pytest.raises(CommandError, match="still running"):
        call_command("run_forecasts")
    ForecastRun.objects.filter(pk=running.pk).delete()

    def interrupt(percent, stage):
        if stage.startswith("planning"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        forecasting.run_forecasts(today=TODAY, callback=interrupt)
    failed = ForecastRun.objects.get(status=ForecastRun.FAILED)
    assert "KeyboardInterrupt" in failed.error
    assert not SkuForecast.objects.filter(run=failed).exists()
    assert runs.current(ForecastRun) == good
    assert forecast_of(history["10001"]).run == good


@override_settings(INVENTORY_FORECAST_METHOD="nope")
def test_a_bad_method_fails_clearly_and_keeps_nothing(history):
    from oscar_insights.registry import UnknownComponent

    with pytest.raises(UnknownComponent, match="Unknown forecaster 'nope'"):
        forecasting.run_forecasts(today=TODAY)
    assert ForecastRun.objects.get().status == ForecastRun.FAILED
    assert runs.current(ForecastRun) is None


def test_a_late_failure_never_empties_the_current_forecasts(history, monkeypatch):
    def broken(run, stockrecord_ids=None):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(alerts, "sync_alerts", broken)
    run = forecasting.run_forecasts(today=TODAY)  # alerts fail after publishing: logged
    assert run.status == ForecastRun.CURRENT
    assert SkuForecast.objects.filter(run=run).count() == 3


def test_untracked_stock_is_not_planned(history):
    StockRecord.objects.filter(pk=history["10002"]).update(num_in_stock=None)
    run = forecasting.run_forecasts(today=TODAY)
    assert not SkuForecast.objects.filter(run=run, stockrecord_id=history["10002"]).exists()
    assert not StockRiskAlert.objects.exists()


def test_a_young_shop_gets_the_textbook_safety_stock_scaled_to_its_lead_days(history):
    # Three SKUs give fewer backtest errors than a calibration needs (30): the safety stock
    # is the textbook z·σ·√periods, σ² = half the mean squared weekly change.  The vase sells
    # 30, 0, 0, 0, 30, ... (25 weeks): 12 of its 24 changes are ±30, so σ² = 12·900/24/2.
    run = forecasting.run_forecasts(today=TODAY)
    textbook = {"level": "textbook", "checked_stockout_share": None}
    assert run.metrics["quantile_levels"] == {"0.95": {"lead": textbook,
                                                       "protection": textbook}}
    vase = forecast_of(history["10002"])
    z = 1.6448536269514722
    assert vase.safety_stock == pytest.approx(z * math.sqrt(2 * 225), rel=1e-6)
    assert forecast_of(history["10001"]).safety_stock == pytest.approx(0)  # never changes
    # A 10-day lead time still backtests in 2-week windows: √(10/14) of their safety stock.
    ReplenishmentSettings.objects.create(stockrecord_id=history["10002"], lead_time_days=10)
    forecasting.run_forecasts(today=TODAY)
    shorter = forecast_of(history["10002"])
    assert shorter.safety_stock == pytest.approx(vase.safety_stock * math.sqrt(10 / 14))
    assert shorter.reorder_point == pytest.approx(shorter.mean_daily * 10 + shorter.safety_stock)


def test_stock_that_changes_while_a_run_works_is_planned_with_its_new_level(history):
    mug = history["10001"]

    def sell_out(percent, stage):
        if stage == "publishing":  # an order took the last mugs while the run was writing
            StockRecord.objects.filter(pk=mug).update(num_in_stock=0)

    run = forecasting.run_forecasts(today=TODAY, callback=sell_out)
    assert run.metrics["restocked"] == 1
    mug_forecast = forecast_of(mug, run)
    assert mug_forecast.available == 0 and mug_forecast.risk == "out_of_stock"
    assert mug_forecast.days_of_cover == 0 and mug_forecast.stockout_date == TODAY  # none left
    assert StockRiskAlert.objects.get(stockrecord_id=mug).status == "open"
