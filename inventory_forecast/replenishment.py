"""
Replenishment maths: pure functions from a demand forecast and a stock position to safety stock,
reorder point, order quantity, cover and risk.  No ORM, no forecasting: numbers in, numbers out.

Policy: periodic review with an order-up-to level (R, S).  Every ``review_days`` the buyer
looks at the SKU; an order placed now arrives after ``lead_time_days``.  The stock must
cover demand until the delivery after next, the *protection interval* of L + R days.

* demand over a horizon ``t``: ``mean_daily * t``;
* safety stock for a horizon: the ``service_level`` quantile of demand over it minus its mean.
  The forecast engine supplies that quantile (empirical, from backtest errors); with only a
  standard deviation, :func:`textbook_safety_stock` gives the textbook ``z * sigma``;
* reorder point ``s`` = demand over the lead time + safety stock over the lead time;
* order-up-to level ``S`` = demand over L + R + safety stock over L + R;
* suggested order = ``S`` - inventory position (available + on order), when the position is at
  or below ``s``; rounded up to whole packs, and at least the minimum order;
* days of cover = available stock / mean daily demand; the projected stock-out date is that
  many days from today (None without demand);
* expected lost sales over the lead time = E[max(D - available, 0)], D the lead-time demand.

Risk status, worst first: ``out_of_stock`` (nothing available), ``stockout_before_delivery``
(cover shorter than the lead time: an order placed now arrives too late), ``reorder_now``
(position at or below the reorder point), ``reorder_soon`` (at or below it within the next
review period), ``ok``.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist

import numpy as np

OUT_OF_STOCK = "out_of_stock"
STOCKOUT_BEFORE_DELIVERY = "stockout_before_delivery"
REORDER_NOW = "reorder_now"
REORDER_SOON = "reorder_soon"
OK = "ok"
RISKS = (OUT_OF_STOCK, STOCKOUT_BEFORE_DELIVERY, REORDER_NOW, REORDER_SOON, OK)  # worst first
# Not a plan's risk but an alert's (alerts.py): recent demand far outside its forecast interval.
FORECAST_BREAK = "forecast_break"
ALERT_RISKS = (OUT_OF_STOCK, STOCKOUT_BEFORE_DELIVERY, FORECAST_BREAK, REORDER_NOW, REORDER_SOON,
               OK)  # worst first


def textbook_safety_stock(sigma, periods, service_level):
    """
    The textbook safety stock ``z · σ · √periods`` of normal, independent demand per period
    with standard deviation ``σ``, ``z`` the ``service_level`` quantile of the standard normal
    (optimistic on lumpy demand).  Vectorised: ``sigma`` and ``periods`` may be arrays.
    """
    z = NormalDist().inv_cdf(service_level)
    return z * np.sqrt(np.maximum(sigma, 0) ** 2 * np.asarray(periods, dtype=float))


def safety_stock(quantile, mean):
    """Safety stock: the demand quantile above the mean demand (never negative)."""
    return max(quantile - mean, 0.0)


def reorder_point(mean_daily, lead_time_days, safety):
    """Demand expected over the lead time plus the lead time's safety stock."""
    return mean_daily * lead_time_days + safety


def order_up_to(mean_daily, lead_time_days, review_days, safety):
    """Demand expected over the protection interval (L + R) plus its safety stock."""
    return mean_daily * (lead_time_days + review_days) + safety


def round_order(quantity, pack_size=1, minimum=0):
    """Whole packs covering ``quantity`` (0 stays 0), at least ``minimum`` units."""
    if quantity <= 0:
        return 0
    pack_size = max(int(pack_size or 1), 1)
    packs = math.ceil(quantity / pack_size - 1e-9)
    units = packs * pack_size
    if minimum and units < minimum:
        units = math.ceil(minimum / pack_size - 1e-9) * pack_size
    return int(units)


