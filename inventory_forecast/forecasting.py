"""
Forecast runs: demand history -> forecast -> backtest -> calibrated safety stock -> plan ->
alerts, for every stock record.  Plain functions behind the Celery tasks and commands.

A run (:func:`run_forecasts`):

1. takes the lock, a :class:`~inventory_forecast.models.ForecastRun` in status *running* (one
   at a time; a run silent for ``INVENTORY_FORECAST_RUN_TIMEOUT`` seconds is declared dead);
2. records today's stock-outs (:class:`StockOutDay`: their demand is unknown, not zero);
3. for stock records in chunks of ``INVENTORY_FORECAST_CHUNK_SIZE`` (so 100,000 SKUs never hold
   all order lines in memory): weekly demand since each SKU's first sale as one right-aligned
   matrix, its demand class, the configured forecaster's forecast (``INVENTORY_FORECAST_METHOD``;
   a panel forecaster fits the whole chunk at once) and a rolling-origin backtest: the forecaster
   refitted on the history before each origin, the errors of the forecast total over the SKU's
   lead time and protection interval, ``INVENTORY_FORECAST_BACKTEST_ORIGINS`` *recent* windows
   and as many *inner* ones that end before the most recent window starts;
4. calibrates safety stock from those errors, pooled per demand class after dividing each one by
   the SKU's scale at its origin (:func:`error_scale`): the safety stock of a SKU is the class's
   quantile of recent errors times the SKU's scale today.  The quantile level starts at the
   target service level and is raised until the inner windows' quantiles would have covered the
   most recent window as often as the target asks (demand drifts; the textbook normal safety
   stock promises 5 % and delivers about 25 % on lumpy demand).  Too few errors in all (a young
   shop): the textbook formula;
5. plans each SKU (:func:`replenishment.plan`), writes the forecasts under the run, makes it the
   *current* run in one transaction and raises / closes :class:`StockRiskAlert` s.

A failed run keeps its error and leaves the last good forecasts current.
"""

import logging
import math
import time
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import conf, forecasters, replenishment
from .forecasters import levels
from .history import cancelled_units_by_line, daily_sales_from_orders, fill_missing, period_series

logger = logging.getLogger(__name__)

PERIOD_DAYS = 7  # forecasts are weekly
REPLANNED_FIELDS = ("available", "suggested_order", "days_of_cover", "stockout_date",
                    "expected_lost_sales", "risk")
WORSE_THAN_SOON = (replenishment.OUT_OF_STOCK, replenishment.STOCKOUT_BEFORE_DELIVERY,
                   replenishment.REORDER_NOW)


class ForecastInProgress(Exception):
    """Another forecast run holds the lock."""


class ForecastAborted(Exception):
    """The run lost its lock (declared dead) and must not publish."""


# --- A panel of series ---------------------------------------------------------------------------

def error_scale(forecast_total, rmsse_scale_value, periods):
    """
    The scale dividing a SKU's backtest errors before they are pooled with other SKUs'.  It
    grows with the forecast and with the series' own period-to-period variation, but less than
    proportionally, so that the pooled quantile does not hand big sellers huge safety stocks.
    Vectorised: arrays in, array out.
    """
    spread = np.sqrt(periods * np.where(rmsse_scale_value > 0, rmsse_scale_value, 0.0))
    return (np.maximum(forecast_total, 0.0) + 1) ** 0.25 * (spread + 1) ** 0.25


