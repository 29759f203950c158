"""
Demand history: units sold per stock record (or per item of a CSV) per period.

The only module of the forecasting engine that reads orders (:func:`daily_sales_from_orders`);
everything else works on :class:`Series` (numpy arrays).

**Units sold** on a day = the quantity of the order lines placed that day (in the shop's time
zone), minus the units later cancelled on them (imported cancellations included): a cancelled
sale was no demand served.  Orders of every shopper count, guests included.

**New SKUs** start at their first sale: the days before it are not zeros but no history.

**Days out of stock.** A day on which a SKU had nothing to sell and sold nothing says nothing
about demand; counting it as zero would teach the forecasters that demand fell.  Such days are
*missing* (NaN) when known: the nightly forecast run records every stock record with no
available stock (:class:`~inventory_forecast.models.StockOutDay`), and a CSV may leave the
quantity empty.  Oscar keeps no stock history, so imported history has no known stock-out days:
there, a day without sales counts as zero.  A period with some missing days is scaled up from its
known days (demand rate x period length); a period with no known day stays missing and
:func:`fill_missing` replaces it with the mean of the known periods before it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from oscar_insights.csvfiles import iter_order_lines

PERIODS = {"D": 1, "W": 7, "M": None}  # days per period; months are calendar months


@dataclass
class Series:
    """Demand of one SKU: ``values[k]`` is period ``k`` counted from ``start`` (NaN = missing)."""

    key: object
    start: date
    values: np.ndarray

    def __len__(self):
        return len(self.values)


def _period_index(day, end, period):
    """Index of ``day``'s period, counted backwards: 0 is the period ending on ``end``."""
    if period == "M":
        return (end.year - day.year) * 12 + end.month - day.month
    return (end - day).days // PERIODS[period]


