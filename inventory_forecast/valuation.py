"""
What a stock record is worth to the shop: its revenue over a window, its ABC class and the
revenue its projected shortage puts at risk.

* revenue: order lines' ``line_price_excl_tax`` over ``INVENTORY_FORECAST_ABC_WINDOW_DAYS``
  before the forecast day, net of cancelled units (at the line's unit price);
* ABC class (Pareto): stock records by revenue, largest first; those making up the first
  ``ABC_SHARES[0]`` of the revenue are A, up to ``ABC_SHARES[1]`` B, the rest (no revenue
  included) C;
* revenue at risk: the expected lost sales over the lead time times the unit price.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Sum
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_insights.db import chunked
from oscar_insights.orders import cancelled_units

from . import conf


def window(as_of):
    """``(start, end)`` datetimes of the ABC window ending at the start of day ``as_of``."""
    end = timezone.make_aware(datetime.combine(as_of, time.min))
    return end - timedelta(days=conf.ABC_WINDOW_DAYS), end


def revenue_by_stockrecord(as_of):
    """``{stock record id: revenue}`` over the window before ``as_of`` (module docstring);
    stock records without sales are absent."""
    Line = get_model("order", "Line")
    start, end = window(as_of)
    lines = Line.objects.filter(stockrecord__isnull=False, order__date_placed__gte=start,
                                order__date_placed__lt=end)
    revenue = defaultdict(float)
    for record, total in (lines.order_by().values_list("stockrecord_id")
                          .annotate(Sum("line_price_excl_tax"))):
        revenue[record] += float(total or 0)
    cancelled = cancelled_units()  # cancellations are few: read them all
    for batch in chunked(list(cancelled)):
        for pk, record, quantity, price in lines.filter(pk__in=batch).values_list(
                "pk", "stockrecord_id", "quantity", "line_price_excl_tax"):
            if quantity and price is not None:
                revenue[record] -= float(price) * min(cancelled[pk], quantity) / quantity
    return {record: max(value, 0.0) for record, value in revenue.items()}


def abc_classes(revenue, shares=None):
    """``{key: "A" | "B" | "C"}`` of every key of ``revenue`` (module docstring); ties in
    revenue keep the order of the keys."""
    a_share, b_share = shares or conf.ABC_SHARES
    total = sum(value for value in revenue.values() if value > 0)
    classes, running = {}, 0.0
    for key in sorted(revenue, key=lambda k: -revenue[k]):
        value = revenue[key]
        if value <= 0 or total <= 0:
            classes[key] = "C"
            continue
        # A key is in the class its revenue starts in: the top seller is A even when it alone
        # makes more than the A share.
        share = running / total
        classes[key] = "A" if share < a_share else "B" if share < b_share else "C"
        running += value
    return classes


def revenue_at_risk(expected_lost_sales, unit_price):
    """Expected lost sales priced at ``unit_price`` (0 without a price)."""
    return float(expected_lost_sales) * float(unit_price) if unit_price else 0.0
