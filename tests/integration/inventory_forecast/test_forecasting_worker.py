"""Forecast runs end to end through a real Celery worker; a placed order re-plans its SKUs."""

import time
from datetime import date

import pytest
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from inventory_forecast.models import ForecastRun, SkuForecast, StockRiskAlert
from inventory_forecast.tasks import run_forecasts
from oscar_insights.importing import import_order_history
from tests.factories import write_sales_history

StockRecord = get_model("partner", "StockRecord")
Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


def test_worker_forecasts_and_replans_after_an_order(celery_worker_process, tmp_path):
    import_order_history(write_sales_history(tmp_path / "sales.csv", end=date.today()))
    mug = StockRecord.objects.get(partner_sku="10001")
    StockRecord.objects.filter(pk=mug.pk).update(num_in_stock=60, num_allocated=0)
    log = celery_worker_process

    payload = run_forecasts.delay(trigger="on demand").get(timeout=300)
    assert "run" in payload, log.read_text()[-4000:]
    run = ForecastRun.objects.get(pk=payload["run"])
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