def suggested_order(position, reorder_at, up_to, pack_size=1, minimum=0):
    """Units to order now: up to ``up_to`` when ``position`` is at or below ``reorder_at``."""
    if position > reorder_at:
        return 0
    return round_order(up_to - position, pack_size, minimum)


def days_of_cover(available, mean_daily):
    """Days the available stock lasts at the forecast rate (``math.inf`` without demand)."""
    if available <= 0:
        return 0.0
    if mean_daily <= 0:
        return math.inf
    return available / mean_daily


MAX_PROJECTION_DAYS = 3650


def stockout_date(today, cover_days):
    """The projected first day without stock, or None when it does not run out within ten
    years (or never)."""
    if math.isinf(cover_days) or cover_days > MAX_PROJECTION_DAYS:
        return None
    return today + timedelta(days=math.floor(cover_days))


def expected_shortage_normal(stock, mean, sd):
    """E[max(D - stock, 0)] for a normal demand D (the standard normal loss function)."""
    if sd <= 0:
        return max(mean - stock, 0.0)
    z = (stock - mean) / sd
    unit = NormalDist()
    return sd * (unit.pdf(z) - z * (1 - unit.cdf(z)))


def expected_shortage(stock, scenarios):
    """E[max(D - stock, 0)] over equally likely demand ``scenarios`` (e.g. backtest errors
    added to the forecast)."""
    scenarios = list(scenarios)
    if not scenarios:
        return 0.0
    return sum(max(d - stock, 0.0) for d in scenarios) / len(scenarios)


def risk_status(available, position, reorder_at, cover_days, lead_time_days, mean_daily,
                review_days):
    """The risk of one SKU (see the module docstring), worst first."""
    if available <= 0:
        return OUT_OF_STOCK
    if cover_days < lead_time_days:
        return STOCKOUT_BEFORE_DELIVERY
    if position <= reorder_at:
        return REORDER_NOW
    if position - mean_daily * review_days <= reorder_at:
        return REORDER_SOON
    return OK


@dataclass
class Plan:
    """Everything :func:`plan` computes for one stock record."""

    safety_stock: float
    reorder_point: float
    order_up_to: float
    suggested_order: int
    days_of_cover: float
    stockout_date: date | None
    expected_lost_sales: float
    risk: str


def plan(today, available, mean_daily, lead_time_days, review_days, lead_quantile,
         protection_quantile, on_order=0, pack_size=1, minimum=0, lead_scenarios=None,
         service_level=0.95):
    """
    The replenishment plan of one SKU.  ``lead_quantile`` / ``protection_quantile``: the
    service-level quantiles of demand over the lead time and over lead time + review period
    (from the forecast engine) at ``service_level``.  ``lead_scenarios``: equally likely
    lead-time demands for the expected lost sales (default: a normal whose quantile at
    ``service_level`` is ``lead_quantile``).
    """
    lead_mean = mean_daily * lead_time_days
    protection_mean = mean_daily * (lead_time_days + review_days)
    lead_safety = safety_stock(lead_quantile, lead_mean)
    protection_safety = safety_stock(protection_quantile, protection_mean)
    reorder_at = reorder_point(mean_daily, lead_time_days, lead_safety)
    up_to = order_up_to(mean_daily, lead_time_days, review_days, protection_safety)
    position = available + on_order
    cover = days_of_cover(available, mean_daily)
    if lead_scenarios is not None:
        lost = expected_shortage(available, lead_scenarios)
    else:
        z = NormalDist().inv_cdf(service_level)
        sd = lead_safety / z if lead_safety > 0 and z > 0 else 0.0
        lost = expected_shortage_normal(max(available, 0), lead_mean, sd)
    return Plan(
        safety_stock=lead_safety,
        reorder_point=reorder_at,
        order_up_to=up_to,
        suggested_order=suggested_order(position, reorder_at, up_to, pack_size, minimum),
        days_of_cover=cover,
        stockout_date=stockout_date(today, cover),
        expected_lost_sales=lost,
        risk=risk_status(available, position, reorder_at, cover, lead_time_days, mean_daily,
                         review_days),
    )
