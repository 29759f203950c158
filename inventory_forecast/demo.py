"""
Demo stock levels: a documented, deterministic rule that gives imported stock records realistic
``num_in_stock`` values, so that some products are low or out of stock.

The rule, per stock record of the partner:

1. *Recent weekly demand* ``d`` = net units sold (order lines minus their cancelled units) in the
   ``DEMO_WINDOW_DAYS`` (91) days up to the last order of the history, divided by 13 weeks.
2. A random generator seeded with ``"<seed>:<partner_sku>"`` (so each SKU's draw does not depend
   on the others or on their order) draws ``u`` in [0, 1) and a number of *weeks of cover*:

   ========================  =========================================  =====
   ``u``                     stock level                                share
   ========================  =========================================  =====
   ``u < 0.08``              0 (out of stock)                           8 %
   ``0.08 <= u < 0.25``      ``d`` x uniform(0.25, 2) weeks (low)        17 %
   ``0.25 <= u``             ``d`` x uniform(2, 16) weeks                75 %
   ========================  =========================================  =====

   rounded to whole units.  A record with no recent demand gets uniform 0..48 units unless it
   drew "out of stock".
3. ``low_stock_threshold`` = two weeks of demand, ``ceil(2 d)``, or none without recent demand;
   Oscar's own low-stock alerts (``partner.StockAlert``) are opened for records below it and
   closed for records no longer below it.
"""

import math
import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_insights.db import chunked

from . import conf

DEMO_WINDOW_DAYS = 91
OUT_OF_STOCK_SHARE = 0.08
LOW_STOCK_SHARE = 0.17


def demo_stock_level(sku, weekly_demand, seed):
    """``(num_in_stock, low_stock_threshold)`` for one SKU by the rule in the module docstring."""
    rng = random.Random(f"{seed}:{sku}")
    u = rng.random()
    threshold = math.ceil(2 * weekly_demand) if weekly_demand > 0 else None
    if u < OUT_OF_STOCK_SHARE:
        return 0, threshold
    if weekly_demand <= 0:
        return rng.randint(0, 48), threshold
    if u < OUT_OF_STOCK_SHARE + LOW_STOCK_SHARE:
        weeks = rng.uniform(0.25, 2.0)
    else:
        weeks = rng.uniform(2.0, 16.0)
    return round(weekly_demand * weeks), threshold


@dataclass
class DemoStockReport:
    records: int = 0
    out_of_stock: int = 0
    below_threshold: int = 0
    alerts_opened: int = 0
    alerts_closed: int = 0


def recent_weekly_demand(partner, window_days=DEMO_WINDOW_DAYS):
    """Net units sold per week per stock record id over the last ``window_days`` of orders."""
    Line = get_model("order", "Line")
    ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
    last = Line.objects.filter(partner=partner).aggregate(last=Max("order__date_placed"))["last"]
    if last is None:
        return {}
    since = last - timedelta(days=window_days)
    sold = dict(
        Line.objects.filter(partner=partner, order__date_placed__gt=since)
        .values_list("stockrecord_id")
        .annotate(units=Sum("quantity"))
        .values_list("stockrecord_id", "units")
    )
    cancelled = (
        ShippingEventQuantity.objects.filter(
            line__partner=partner,
            line__order__date_placed__gt=since,
            event__event_type__name="Cancelled",
        )
        .values_list("line__stockrecord_id")
        .annotate(units=Sum("quantity"))
        .values_list("line__stockrecord_id", "units")
    )
    for record_id, units in cancelled:
        sold[record_id] = sold.get(record_id, 0) - units
    weeks = window_days / 7
    return {record_id: max(units, 0) / weeks for record_id, units in sold.items()}


def set_demo_stock_levels(partner, seed=None):
    """Apply the rule to every stock record of ``partner``; returns a :class:`DemoStockReport`."""
    StockRecord = get_model("partner", "StockRecord")
    StockAlert = get_model("partner", "StockAlert")
    seed = conf.DEMO_STOCK_SEED if seed is None else seed
    demand = recent_weekly_demand(partner)
    report = DemoStockReport()
    with transaction.atomic():
        records = list(StockRecord.objects.filter(partner=partner).order_by("id"))
        for record in records:
            record.num_in_stock, record.low_stock_threshold = demo_stock_level(
                record.partner_sku, demand.get(record.id, 0.0), seed
            )
            record.num_allocated = 0
        StockRecord.objects.bulk_update(
            records, ["num_in_stock", "low_stock_threshold", "num_allocated"], batch_size=1000
        )
        report.records = len(records)
        report.out_of_stock = sum(1 for r in records if r.num_in_stock == 0)
        below = {r.id: r for r in records if r.is_below_threshold}
        report.below_threshold = len(below)
        open_alerts = dict(
            StockAlert.objects.filter(stockrecord__partner=partner, status=StockAlert.OPEN)
            .values_list("stockrecord_id", "id")
        )
        stale = [alert_id for record_id, alert_id in open_alerts.items() if record_id not in below]
        for chunk in chunked(stale):
            StockAlert.objects.filter(id__in=chunk).update(
                status=StockAlert.CLOSED, date_closed=timezone.now()
            )
        report.alerts_closed = len(stale)
        new_alerts = [
            StockAlert(stockrecord=record, threshold=record.low_stock_threshold)
            for record_id, record in below.items()
            if record_id not in open_alerts
        ]
        StockAlert.objects.bulk_create(new_alerts, batch_size=1000)
        report.alerts_opened = len(new_alerts)
    return report