def forecast_matrix(method, X, h, fallback=True):
    """
    ``(rows, h)`` forecasts of the right-aligned series ``X`` (``levels.align``) by forecaster
    ``method``, clipped at 0; ``nan`` for a row without history.  A panel forecaster (one with
    ``panel = True``) is fitted once on all rows; any other once per row, and where its
    history is too short for the method (a 52-week season in 30 weeks) the row's mean, unless
    ``fallback`` is false (then ``nan``).
    """
    X = np.asarray(X, dtype=float)
    model = forecasters.build(method)
    if getattr(model, "panel", False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean = np.asarray(model.fit(X).predict(h)["mean"], dtype=float)
        return np.clip(mean, 0, None)
    result = np.full((len(X), h), np.nan)
    for i, row in enumerate(X):
        y = row[~np.isnan(row)]
        if len(y) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean = np.asarray(forecasters.build(method).fit(y).predict(h)["mean"], dtype=float)
        # Too short a history for the method: its mean.
        result[i] = (np.clip(mean, 0, None) if np.all(np.isfinite(mean))
                     else y.mean() if fallback else np.nan)
    return result


@dataclass
class Backtest:
    """
    Forecasts and backtests of a panel of SKUs, row ``i`` for ``keys[i]``.

    Window arrays are ``(rows, 2 × origins)`` forecast / actual demand totals over the lead
    time (``lead_*``) or the protection interval (``protection_*``): column ``j < origins``
    is the window ending ``j`` periods before the history's end (*recent*); column
    ``origins + j`` the window ending ``j`` periods before the longest most recent window of the
    panel starts (*inner*: it overlaps no row's most recent one).  ``nan`` where the history is
    too short.
    """

    keys: list
    demand_class: np.ndarray
    forecast: np.ndarray  # (rows, horizon) per period
    rmsse_scale: np.ndarray
    lead: np.ndarray  # periods
    protection: np.ndarray
    lead_scale: np.ndarray
    protection_scale: np.ndarray
    lead_predicted: np.ndarray
    lead_actual: np.ndarray
    lead_window_scale: np.ndarray  # error_scale at each window's origin
    protection_predicted: np.ndarray
    protection_actual: np.ndarray
    protection_window_scale: np.ndarray
    accuracy: dict = field(default_factory=dict)  # name: (rows,) over recent windows
    totals: dict = field(default_factory=dict)  # error, absolute error, demand: (rows,) sums

    ARRAYS = ("demand_class", "forecast", "rmsse_scale", "lead", "protection", "lead_scale",
              "protection_scale", "lead_predicted", "lead_actual", "lead_window_scale",
              "protection_predicted", "protection_actual", "protection_window_scale")

    def __len__(self):
        return len(self.keys)

    @classmethod
    def concat(cls, parts):
        parts = [p for p in parts if len(p)]
        if not parts:
            return None
        return cls(
            keys=[k for p in parts for k in p.keys],
            **{name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.ARRAYS},
            accuracy={name: np.concatenate([p.accuracy[name] for p in parts])
                      for name in parts[0].accuracy},
            totals={name: np.concatenate([p.totals[name] for p in parts])
                    for name in parts[0].totals},
        )


def _windows(X, method, lengths, origins, min_history=4):
    """
    Backtest forecasts per window length: ``{length: (predicted, actual, scale, per-period
    errors of the recent windows)}`` with ``predicted`` / ``actual`` / ``scale`` (the
    :func:`error_scale` known at the window's origin) shaped ``(rows, 2 × origins)`` as in
    :class:`Backtest`.  The forecaster is fitted once per origin, on the history before it.
    """
    T = X.shape[1]
    known_before = np.cumsum(~np.isnan(X), axis=1)  # known periods up to each column
    # Inner windows end before the *longest* latest window starts: pooled with rows of other
    # lengths, none of them may overlap any row's latest window.
    span = max(lengths)
    plans = {w: [j for j in range(origins)] + [span + j for j in range(origins)] for w in lengths}
    starts = sorted({T - w - offset for w, offsets in plans.items() for offset in offsets},
                    reverse=True)
    longest = max(lengths)
    forecasts, scales = {}, {}
    for origin in starts:
        if origin < min_history:
            continue
        past = X[:, :origin]
        past = past[:, (~np.isnan(past)).any(axis=0)]
        forecast = forecast_matrix(method, past, longest)
        forecast[known_before[:, origin - 1] < min_history] = np.nan
        forecasts[origin] = forecast
        scales[origin] = levels.rmsse_scale(past)
    result = {}
    rows = len(X)
    for w, offsets in plans.items():
        predicted = np.full((rows, len(offsets)), np.nan)
        actual = np.full((rows, len(offsets)), np.nan)
        scale = np.full((rows, len(offsets)), np.nan)
        errors = []
        for column, offset in enumerate(offsets):
            origin = T - w - offset
            if origin not in forecasts:
                continue
            future = X[:, origin:origin + w]
            forecast = forecasts[origin][:, :w]
            predicted[:, column] = forecast.sum(axis=1)
            actual[:, column] = future.sum(axis=1)
            scale[:, column] = error_scale(predicted[:, column], scales[origin], w)
            if column < origins:
                errors.append(future - forecast)
        bad = np.isnan(predicted) | np.isnan(actual)
        predicted[bad] = actual[bad] = scale[bad] = np.nan
        result[w] = (predicted, actual, scale, np.concatenate(errors, axis=1) if errors
                     else np.full((rows, 0), np.nan))
    return result


def forecast_panel(keys, X, method, horizon, lead, protection, origins):
    """
    Forecast the right-aligned weekly series ``X`` (one row per key, missing periods filled,
    ``nan`` before each SKU's first period) and backtest them: ``lead`` and ``protection`` are
    each SKU's lead time and protection interval in periods (arrays or one number).
    """
    X = np.asarray(X, dtype=float)
    rows = len(X)
    lead = np.broadcast_to(np.asarray(lead, dtype=int), (rows,)).copy()
    protection = np.maximum(np.broadcast_to(np.asarray(protection, dtype=int), (rows,)), lead)
    longest = int(max(horizon, protection.max(initial=1)))
    forecast = forecast_matrix(method, X, longest)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without history: nan
        history_mean = np.nan_to_num(np.nanmean(X, axis=1)) if X.shape[1] else np.zeros(rows)
        mean_square = np.nanmean(X ** 2, axis=1) if X.shape[1] else np.zeros(rows)
    forecast = np.where(np.isnan(forecast), history_mean[:, None], forecast)
    scale = np.nan_to_num(levels.rmsse_scale(X)) if X.shape[1] > 1 else np.zeros(rows)
    # RMSSE of a series that never changed: against its mean square (all zero: undefined).
    denominator = np.where(scale > 0, scale, np.where(mean_square > 0, mean_square, np.nan))
    cumulative = np.cumsum(forecast, axis=1)
    taken = np.arange(rows)
    lead_total = cumulative[taken, lead - 1]
    protection_total = cumulative[taken, protection - 1]
    windows = _windows(X, method, sorted(set(lead) | set(protection)), origins)
    shape = (rows, 2 * origins)
    arrays = {f"{kind}_{name}": np.full(shape, np.nan) for kind in ("lead", "protection")
              for name in ("predicted", "actual", "window_scale")}
    totals = {name: np.zeros(rows) for name in
              ("count", "error", "absolute_error", "squared_error", "demand")}
    for w, (predicted, actual, window_scale, errors) in windows.items():
        for kind, lengths in (("lead", lead), ("protection", protection)):
            mine = lengths == w
            arrays[f"{kind}_predicted"][mine] = predicted[mine]
            arrays[f"{kind}_actual"][mine] = actual[mine]
            arrays[f"{kind}_window_scale"][mine] = window_scale[mine]
        mine = protection == w
        if errors.shape[1] and mine.any():
            e = errors[mine]
            totals["count"][mine] = (~np.isnan(e)).sum(axis=1)
            totals["error"][mine] = np.nansum(e, axis=1)
            totals["absolute_error"][mine] = np.nansum(np.abs(e), axis=1)
            totals["squared_error"][mine] = np.nansum(e ** 2, axis=1)
            # The same windows' demand.
            totals["demand"][mine] = np.nansum(actual[mine][:, :origins], axis=1)
    return Backtest(
        keys=list(keys),
        demand_class=np.array(forecasters.DEMAND_CLASSES, dtype=object)[
            levels.demand_classes(X)],
        forecast=forecast[:, :horizon], rmsse_scale=scale, lead=lead, protection=protection,
        lead_scale=error_scale(lead_total, scale, lead),
        protection_scale=error_scale(protection_total, scale, protection),
        accuracy=_accuracy(totals, denominator), totals=totals, **arrays,
    )


def _accuracy(totals, denominator):
    """Per SKU MAE, RMSSE (per-period errors), WAPE and bias from the backtest ``totals``;
    ``nan`` without errors (WAPE and bias: without demand)."""
    known = totals["count"] > 0
    sold = known & (totals["demand"] > 0)
    count = np.maximum(totals["count"], 1)
    demand = np.where(sold, totals["demand"], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "mae": np.where(known, totals["absolute_error"] / count, np.nan),
            "rmsse": np.where(known, np.sqrt(totals["squared_error"] / count / denominator),
                              np.nan),
            "wape": np.where(sold, totals["absolute_error"] / demand, np.nan),
            "bias": np.where(sold, -totals["error"] / demand, np.nan),
        }


# --- Calibration --------------------------------------------------------------------------------

class Calibration(NamedTuple):
    """What :func:`calibrate` found."""

    quantiles: dict | None  # per demand class and "*"; None: too few errors (textbook)
    level: float  # the quantile level used
    # Out of sample: share of SKUs whose latest window the older windows' quantiles (at
    # ``level``) did not cover; None without such a window.
    checked_stockout_share: float | None


def calibrate(backtest, service_level, window="lead", origins=None, min_pool=30, step=0.005,
              ceiling=0.995):
    """
    A :class:`Calibration` for a service level, from the ``window`` ("lead" or
    "protection") backtests of ``backtest``: errors (actual − forecast total) divided by each
    SKU's :func:`error_scale` are pooled per demand class (a class with fewer than
    ``min_pool`` errors uses all classes' pool, key ``"*"``).

    The level is chosen first, on the past: quantiles of the *inner* windows at a level
    starting from ``service_level`` and raised by ``step`` (at most ``ceiling``) until the most
    recent window, which none of them overlaps, stocks out no more often than the target
    allows (demand drifts; the textbook normal safety stock promises 5 % and delivers about
    25 % on lumpy demand).  The quantiles returned are those of the *recent* windows at that
    level: the errors closest to the weeks being planned.  No quantiles when there are fewer
    than ``min_pool`` errors in all: the caller falls back to the textbook formula.
    """
    predicted = getattr(backtest, f"{window}_predicted")
    actual = getattr(backtest, f"{window}_actual")
    scale = getattr(backtest, f"{window}_window_scale")
    origins = origins or predicted.shape[1] // 2
    errors = (actual - predicted) / scale
    classes = backtest.demand_class

    def quantiles(columns, level):
        pool = errors[:, columns]
        everything = pool[np.isfinite(pool)]
        if len(everything) < min_pool:
            return None
        result = {"*": float(np.quantile(everything, level))}
        for name in forecasters.DEMAND_CLASSES:
            mine = pool[classes == name]
            mine = mine[np.isfinite(mine)]
            result[name] = float(np.quantile(mine, level)) if len(mine) >= min_pool \
                else result["*"]
        return result

    recent, inner = slice(0, origins), slice(origins, 2 * origins)
    check = np.isfinite(errors[:, 0])
    level, misses = service_level, None
    while check.any():
        q = quantiles(inner, level)
        if q is None:
            break
        cover = np.maximum([q[c] for c in classes[check]], 0)
        misses = float(np.mean(errors[check, 0] > cover + 1e-9))
        if misses <= 1 - service_level + 1e-12 or level >= ceiling:
            break
        level = min(round(level + step, 6), ceiling)
    return Calibration(quantiles(recent, level), level, misses)


def safety_stocks(backtest, quantiles, service_level, window="lead"):
    """
    Per SKU: the safety stock over its ``window`` (periods): its class's quantile (from
    :func:`calibrate`) times its error scale; without quantiles (too little history anywhere)
    the textbook ``z · σ · √periods`` with σ² = half the RMSSE scale (a one-step difference of
    independent demands has twice their variance).
    """
    scale = getattr(backtest, f"{window}_scale")
    if quantiles is None:
        z = NormalDist().inv_cdf(service_level)
        periods = getattr(backtest, window)
        return z * np.sqrt(periods * backtest.rmsse_scale / 2)
    return np.maximum([quantiles[c] for c in backtest.demand_class], 0) * scale


# --- Settings per stock record -----------------------------------------------------------------

@dataclass
class Policy:
    lead_time_days: int
    review_days: int
    service_level: float
    pack_size: int
    minimum_order: int


def policies(stockrecords):
    """``{stock record id: Policy}``: stock record overrides, else partner defaults, else the
    ``INVENTORY_FORECAST_*`` settings.  ``stockrecords``: (id, partner id) pairs."""
    from .models import ReplenishmentSettings

    stockrecords = list(stockrecords)
    fields = ("lead_time_days", "review_days", "service_level", "pack_size", "minimum_order")
    # The settings table is small (rows only where someone set something): read it whole
    # rather than with an IN list of every stock record.
    rows = list(ReplenishmentSettings.objects.all())
    by_record = {s.stockrecord_id: s for s in rows if s.stockrecord_id}
    by_partner = {s.partner_id: s for s in rows if s.partner_id}
    defaults = {"lead_time_days": conf.LEAD_TIME_DAYS, "review_days": conf.REVIEW_DAYS,
                "service_level": conf.SERVICE_LEVEL, "pack_size": conf.PACK_SIZE,
                "minimum_order": conf.MINIMUM_ORDER}
    result = {}
    for pk, partner in stockrecords:
        values = {}
        for name in fields:
            value = None
            for source in (by_record.get(pk), by_partner.get(partner)):
                if source is not None and getattr(source, name) is not None:
                    value = getattr(source, name)
                    break
            values[name] = defaults[name] if value is None else value
        values["service_level"] = float(values["service_level"])
        result[pk] = Policy(**values)
    return result


# --- The run ------------------------------------------------------------------------------------

def acquire_lock(trigger=""):
    """A new run in status *running*, or :class:`ForecastInProgress`."""
    from .models import ForecastRun

    now = timezone.now()
    stale = now - timedelta(seconds=conf.RUN_TIMEOUT)
    ForecastRun.objects.filter(status=ForecastRun.RUNNING, heartbeat_at__lt=stale).update(
        status=ForecastRun.FAILED, finished_at=now,
        error="Interrupted: no progress for longer than INVENTORY_FORECAST_RUN_TIMEOUT.",
    )
    try:
        with transaction.atomic():
            return ForecastRun.objects.create(trigger=trigger[:32], started_at=now,
                                              heartbeat_at=now)
    except IntegrityError:
        running = ForecastRun.objects.filter(status=ForecastRun.RUNNING).first()
        raise ForecastInProgress(
            f"Forecast run #{running.pk} is still running ({running.stage or 'starting'}, "
            f"{running.progress} %)." if running else "Another forecast run holds the lock."
        ) from None


def _progress(run, percent, stage, callback=None):
    from .models import ForecastRun

    updated = ForecastRun.objects.filter(pk=run.pk, status=ForecastRun.RUNNING).update(
        progress=percent, stage=stage[:128], heartbeat_at=timezone.now())
    if not updated:
        raise ForecastAborted(f"Forecast run #{run.pk} lost its lock (declared dead).")
    logger.info("Forecast run #%s: %s %%, %s", run.pk, percent, stage)
    if callback:
        callback(percent, stage)


def record_stockouts(today):
    """A :class:`StockOutDay` for every stock record with nothing available today."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce
    from oscar.core.loading import get_model

    from .models import StockOutDay

    StockRecord = get_model("partner", "StockRecord")
    empty = StockRecord.objects.annotate(
        allocated=Coalesce("num_allocated", Value(0))
    ).filter(num_in_stock__lte=F("allocated")).values_list("pk", flat=True)
    rows = [StockOutDay(stockrecord_id=pk, day=today) for pk in empty.iterator()]
    StockOutDay.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def as_of():
    """The day forecasts start from (``INVENTORY_FORECAST_AS_OF``)."""
    if conf.AS_OF == "latest-order":
        from django.db.models import Max
        from oscar.core.loading import get_model

        latest = get_model("order", "Order").objects.aggregate(latest=Max("date_placed"))["latest"]
        if latest is not None:  # never later than today: today is not over
            return min(timezone.localtime(latest).date() + timedelta(days=1),
                       timezone.localdate())
    return timezone.localdate()


def run_forecasts(trigger="", today=None, callback=None):
    """One forecast run (module docstring); returns the run, now current."""
    from .models import ForecastRun, SkuForecast

    today = today or as_of()  # before the lock: a failure here must not leave it held
    run = acquire_lock(trigger)
    try:
        summary = _run(run, today, callback)
    except BaseException as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        # Only a run that never became current is failed and emptied: the current forecasts
        # are never deleted by a late error.
        failed = ForecastRun.objects.filter(pk=run.pk, status=ForecastRun.RUNNING).update(
            status=ForecastRun.FAILED, finished_at=timezone.now(),
            error=f"{detail}\n\n{traceback.format_exc()[-4000:]}")
        if failed:
            SkuForecast.objects.filter(run=run).delete()
        raise
    # Published: re-plans and alerts follow.  A failure is logged; the forecasts stay current.
    try:
        summary["restocked"] = restock(run, today)
    except Exception:
        logger.exception("Forecast run #%s: changed stock could not be re-planned", run.pk)
    try:
        summary["alerts"] = sync_alerts(run)
    except Exception:
        logger.exception("Forecast run #%s: alerts could not be updated", run.pk)
    ForecastRun.objects.filter(pk=run.pk).update(metrics=summary)
    run.refresh_from_db()
    return run


def _run(run, today, callback):
    from oscar.core.loading import get_model

    from .models import ForecastRun

    StockRecord = get_model("partner", "StockRecord")
    started = time.perf_counter()
    ForecastRun.objects.filter(pk=run.pk).update(as_of=today)
    _progress(run, 1, "recording today's stock-outs", callback)
    record_stockouts(today)
    # Records whose stock is not tracked (num_in_stock empty) have nothing to plan.
    records = list(StockRecord.objects.filter(num_in_stock__isnull=False).order_by("pk")
                   .values_list("pk", "partner_id", "num_in_stock", "num_allocated"))
    plans = policies((pk, partner) for pk, partner, _s, _a in records)
    cancelled = cancelled_units_by_line()  # once per run, not once per chunk
    end = today - timedelta(days=1)  # today is not over
    parts = []
    for start, stop in chunk_bounds(len(records), conf.CHUNK_SIZE):
        batch = records[start:stop]
        _progress(run, 2 + 70 * start // max(len(records), 1),
                  f"forecasting stock records {start + 1:,}-{start + len(batch):,} of "
                  f"{len(records):,}", callback)
        daily = daily_sales_from_orders([pk for pk, *_rest in batch], until=end,
                                        cancelled=cancelled)
        weekly = period_series(daily, "W", end)
        keys = [pk for pk, *_rest in batch if pk in weekly]  # never sold: nothing to forecast
        if keys:
            lead, protection = zip(*(periods(plans[pk]) for pk in keys))
            parts.append(forecast_panel(
                keys, levels.align([fill_missing(weekly[pk].values) for pk in keys],
                                   limit=conf.HISTORY_WEEKS),
                conf.METHOD, conf.HORIZON_WEEKS, lead, protection, conf.BACKTEST_ORIGINS))
    _progress(run, 75, "calibrating safety stock", callback)
    backtest = Backtest.concat(parts)
    safety = {}  # window: safety stock per backtest row
    levels_used = {}
    if backtest is not None:
        # Errors do not depend on the target: every SKU's pool the calibration of each level.
        targets = np.array([plans[pk].service_level for pk in backtest.keys])
        for window in ("lead", "protection"):
            safety[window] = np.zeros(len(backtest))
        for level in sorted(set(targets)):
            mine = targets == level
            found = {}
            for window in ("lead", "protection"):
                calibration = calibrate(backtest, level, window)
                found[window] = {
                    "level": calibration.level if calibration.quantiles else "textbook",
                    "checked_stockout_share": calibration.checked_stockout_share,
                }
                safety[window][mine] = safety_stocks(backtest, calibration.quantiles, level,
                                                     window)[mine]
            levels_used[str(level)] = found
    _progress(run, 80, "planning and writing forecasts", callback)
    summary = _write(run, records, plans, backtest, safety, today)
    summary["quantile_levels"] = levels_used
    summary["seconds"] = round(time.perf_counter() - started, 1)
    _progress(run, 95, "publishing", callback)
    _publish(run, summary)
    prune()
    return summary


def chunk_bounds(count, size):
    """``(start, stop)`` of chunks of ``size`` over ``count`` items; a last chunk under half
    ``size`` joins the one before (a panel forecaster learns from its whole chunk)."""
    size = max(int(size), 1)
    bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < size / 2:
        bounds[-2:] = [(bounds[-2][0], count)]
    return bounds


def periods(policy):
    """``(lead, protection)``: the policy's lead time and protection interval (lead time +
    review period) in whole forecast periods, rounded up."""
    lead = max(math.ceil(policy.lead_time_days / PERIOD_DAYS), 1)
    protection = max(math.ceil((policy.lead_time_days + policy.review_days) / PERIOD_DAYS), lead)
    return lead, protection


def prune(keep=None):
    """Delete superseded and failed runs beyond the newest ``keep`` of each
    (``INVENTORY_FORECAST_KEEP_RUNS``); alerts keep their text, their forecast link empties."""
    from .models import ForecastRun, SkuForecast

    keep = max(conf.KEEP_RUNS if keep is None else keep, 1)
    doomed = []
    for status in (ForecastRun.SUPERSEDED, ForecastRun.FAILED):
        ids = list(ForecastRun.objects.filter(status=status).order_by("-started_at", "-id")
                   .values_list("pk", flat=True))
        doomed += ids[keep:]
    if doomed:
        SkuForecast.objects.filter(run_id__in=doomed).delete()
        ForecastRun.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def _plan(today, available, mean_daily, policy, lead_quantile, protection_quantile):
    return replenishment.plan(
        today, available, mean_daily, policy.lead_time_days, policy.review_days,
        lead_quantile, protection_quantile, pack_size=policy.pack_size,
        minimum=policy.minimum_order, service_level=policy.service_level,
    )


def _write(run, records, plans, backtest, safety, today):
    from .models import SkuForecast

    rows = {pk: i for i, pk in enumerate(backtest.keys)} if backtest is not None else {}
    origins = backtest.lead_predicted.shape[1] // 2 if backtest is not None else 0
    written, shares = [], []
    for pk, _partner, in_stock, allocated in records:
        row = rows.get(pk)
        if row is None:
            continue
        policy = plans[pk]
        lead, protection = periods(policy)
        # Backtest windows are whole periods; a lead time of 10 days in 2-week windows keeps
        # the square-root share of their safety stock (errors grow like √time).
        lead_safety = safety["lead"][row] * math.sqrt(policy.lead_time_days
                                                      / (lead * PERIOD_DAYS))
        protection_safety = safety["protection"][row] * math.sqrt(
            (policy.lead_time_days + policy.review_days) / (protection * PERIOD_DAYS))
        forecast = backtest.forecast[row]
        mean_daily = float(forecast.mean()) / PERIOD_DAYS if len(forecast) else 0.0
        lead_mean = mean_daily * policy.lead_time_days
        protection_mean = mean_daily * (policy.lead_time_days + policy.review_days)
        available = (in_stock or 0) - (allocated or 0)
        plan = _plan(today, available, mean_daily, policy, lead_mean + lead_safety,
                     protection_mean + protection_safety)
        # Realised stock-out share: recent backtest windows whose lead-time demand beat the
        # forecast plus the safety stock.
        predicted = backtest.lead_predicted[row, :origins]
        actual = backtest.lead_actual[row, :origins]
        known = ~np.isnan(predicted)
        share = (float(np.mean(actual[known] > predicted[known] + safety["lead"][row] + 1e-9))
                 if known.any() else None)
        if share is not None:
            shares.append(share)
        accuracy = {name: (float(values[row]) if np.isfinite(values[row]) else None)
                    for name, values in backtest.accuracy.items()}
        written.append(SkuForecast(
            run=run, stockrecord_id=pk, demand_class=backtest.demand_class[row],
            method=conf.METHOD, period_days=PERIOD_DAYS,
            forecast=[round(float(v), 4) for v in forecast],
            mean_daily=mean_daily, lead_quantile=lead_mean + lead_safety,
            protection_quantile=protection_mean + protection_safety,
            lead_time_days=policy.lead_time_days, review_days=policy.review_days,
            service_level=policy.service_level, available=available,
            safety_stock=plan.safety_stock, reorder_point=plan.reorder_point,
            order_up_to=plan.order_up_to, suggested_order=plan.suggested_order,
            days_of_cover=None if math.isinf(plan.days_of_cover) else plan.days_of_cover,
            stockout_date=plan.stockout_date, expected_lost_sales=plan.expected_lost_sales,
            risk=plan.risk, stockout_share=share, **accuracy,
        ))
        if len(written) >= 2000:
            SkuForecast.objects.bulk_create(written)
            written = []
    SkuForecast.objects.bulk_create(written)
    # Per run: RMSSE and MAE averaged over SKUs, WAPE and bias over all their demand.
    accuracy = {}
    if backtest is not None:
        accuracy = {name: float(np.nanmean(backtest.accuracy[name])) for name in ("mae", "rmsse")
                    if np.isfinite(backtest.accuracy[name]).any()}
        demand = backtest.totals["demand"].sum()
        if demand > 0:
            accuracy["wape"] = float(backtest.totals["absolute_error"].sum() / demand)
            accuracy["bias"] = float(-backtest.totals["error"].sum() / demand)
    return {
        "skus": len(rows),
        "records": len(records),
        "accuracy": accuracy,
        "stockout_share": float(np.mean(shares)) if shares else None,
    }


def _publish(run, summary):
    """Make ``run`` current and the previous current run superseded, in one transaction."""
    from .models import ForecastRun

    with transaction.atomic():
        ForecastRun.objects.filter(status=ForecastRun.CURRENT).update(
            status=ForecastRun.SUPERSEDED)
        published = ForecastRun.objects.filter(pk=run.pk, status=ForecastRun.RUNNING).update(
            status=ForecastRun.CURRENT, skus=summary["skus"], progress=100, stage="current",
            finished_at=timezone.now(), heartbeat_at=timezone.now())
        if published != 1:  # declared dead meanwhile: roll the switch back
            raise ForecastAborted(f"Forecast run #{run.pk} lost its lock (declared dead).")


def restock(run, today):
    """
    Re-plan the SKUs of ``run`` whose available stock changed after the run read it (orders
    placed or stock received while it ran: their re-plans went to the run it replaced).
    Returns how many.
    """
    from oscar.core.loading import get_model

    from .models import SkuForecast

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


def current_run():
    from .models import ForecastRun

    return ForecastRun.objects.filter(status=ForecastRun.CURRENT).first()


def reason(forecast):
    """A sentence saying why a SKU is at risk, for the alert list."""
    cover = ("no stock left" if forecast.available <= 0 else
             f"{forecast.available} units available, about {forecast.days_of_cover:.0f} days of "
             f"cover at {forecast.mean_daily:.1f} units a day" if forecast.days_of_cover is not None
             else f"{forecast.available} units available")
    return (f"{forecast.get_risk_display()}: {cover}; lead time {forecast.lead_time_days} days, "
            f"reorder point {forecast.reorder_point:.0f}; suggested order "
            f"{forecast.suggested_order} units.")


def sync_alerts(run, stockrecord_ids=None):
    """
    Open (or update) a :class:`StockRiskAlert` for every SKU of ``run`` whose risk is worse than
    "reorder soon", close live alerts of SKUs no longer at risk.  Returns counts.
    """
    from .models import SkuForecast, StockRiskAlert

    forecasts = SkuForecast.objects.filter(run=run)
    live = StockRiskAlert.objects.exclude(status=StockRiskAlert.CLOSED)
    if stockrecord_ids is not None:
        forecasts = forecasts.filter(stockrecord_id__in=stockrecord_ids)
        live = live.filter(stockrecord_id__in=stockrecord_ids)
    live = {alert.stockrecord_id: alert for alert in live}
    now = timezone.now()
    closed = 0
    at_risk = set()
    new, changed = [], []
    for forecast in forecasts.filter(risk__in=WORSE_THAN_SOON).iterator(chunk_size=2000):
        at_risk.add(forecast.stockrecord_id)
        alert = live.get(forecast.stockrecord_id)
        if alert is None:
            new.append(StockRiskAlert(stockrecord_id=forecast.stockrecord_id, risk=forecast.risk,
                                      reason=reason(forecast), forecast=forecast, raised_at=now))
        elif alert.risk != forecast.risk or alert.forecast_id != forecast.pk:
            alert.risk, alert.reason, alert.forecast, alert.updated_at = (
                forecast.risk, reason(forecast), forecast, now)
            changed.append(alert)
    StockRiskAlert.objects.bulk_update(changed, ["risk", "reason", "forecast", "updated_at"],
                                       batch_size=1000)
    updated = len(changed)
    # A concurrent re-plan may have raised the same alert: the unique constraint keeps one.
    created = StockRiskAlert.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    opened = len(created)
    gone = [alert.pk for pk, alert in live.items() if pk not in at_risk]
    if gone:
        closed = StockRiskAlert.objects.filter(pk__in=gone).update(
            status=StockRiskAlert.CLOSED, closed_at=now, updated_at=now)
    return {"opened": opened, "updated": updated, "closed": closed}


def replan(stockrecord_ids, today=None):
    """
    Re-plan stock records of the current run after their stock changed (an order was placed,
    stock was received): the same forecast and quantiles, the new available stock, as of
    ``today`` (default: :func:`as_of`); then raise or close their alerts.  Returns the number
    of forecasts updated.
    """
    from oscar.core.loading import get_model

    from .models import SkuForecast

    run = current_run()
    if run is None:
        return 0
    StockRecord = get_model("partner", "StockRecord")
    today = today or as_of()
    rows = list(StockRecord.objects.filter(pk__in=stockrecord_ids).values_list(
        "pk", "partner_id", "num_in_stock", "num_allocated"))
    stock = {pk: (s or 0) - (a or 0) for pk, _p, s, a in rows}
    settings = policies((pk, partner) for pk, partner, _s, _a in rows)
    changed = []
    for forecast in SkuForecast.objects.filter(run=run, stockrecord_id__in=list(stock)):
        # The run's forecast and quantiles; today's pack size and minimum order.
        policy = Policy(forecast.lead_time_days, forecast.review_days, forecast.service_level,
                        settings[forecast.stockrecord_id].pack_size,
                        settings[forecast.stockrecord_id].minimum_order)
        plan = _plan(today, stock[forecast.stockrecord_id], forecast.mean_daily, policy,
                     forecast.lead_quantile, forecast.protection_quantile)
        forecast.available = stock[forecast.stockrecord_id]
        forecast.suggested_order = plan.suggested_order
        forecast.days_of_cover = None if math.isinf(plan.days_of_cover) else plan.days_of_cover
        forecast.stockout_date = plan.stockout_date
        forecast.expected_lost_sales = plan.expected_lost_sales
        forecast.risk = plan.risk
        changed.append(forecast)
    SkuForecast.objects.bulk_update(changed, REPLANNED_FIELDS, batch_size=1000)
    sync_alerts(run, list(stock))
    return len(changed)
