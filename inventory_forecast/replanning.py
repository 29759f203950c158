"""
Re-planning without forecasting again: when a stock record's available stock changes (an order
was placed, stock was received) or its replenishment settings do, its current forecast and
quantiles (moved to the new settings) give a new plan and its alert is raised or closed.
"""

import math
from statistics import NormalDist

from oscar.core.loading import get_model

from oscar_insights import runs

from . import replenishment
from .alerts import sync_alerts
from .history import as_of
from .models import ForecastRun, SkuForecast
from .policies import policies
from .purchasing import on_order
from .valuation import revenue_at_risk

REPLANNED_FIELDS = ("available", "suggested_order", "days_of_cover", "stockout_date",
                    "expected_lost_sales", "revenue_at_risk", "risk", "lead_time_days",
                    "review_days", "service_level", "lead_quantile", "protection_quantile",
                    "safety_stock", "reorder_point", "order_up_to", "on_order")


def plan(today, available, mean_daily, policy, lead_quantile, protection_quantile, on_order=0):
    """The :func:`replenishment.plan` of one SKU under ``policy`` (a :class:`Policy`), with
    ``on_order`` units of open purchase orders in its inventory position."""
    return replenishment.plan(
        today, available, mean_daily, policy.lead_time_days, policy.review_days,
        lead_quantile, protection_quantile, on_order=on_order, pack_size=policy.pack_size,
        minimum=policy.minimum_order, service_level=policy.service_level,
    )


def rescale(quantile, mean_daily, days, new_days, service_level, new_service_level):
    """
    A demand quantile over ``days`` moved to ``new_days`` and ``new_service_level``: the mean
    demand over the new horizon plus the safety stock scaled by √(new_days / days) (errors grow
    like the square root of time, as the engine scales its windows) and by the ratio of the
    normal quantiles of the two service levels.  The next forecast run recomputes it from the
    backtest errors.
    """
    safety = max(quantile - mean_daily * days, 0.0)
    if days > 0:
        safety *= math.sqrt(new_days / days)
    if new_service_level != service_level:
        z, new_z = (NormalDist().inv_cdf(level) for level in (service_level, new_service_level))
        safety = safety * new_z / z if z > 0 else safety
    return mean_daily * new_days + safety


def restock(run, today):
    """
    Re-plan the SKUs of ``run`` whose available stock changed after the run read it (orders
    placed or stock received while it ran: their re-plans went to the run it replaced).
    Returns how many.
    """
    StockRecord = get_model("partner", "StockRecord")
    now = {pk: (in_stock or 0) - (allocated or 0) for pk, in_stock, allocated in
           StockRecord.objects.filter(num_in_stock__isnull=False)
           .values_list("pk", "num_in_stock", "num_allocated").iterator(chunk_size=5000)}
    stale = [pk for pk, available in SkuForecast.objects.filter(run=run)
             .values_list("stockrecord_id", "available").iterator(chunk_size=5000)
             if pk in now and now[pk] != available]
    for start in range(0, len(stale), 1000):
        replan(stale[start : start + 1000], today)
    return len(stale)


def replan(stockrecord_ids, today=None):
    """
    Re-plan stock records of the current run after their stock, settings or purchase orders
    changed (an order was placed, stock was received, a lead time was edited, a purchase order
    marked ordered or received): the same forecast, its quantiles moved to today's settings
    (:func:`rescale`), the available stock and the units on order now, as of ``today``
    (default: :func:`history.as_of`); then raise or close their alerts.  Returns the number of
    forecasts updated.
    """
    run = runs.current(ForecastRun)
    if run is None:
        return 0
    StockRecord = get_model("partner", "StockRecord")
    today = today or as_of()
    rows = list(StockRecord.objects.filter(pk__in=stockrecord_ids).values_list(
        "pk", "partner_id", "num_in_stock", "num_allocated"))
    stock = {pk: (s or 0) - (a or 0) for pk, _p, s, a in rows}
    settings = policies((pk, partner) for pk, partner, _s, _a in rows)
    ordered = on_order(list(stock))
    changed = []
    for forecast in SkuForecast.objects.filter(run=run, stockrecord_id__in=list(stock)):
        # The run's forecast; today's settings, its quantiles moved to them if they changed.
        policy = settings[forecast.stockrecord_id]
        old_lead, old_protection = (forecast.lead_time_days,
                                    forecast.lead_time_days + forecast.review_days)
        forecast.lead_quantile = rescale(
            forecast.lead_quantile, forecast.mean_daily, old_lead, policy.lead_time_days,
            forecast.service_level, policy.service_level)
        forecast.protection_quantile = rescale(
            forecast.protection_quantile, forecast.mean_daily, old_protection,
            policy.lead_time_days + policy.review_days, forecast.service_level,
            policy.service_level)
        forecast.lead_time_days, forecast.review_days, forecast.service_level = (
            policy.lead_time_days, policy.review_days, policy.service_level)
        forecast.on_order = ordered.get(forecast.stockrecord_id, 0)
        new = plan(today, stock[forecast.stockrecord_id], forecast.mean_daily, policy,
                   forecast.lead_quantile, forecast.protection_quantile, forecast.on_order)
        forecast.safety_stock, forecast.reorder_point, forecast.order_up_to = (
            new.safety_stock, new.reorder_point, new.order_up_to)
        forecast.available = stock[forecast.stockrecord_id]
        forecast.suggested_order = new.suggested_order
        forecast.days_of_cover = None if math.isinf(new.days_of_cover) else new.days_of_cover
        forecast.stockout_date = new.stockout_date
        forecast.expected_lost_sales = new.expected_lost_sales
        forecast.revenue_at_risk = revenue_at_risk(new.expected_lost_sales, forecast.unit_price)
        forecast.risk = new.risk
        changed.append(forecast)
    SkuForecast.objects.bulk_update(changed, REPLANNED_FIELDS, batch_size=1000)
    sync_alerts(run, list(stock))
    return len(changed)

