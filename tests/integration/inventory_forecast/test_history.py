"""Demand history from the imported fixture orders (expectations worked out in
test_import_order_history's docstring)."""

from datetime import date

import pytest
from oscar.core.loading import get_model

from inventory_forecast.history import daily_sales_from_orders, period_series
from inventory_forecast.models import StockOutDay

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def record(sku):
    return StockRecord.objects.get(partner_sku=sku).pk


def test_units_sold_net_of_cancellations_guests_included(imported_history):
    daily = daily_sales_from_orders()
    # Red mug: 6 - 3 cancelled (500001), 12 - 12 (500002), a guest's 1 (500004), 2 (500009).
    assert daily[record("20001")] == {date(2011, 1, 3): 3, date(2011, 2, 10): 0,
                                      date(2011, 3, 1): 1, date(2011, 3, 8): 2}
    assert daily[record("20003A")] == {date(2011, 2, 10): 2, date(2011, 3, 4): 1}
    # Blue mugs and candles were all cancelled: no sale, so no series either.
    assert set(daily[record("20002")].values()) == {0}
    weekly = period_series(daily, "W", date(2011, 3, 8))
    assert record("20002") not in weekly and record("20004") not in weekly
    assert weekly[record("20001")].values.sum() == 6


def test_stock_out_days_without_sales_are_missing(imported_history):
    mug = record("20001")
    StockOutDay.objects.create(stockrecord_id=mug, day=date(2011, 2, 20))
    StockOutDay.objects.create(stockrecord_id=mug, day=date(2011, 3, 8))  # sold that day: kept
    daily = daily_sales_from_orders(stockrecord_ids=[mug], until=date(2011, 3, 5))
    assert set(daily) == {mug}
    assert daily[mug] == {date(2011, 1, 3): 3, date(2011, 2, 10): 0, date(2011, 2, 20): None,
                          date(2011, 3, 1): 1}
    assert daily_sales_from_orders(stockrecord_ids=[mug])[mug][date(2011, 3, 8)] == 2
