"""
Suggested purchase orders and the orders placed from them.

A suggestion is a stock record of the current run with a suggested order; per partner they make
one suggested purchase order (SKU, title, quantity, pack size, unit cost where known, reason).
"Mark as ordered" records a :class:`PurchaseOrder`: its open lines are *on order*, added to the
inventory position of every plan after it (a forecast run or a re-plan), so the same suggestion
is not repeated until the order is marked received (the stock, entered in Oscar, then counts).
"""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_insights.db import chunked

from .alerts import reason
from .models import PurchaseOrder, PurchaseOrderLine, ReplenishmentSettings
from .policies import policies

CSV_HEADER = ("SKU", "Title", "Quantity", "Pack size", "Unit cost", "Reason")


def on_order(stockrecord_ids=None):
    """``{stock record id: units}`` of open purchase orders (only records with some)."""
    lines = PurchaseOrderLine.objects.filter(order__status=PurchaseOrder.OPEN)
    totals = {}
    for batch in [None] if stockrecord_ids is None else chunked(stockrecord_ids):
        selected = lines if batch is None else lines.filter(stockrecord_id__in=batch)
        totals.update(selected.order_by().values_list("stockrecord_id").annotate(Sum("quantity")))
    return totals


def unit_costs(stockrecords):
    """``{stock record id: cost}`` where known: the record's replenishment settings, else a
    ``cost_price`` its (forked) stock record model has."""
    own = dict(ReplenishmentSettings.objects.filter(
        stockrecord__in=[r.pk for r in stockrecords], unit_cost__isnull=False,
    ).values_list("stockrecord_id", "unit_cost"))
    costs = {r.pk: own.get(r.pk, getattr(r, "cost_price", None)) for r in stockrecords}
    return {pk: cost for pk, cost in costs.items() if cost is not None}


class Suggestion:
    """One line of a suggested purchase order."""

    def __init__(self, forecast, pack_size, unit_cost):
        record = forecast.stockrecord
        self.forecast = forecast
        self.stockrecord = record
        self.sku = record.partner_sku
        self.title = record.product.get_title()
        self.quantity = forecast.suggested_order
        self.pack_size = pack_size
        self.unit_cost = unit_cost
        self.reason = reason(forecast) or "Below the order-up-to level"
        self.value = unit_cost * self.quantity if unit_cost is not None else None

    def csv_row(self):
        return (self.sku, self.title, self.quantity, self.pack_size,
                "" if self.unit_cost is None else f"{self.unit_cost:.2f}", self.reason)


def suggestions(forecasts):
    """``{partner: [Suggestion]}`` of ``forecasts`` (a queryset of the current run's, already
    scoped) with something to order, partners by name, lines worst risk first."""
    rows = list(forecasts.filter(suggested_order__gt=0).select_related(
        "stockrecord__product__parent", "stockrecord__partner",
    ).order_by("risk_rank", "-revenue_at_risk", "stockrecord__partner_sku"))
    records = [f.stockrecord for f in rows]
    plans = policies((r.pk, r.partner_id) for r in records)
    costs = unit_costs(records)
    grouped = defaultdict(list)
    for forecast in rows:
        record = forecast.stockrecord
        grouped[record.partner].append(Suggestion(forecast, plans[record.pk].pack_size,
                                                  costs.get(record.pk)))
    return dict(sorted(grouped.items(), key=lambda item: (item[0].name, item[0].pk)))


def mark_ordered(partner, quantities, user=None):
    """
    Record a purchase order from ``partner`` of ``quantities`` (``{stock record id: units}``,
    zero left out), expected after the longest lead time among its lines.  Returns it.
    """
    StockRecord = get_model("partner", "StockRecord")
    quantities = {pk: int(units) for pk, units in quantities.items() if int(units) > 0}
    plans = policies((pk, partner.pk) for pk in quantities)
    lead = max((plans[pk].lead_time_days for pk in quantities), default=0)
    costs = unit_costs(list(StockRecord.objects.filter(pk__in=list(quantities))))
    with transaction.atomic():
        order = PurchaseOrder.objects.create(
            partner=partner, ordered_by=user,
            expected_on=timezone.localdate() + timedelta(days=lead))
        PurchaseOrderLine.objects.bulk_create(
            PurchaseOrderLine(order=order, stockrecord_id=pk, quantity=units,
                              unit_cost=costs.get(pk)) for pk, units in quantities.items())
    return order


def close(order, status):
    """Mark an open purchase order received or cancelled; returns whether it was open."""
    return bool(PurchaseOrder.objects.filter(pk=order.pk, status=PurchaseOrder.OPEN).update(
        status=status, closed_at=timezone.now()))
