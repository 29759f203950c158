"""
What the SKU page shows of one stock record's current forecast: its weekly sales beside the
forecast and its interval, and the stock projected week by week with the reorder point and the
next delivery.

The interval: the forecast per week plus and minus the safety stock of the lead time scaled to one
week (errors grow like the square root of time, the scaling the engine uses between windows), at
the record's service level; the lower bound is never under zero.
"""

import math
from datetime import timedelta

from django.utils.translation import gettext as _

from oscar_insights.charts import Chart, Series

from ..history import daily_sales_from_orders, period_series

HISTORY_WEEKS = 52  # of sales shown before the forecast


def weekly_band(forecast):
    """The safety stock of one week: the lead time's, scaled by √(7 / lead time days)."""
    days = max(forecast.lead_time_days, 1)
    return forecast.safety_stock * math.sqrt(forecast.period_days / days)


def sales_chart(forecast, as_of):
    """Weekly sales (the last :data:`HISTORY_WEEKS`) then the forecast and its interval."""
    end = as_of - timedelta(days=1)
    daily = daily_sales_from_orders([forecast.stockrecord_id], until=end)
    series = period_series(daily, "W", end).get(forecast.stockrecord_id)
    sold = list(series.values[-HISTORY_WEEKS:]) if series is not None else []
    first = end - timedelta(days=7 * len(sold) - 1)
    ahead = [float(v) for v in forecast.forecast]
    band = weekly_band(forecast)
    weeks = [first + timedelta(days=7 * k) for k in range(len(sold) + len(ahead))]
    gap = [None] * len(sold)
    return Chart(
        title=_("Weekly sales and forecast"), x_label=_("Week from"), y_label=_("Units"),
        labels=[week.isoformat() for week in weeks],
        series=[
            Series(_("Units sold"), [None if math.isnan(v) else float(v) for v in sold]
                   + [None] * len(ahead), kind="bar", colour="#0072B2"),
            Series(_("Forecast"), gap + ahead, colour="#E69F00"),
            Series(_("Low (interval)"), gap + [max(v - band, 0.0) for v in ahead],
                   dashed=True, colour="#E69F00"),
            Series(_("High (interval)"), gap + [v + band for v in ahead], colour="#E69F00",
                   band=True),
        ],
    )


def stock_projection(forecast, on_order=0):
    """
    ``(weeks, stock, delivery_week)``: the available stock at the start of each forecast week,
    the forecast demand taken off week by week, and the suggested order (with what is already
    on order) arriving after the lead time; ``delivery_week`` is its index (None without one).
    Stock never goes under zero: demand beyond it is lost, not owed.
    """
    ahead = [float(v) for v in forecast.forecast]
    arriving = forecast.suggested_order + on_order
    delivery = math.ceil(forecast.lead_time_days / forecast.period_days) if arriving else None
    stock, level = [], float(forecast.available)
    for week in range(len(ahead) + 1):
        if week == delivery:
            level += arriving
        stock.append(level)
        if week < len(ahead):
            level = max(level - ahead[week], 0.0)
    return list(range(len(ahead) + 1)), stock, delivery


def stock_chart(forecast, as_of, on_order=0):
    """Projected stock with the reorder point and the safety stock."""
    weeks, stock, delivery = stock_projection(forecast, on_order)
    labels = [(as_of + timedelta(days=7 * week)).isoformat() for week in weeks]
    series = [
        Series(_("Projected stock"), stock, colour="#009E73", stepped=True),
        Series(_("Reorder point"), [forecast.reorder_point] * len(weeks), dashed=True,
               colour="#D55E00"),
        Series(_("Safety stock"), [forecast.safety_stock] * len(weeks), dashed=True,
               colour="#CC79A7"),
    ]
    if delivery is not None:
        series.append(Series(_("Delivery if ordered now"),
                             [forecast.suggested_order + on_order if week == delivery else None
                              for week in weeks], kind="bar", colour="#56B4E9"))
    return Chart(title=_("Projected stock"), x_label=_("Week from"), y_label=_("Units"),
                 labels=labels, series=series)
