"""Fixtures of the inventory_forecast functional tests: a forecast run that raised an alert."""

from datetime import date

import pytest
from oscar.core.loading import get_model

from inventory_forecast.forecasting import run_forecasts
from oscar_insights.importing import import_order_history
from tests.factories import write_sales_history

StockRecord = get_model("partner", "StockRecord")
TODAY = date(2026, 6, 1)


@pytest.fixture
def at_risk_history(tmp_path, django_capture_on_commit_callbacks):
    """
    The synthetic sales history imported, stock set as in the forecasting tests (10001: 200,
    10002: none, 10003: 50) and a forecast run as of 2026-06-01, which raises one alert: SKU
    10002 out of stock.  Returns ``{sku: stock record id}``.  Needs ``db`` or
    ``transactional_db`` (on-commit work runs in both).
    """
    with django_capture_on_commit_callbacks(execute=True):
        import_order_history(write_sales_history(tmp_path / "sales.csv"))
    records = dict(StockRecord.objects.values_list("partner_sku", "pk"))
    for sku, stock in (("10001", 200), ("10002", 0), ("10003", 50)):
        StockRecord.objects.filter(pk=records[sku]).update(num_in_stock=stock, num_allocated=0)
    run_forecasts(trigger="test", today=TODAY)
    return records
