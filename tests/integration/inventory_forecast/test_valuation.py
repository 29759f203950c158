"""Revenue per stock record from the imported fixture orders (its lines and cancellations as
test_import_order_history's docstring works them out)."""

from datetime import date

import pytest
from django.test import override_settings
from oscar.core.loading import get_model

from inventory_forecast.valuation import abc_classes, revenue_by_stockrecord

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def by_sku(revenue):
    skus = dict(StockRecord.objects.values_list("pk", "partner_sku"))
    return {skus[pk]: round(value, 2) for pk, value in revenue.items()}


def test_revenue_is_net_of_cancelled_units(imported_history):
    revenue = by_sku(revenue_by_stockrecord(date(2011, 3, 9)))
    # Red mug: 3 of 6 left at 2.50 (500001), none of 12 at 2.10 (500002), a guest's 1 at 2.50
    # (500004), 2 at 2.50 (500009).  Green vase: 2 + 1 at 7.95.  Blue mugs and candles were all
    # cancelled.
    assert revenue == {"20001": 15.0, "20003A": 23.85, "20002": 0.0, "20004": 0.0}
    # 38.85 in all: the vase starts at 0 %, the mug at 61 % (both A); the rest sold nothing.
    assert abc_classes(revenue, (0.8, 0.95)) == {"20003A": "A", "20001": "A", "20002": "C",
                                                 "20004": "C"}
    assert abc_classes(revenue, (0.5, 0.95))["20001"] == "B"


@override_settings(INVENTORY_FORECAST_ABC_WINDOW_DAYS=7)
def test_revenue_counts_the_window_before_the_day_only(imported_history):
    # 2011-03-02 to 2011-03-08: the mug's 500009 and the vase's 500008; 2011-03-09 is not in.
    revenue = by_sku(revenue_by_stockrecord(date(2011, 3, 9)))
    assert {sku: value for sku, value in revenue.items() if value} == {"20001": 5.0,
                                                                       "20003A": 7.95}
    # 2011-03-01 to 2011-03-07: the guest's mug (500004, 03-01) comes in, 500009 goes out.
    assert {sku: value for sku, value in by_sku(revenue_by_stockrecord(date(2011, 3, 8))).items()
            if value} == {"20001": 2.5, "20003A": 7.95}
