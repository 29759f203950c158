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

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

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


def period_series(daily, period="W", end=None):
    """
    ``{key: Series}`` of ``period`` ("D", "W": 7-day weeks ending on ``end``, "M": calendar
    months up to ``end``) from ``daily``: ``{key: {day: units or None}}`` (None = missing).
    Each series starts with the period of the key's first sale and ends with the period holding
    ``end`` (default: the last day in ``daily``); days after ``end`` are ignored.
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
            if observed <= 0:
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


def read_sales_csv(path, id_column, date_column, quantity_column, date_format="%Y-%m-%d",
                   basket_column="", cancellation_prefix="C", price_column="",
                   item_pattern=""):
    """
    ``({id: {day: units or None}}, skipped)`` from a long-format sales CSV (plain or gzip): one
    row per sale or per id and period, quantities summed per day.  An empty quantity is a
    *missing* day (not zero), a zero is a day without sales.  Optional cleaning, as ``EVALUATION.md`` does for order lines:
    rows of baskets starting with ``cancellation_prefix``, quantity <= 0, price <= 0, and ids
    not matching ``item_pattern`` (upper-cased first) are dropped.  ``skipped`` counts dropped
    rows by reason.
    """
    from collections import Counter

    from .importing import ImportAborted, open_text

    pattern = re.compile(item_pattern) if item_pattern else None
    daily = defaultdict(dict)
    skipped = Counter()
    dates = {}
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        wanted = [c for c in (id_column, date_column, quantity_column, basket_column, price_column) if c]
        missing = [c for c in wanted if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportAborted(f"{path}: missing column(s) {', '.join(missing)}; found "
                                f"{', '.join(reader.fieldnames or [])}.")
        for row in reader:
            key = (row[id_column] or "").strip().upper() if pattern else (row[id_column] or "").strip()
            if not key:
                skipped["no id"] += 1
                continue
            if basket_column and cancellation_prefix and (row[basket_column] or "").upper().startswith(cancellation_prefix):
                skipped["cancellation"] += 1
                continue
            if pattern is not None and not pattern.match(key):
                skipped["not a product"] += 1
                continue
            text = (row[date_column] or "").strip()
            try:
                day = dates.get(text) or dates.setdefault(text, datetime.strptime(text, date_format).date())
            except ValueError:
                skipped["unparsable date"] += 1
                continue
            raw = (row[quantity_column] or "").strip()
            if not raw:
                daily[key].setdefault(day, None)
                continue
            try:
                quantity = float(raw)
                if price_column and float(row[price_column]) <= 0:
                    skipped["price <= 0"] += 1
                    continue
            except ValueError:
                skipped["unparsable number"] += 1
                continue
            if quantity < 0 or (quantity == 0 and price_column):
                # Returns; with a price column (order lines), zero units are stock fixes.
                skipped["quantity <= 0"] += 1
                continue
            daily[key][day] = (daily[key].get(day) or 0.0) + quantity
    return dict(daily), skipped


def cancelled_units_by_line(line_ids=None):
    """Units cancelled per order line id (Oscar "Cancelled" shipping events), for every line or
    for ``line_ids``."""
    from oscar.core.loading import get_model

    from .db import chunked
    from .importing import CANCELLED

    ShippingEvent = get_model("order", "ShippingEvent")
    ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
    events = list(
        ShippingEvent.objects.filter(event_type__name=CANCELLED).values_list("id", flat=True)
    )
    wanted = set(line_ids) if line_ids is not None else None
    cancelled = defaultdict(int)
    for chunk in chunked(events):
        for line_id, quantity in ShippingEventQuantity.objects.filter(
            event_id__in=chunk
        ).values_list("line_id", "quantity"):
            if wanted is None or line_id in wanted:
                cancelled[line_id] += quantity
    return cancelled


def daily_sales_from_orders(stockrecord_ids=None, until=None, cancelled=None):
    """
    ``{stock record id: {day: units or None}}`` from Oscar's order lines, as the module
    docstring says: net of cancellations, by the shop's local date, days recorded out of stock
    without sales as None.  ``stockrecord_ids`` limits the records read (chunks of a large
    catalogue); ``until`` (a date) ignores later days; ``cancelled`` is
    :func:`cancelled_units_by_line` when the caller already read it.
    """
    from django.utils import timezone
    from oscar.core.loading import get_model

    from .db import chunked, lookup
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
        cancelled = cancelled_units_by_line(
            {row[0] for row in rows} if stockrecord_ids is not None else None)
    daily = defaultdict(dict)
    for line_id, record, quantity, order in rows:
        day = days.get(order)  # None: the order was deleted meanwhile
        if day is None or (until is not None and day > until):
            continue
        units = quantity - cancelled.get(line_id, 0)
        daily[record][day] = (daily[record].get(day) or 0) + max(units, 0)
    for batch in batches:
        selected = stockouts if batch is None else stockouts.filter(stockrecord_id__in=batch)
        for record, day in selected.values_list("stockrecord_id", "day"):
            if (until is None or day <= until) and not daily[record].get(day):
                daily[record][day] = None
    return dict(daily)
