"""
A forecast run in chunks, in-process (the management command's way; the chord through a real
worker is in ``test_forecasting_worker.py``): chunks done in any order publish the same run, a
chunk's last failure fails the run and keeps the last good one, a retried chunk completes it.
"""

from datetime import date

import pytest
from django.test import override_settings

from inventory_forecast import chunks, conf, forecasting
from inventory_forecast.models import ForecastChunk, ForecastRun, SkuForecast
from oscar_insights import runs
from oscar_insights.models import RunPart

TODAY = date(2026, 6, 1)
FORECASTERS = {
    **conf.DEFAULTS["FORECASTERS"],
    "broken_on_peaks": {"class": "tests.forecasters.BrokenOnPeaks", "params": {"window_size": 4}},
    "fails_once": {"class": "tests.forecasters.FailsOnce", "params": {"window_size": 4}},
}
FIELDS = ("stockrecord_id", "demand_class", "forecast", "mean_daily", "lead_quantile",
          "protection_quantile", "safety_stock", "reorder_point", "suggested_order",
          "days_of_cover", "stockout_date", "risk", "stockout_share", "mae", "rmsse")

pytestmark = [pytest.mark.django_db,
              pytest.mark.usefixtures("history")]


def published(run):
    return list(SkuForecast.objects.filter(run=run).order_by("stockrecord_id").values(*FIELDS))


@override_settings(INVENTORY_FORECAST_CHUNK_SIZE=1)
def test_chunks_done_in_any_order_publish_the_same_run():
    in_order = forecasting.run_forecasts(today=TODAY)
    assert in_order.chunks.count() == 3 and in_order.metrics["chunks"]["count"] == 3
    assert not in_order.chunks.filter(backtest__isnull=False).exists()  # emptied once published
    assert set(in_order.chunks.values_list("status", flat=True)) == {RunPart.DONE}
    run = forecasting.start(today=TODAY)
    for index in (2, 0, 1):  # as two workers might finish them
        chunks.forecast_chunk(run.pk, index)
    reversed_order = forecasting.finish(run.pk)
    assert reversed_order.status == ForecastRun.CURRENT and reversed_order.skus == 3
    assert published(reversed_order) == published(in_order)


@override_settings(INVENTORY_FORECAST_CHUNK_SIZE=1, INVENTORY_FORECAST_FORECASTERS=FORECASTERS)
def test_a_chunk_failing_its_last_attempt_fails_the_run_and_the_last_good_one_serves():
    good = forecasting.run_forecasts(today=TODAY)
    with override_settings(INVENTORY_FORECAST_METHOD="broken_on_peaks"):
        with pytest.raises(RuntimeError, match="peak of 30 units"):
            forecasting.run_forecasts(today=TODAY)
    failed = ForecastRun.objects.get(status=ForecastRun.FAILED)
    assert failed.error.startswith("Forecast chunk 2 of 3 failed after 1 attempt: RuntimeError")
    assert not SkuForecast.objects.filter(run=failed).exists()
    assert not ForecastChunk.objects.filter(run=failed).exists()
    assert runs.current(ForecastRun) == good
    # The lock is free: the next run goes ahead.
    assert forecasting.run_forecasts(today=TODAY).status == ForecastRun.CURRENT


@override_settings(INVENTORY_FORECAST_CHUNK_SIZE=1, INVENTORY_FORECAST_FORECASTERS=FORECASTERS,
                   INVENTORY_FORECAST_METHOD="fails_once")
def test_a_chunk_that_fails_with_attempts_left_keeps_the_run_going_and_its_retry_completes(
        tmp_path, monkeypatch):
    monkeypatch.setenv("FAILS_ONCE_DIR", str(tmp_path))
    run = forecasting.start(today=TODAY)
    with pytest.raises(ConnectionError):
        chunks.forecast_chunk(run.pk, 0, last_attempt=False)
    chunk = run.chunks.get(index=0)
    assert chunk.status == RunPart.PENDING and chunk.attempts == 1
    assert "lost the connection" in chunk.error
    run.refresh_from_db()
    assert run.status == ForecastRun.RUNNING
    for index in range(3):
        chunks.forecast_chunk(run.pk, index)
    assert run.chunks.get(index=0).attempts == 2
    assert forecasting.finish(run.pk).status == ForecastRun.CURRENT


@override_settings(INVENTORY_FORECAST_CHUNK_SIZE=1)
def test_a_run_finished_before_its_chunks_are_in_fails_and_its_late_chunks_do_nothing():
    run = forecasting.start(today=TODAY)
    chunks.forecast_chunk(run.pk, 0)
    with pytest.raises(chunks.IncompleteRun, match="Chunks 2, 3 of forecast run"):
        forecasting.finish(run.pk)
    run.refresh_from_db()
    assert run.status == ForecastRun.FAILED and runs.current(ForecastRun) is None
    with pytest.raises(runs.RunAborted, match="is failed"):
        chunks.forecast_chunk(run.pk, 1)