def _period_days(index, end, period):
    """The days of period ``index`` (0 = the period ending on ``end``)."""
    if period == "M":
        month0 = end.year * 12 + end.month - 1 - index
        first = date(month0 // 12, month0 % 12 + 1, 1)
        month1 = month0 + 1
        last = date(month1 // 12, month1 % 12 + 1, 1) - timedelta(days=1)
        return first, min(last, end)
    length = PERIODS[period]
    last = end - timedelta(days=index * length)
    return last - timedelta(days=length - 1), last


def period_series(daily, period="W", end=None, given_rows=False):
    """
    ``{key: Series}`` of ``period`` ("D", "W": 7-day weeks ending on ``end``, "M": calendar
    months up to ``end``) from ``daily``: ``{key: {day: units or None}}`` (None = missing).
    Each series starts with the period of the key's first sale and ends with the period holding
    ``end`` (default: the last day in ``daily``); days after ``end`` are ignored.

    ``given_rows``: the days in ``daily`` are the rows a file gave (one per month, say, dated
    the 1st), and a period whose given rows are all empty is missing — not its other days'
    zeros.  Without it (the shop's own orders), days absent from ``daily`` sold nothing and a
    period's missing days are scaled from its known ones.
    """
    if period not in PERIODS:
        raise ValueError(f"Unknown period {period!r}: one of {', '.join(PERIODS)}.")
    if end is None:
        end = max((day for days in daily.values() for day in days), default=None)
        if end is None:
            return {}
    result = {}
    for key, days in daily.items():
        sales = {d: q for d, q in days.items() if d <= end}
        sold = [d for d, q in sales.items() if q]
        if not sold:
            continue
        first = min(sold)
        n = _period_index(first, end, period) + 1
        known = np.zeros(n)
        total = np.zeros(n)
        missing = np.zeros(n)
        for day, quantity in sales.items():
            if day < first:
                continue
            k = n - 1 - _period_index(day, end, period)
            if quantity is None:
                missing[k] += 1
            else:
                known[k] += 1
                total[k] += quantity
        values = np.empty(n)
        for k in range(n):
            lo, hi = _period_days(n - 1 - k, end, period)
            lo = max(lo, first)
            length = (hi - lo).days + 1
            unknown = missing[k]
            observed = length - unknown
            if observed <= 0 or (given_rows and unknown and not known[k]):
                values[k] = np.nan
            else:
                values[k] = total[k] * length / observed if unknown else total[k]
        start = max(_period_days(n - 1, end, period)[0], first) if period == "D" else \
            _period_days(n - 1, end, period)[0]
        result[key] = Series(key, start, values)
    return result


def fill_missing(values, window=8):
    """A copy of ``values`` with each NaN replaced by the mean of the known values among the
    ``window`` before it (the mean of all known values when there is none; 0 when nothing is
    known at all)."""
    values = np.array(values, dtype=float)
    known = ~np.isnan(values)
    if known.all():
        return values
    original = values.copy()
    fallback = original[known].mean() if known.any() else 0.0
    for k in np.flatnonzero(~known):
        before = original[max(0, k - window):k]
        before = before[~np.isnan(before)]
        values[k] = before.mean() if len(before) else fallback
    return values


def read_sales_csv(path, columns, date_format="%Y-%m-%d", item_pattern="",
                   cancellation_prefix="C"):
    """
    ``({id: {day: units or None}}, skipped)`` from a long-format sales CSV (plain or gzip): one
    row per sale or per id and period, quantities summed per day.  ``columns``: an
    :class:`~oscar_insights.csvfiles.OrderLineColumns` (no user needed).  An empty quantity is
    a *missing* day (not zero); a zero is a day without sales, except in files with a price
    column (order lines), where zero units are stock fixes.  Rows are cleaned as
    :func:`oscar_insights.csvfiles.iter_order_lines` says; ``skipped`` counts dropped rows by
    reason.
    """
    skipped = Counter()
    daily = defaultdict(dict)
    for line in iter_order_lines(path, columns, date_format, item_pattern, cancellation_prefix,
                                 allow_missing_quantity=True, keep_zero=not columns.price,
                                 skipped=skipped):
        day = line.when.date()
        if line.quantity is None:
            daily[line.item].setdefault(day, None)
        else:
            daily[line.item][day] = (daily[line.item].get(day) or 0.0) + line.quantity
    return dict(daily), skipped


def daily_sales_from_orders(stockrecord_ids=None, until=None, cancelled=None):
    """
    ``{stock record id: {day: units or None}}`` from Oscar's order lines, as the module
    docstring says: net of cancellations, by the shop's local date, days recorded out of stock
    without sales as None.  ``stockrecord_ids`` limits the records read (chunks of a large
    catalogue); ``until`` (a date) ignores later days; ``cancelled`` is
    :func:`oscar_insights.orders.cancelled_units` when the caller already read it.
    """
    from django.utils import timezone
    from oscar.core.loading import get_model

    from oscar_insights.db import chunked, lookup
    from oscar_insights.orders import cancelled_units, net_units

    from .models import StockOutDay

    Line = get_model("order", "Line")
    Order = get_model("order", "Order")
    lines = Line.objects.filter(stockrecord__isnull=False)
    stockouts = StockOutDay.objects.all()
    batches = [None] if stockrecord_ids is None else list(chunked(stockrecord_ids))
    rows = []
    for batch in batches:
        selected = lines if batch is None else lines.filter(stockrecord_id__in=batch)
        rows.extend(selected.values_list("id", "stockrecord_id", "quantity", "order_id"))
    # Each order's local date once (not once per line: time zone conversion dominates).
    placed = lookup(Order.objects.all(), "id", {row[3] for row in rows}, key="date_placed")
    days = {order: timezone.localtime(when).date() for order, when in placed.items()}
    if cancelled is None:
        cancelled = cancelled_units({row[0] for row in rows} if stockrecord_ids is not None
                                    else None)
    daily = defaultdict(dict)
    for line_id, record, quantity, order in rows:
        day = days.get(order)  # None: the order was deleted meanwhile
        if day is None or (until is not None and day > until):
            continue
        daily[record][day] = (daily[record].get(day) or 0) + net_units(quantity, line_id,
                                                                         cancelled)
    for batch in batches:
        selected = stockouts if batch is None else stockouts.filter(stockrecord_id__in=batch)
        for record, day in selected.values_list("stockrecord_id", "day"):
            if (until is None or day <= until) and not daily[record].get(day):
                daily[record][day] = None
    return dict(daily)


def as_of():
    """The day forecasts start from (``INVENTORY_FORECAST_AS_OF``)."""
    from django.db.models import Max
    from django.utils import timezone
    from oscar.core.loading import get_model

    from . import conf

    if conf.AS_OF == "latest-order":
        latest = get_model("order", "Order").objects.aggregate(latest=Max("date_placed"))["latest"]
        if latest is not None:  # never later than today: today is not over
            return min(timezone.localtime(latest).date() + timedelta(days=1),
                       timezone.localdate())
    return timezone.localdate()
