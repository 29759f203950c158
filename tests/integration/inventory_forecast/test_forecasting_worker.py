"""
Forecast runs end to end through a real Celery worker: the run's chunks as a chord (retried,
failing, identical to the command's run), and a placed order re-planning its SKUs.
"""

import time
from datetime import date

import pytest
from django.test import override_settings
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from inventory_forecast import forecasting
from inventory_forecast.models import ForecastRun, SkuForecast, StockRiskAlert
from inventory_forecast.tasks import run_forecasts
from oscar_insights import runs
from oscar_insights.importing import import_order_history
from tests import worker_settings
from tests.factories import write_sales_history
from tests.integration.inventory_forecast.test_chunks import published
from tests.runs import finished

StockRecord = get_model("partner", "StockRecord")
Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]
CHUNKED = pytest.mark.worker_env(DJANGO_SETTINGS_MODULE="tests.worker_settings")


def same_settings_in_process(**extra):
    """The worker's settings (tests.worker_settings) for a run in this process."""
    return override_settings(
        INVENTORY_FORECAST_CHUNK_SIZE=worker_settings.INVENTORY_FORECAST_CHUNK_SIZE,
        INVENTORY_FORECAST_FORECASTERS=worker_settings.INVENTORY_FORECAST_FORECASTERS, **extra)


@pytest.fixture
def fails_once_dir(tmp_path, monkeypatch):
    """The folder of the ``fails_once`` forecaster, for this process and the worker."""
    monkeypatch.setenv("FAILS_ONCE_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_FORECAST_METHOD", "fails_once")
    return tmp_path


@CHUNKED
def test_a_run_fans_out_as_a_chord_retries_a_failed_chunk_and_matches_the_command(
        fails_once_dir, celery_worker_process, tmp_path):
    import_order_history(write_sales_history(tmp_path / "sales.csv", end=date.today()))
    log = celery_worker_process
    payload = run_forecasts.delay(trigger="on demand").get(timeout=120)
    assert payload.get("dispatched") and payload["parts"] == 3, log.read_text()[-4000:]
    run = finished(ForecastRun, payload["run"], log)
    assert run.status == ForecastRun.CURRENT, run.error
    assert run.skus == 3 and run.metrics["chunks"]["count"] == 3
    # The first fit failed (a lost connection): its chunk was retried once, by the worker.
    assert sorted(run.chunks.values_list("attempts", flat=True)) == [1, 1, 2]
    assert "Retry in 5s" in log.read_text()
    with same_settings_in_process(INVENTORY_FORECAST_METHOD="fails_once"):
        command = forecasting.run_forecasts(today=run.as_of)  # failed once already: fits now
    assert published(command) == published(run)


@pytest.mark.worker_env(DJANGO_SETTINGS_MODULE="tests.worker_settings",
                        TEST_FORECAST_METHOD="broken_on_peaks")
def test_a_chunk_failing_every_attempt_in_the_worker_fails_the_run_and_the_last_good_serves(
        celery_worker_process, tmp_path):
    import_order_history(write_sales_history(tmp_path / "sales.csv", end=date.today()))
    log = celery_worker_process
    with same_settings_in_process():
        good = forecasting.run_forecasts()
    payload = run_forecasts.delay().get(timeout=120)
    run = finished(ForecastRun, payload["run"], log)
    assert run.status == ForecastRun.FAILED
    assert run.error.startswith("Forecast chunk 2 of 3 failed after 2 attempts: RuntimeError")
    assert not SkuForecast.objects.filter(run=run).exists()
    assert runs.current(ForecastRun) == good


def test_worker_forecasts_and_replans_after_an_order(celery_worker_process, tmp_path):
    import_order_history(write_sales_history(tmp_path / "sales.csv", end=date.today()))
    mug = StockRecord.objects.get(partner_sku="10001")
    StockRecord.objects.filter(pk=mug.pk).update(num_in_stock=60, num_allocated=0)
    log = celery_worker_process

    payload = run_forecasts.delay(trigger="on demand").get(timeout=300)
    assert "run" in payload, log.read_text()[-4000:]
    run = finished(ForecastRun, payload["run"], log)
    assert run.status == ForecastRun.CURRENT and run.trigger == "on demand" and run.skus == 3
    assert SkuForecast.objects.get(run=run, stockrecord=mug).risk == "ok"  # 42 days of cover

    # An order of 50 mugs allocates them: 10 left, 7 days of cover, less than the lead time.
    basket = Basket.objects.create()
    basket.strategy = Selector().strategy()
    basket.add_product(mug.product, 50)
    create_order(basket=basket)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        forecast = SkuForecast.objects.get(run=run, stockrecord=mug)
        if forecast.available == 10:
            break
        time.sleep(0.5)
    assert forecast.available == 10, log.read_text()[-4000:]
    assert forecast.risk == "stockout_before_delivery"
    assert StockRiskAlert.objects.get(stockrecord=mug).status == "open"
