"""
Forecast runs: demand history -> forecast -> backtest -> calibrated safety stock -> plan ->
alerts, for every stock record.  Plain functions behind the Celery tasks and commands.

A run (:func:`run_forecasts`):

1. takes the lock, a :class:`~inventory_forecast.models.ForecastRun` in status *running* (one
   at a time; a run silent for ``INVENTORY_FORECAST_RUN_TIMEOUT`` seconds is declared dead);
2. records today's stock-outs (:class:`StockOutDay`: their demand is unknown, not zero);
3. for stock records in chunks of ``INVENTORY_FORECAST_CHUNK_SIZE`` (so 100,000 SKUs never hold
   all order lines in memory): weekly demand since each SKU's first sale, its demand class,
   the configured forecaster's forecast (``INVENTORY_FORECAST_METHOD``) and a rolling-origin
   backtest over the last ``INVENTORY_FORECAST_BACKTEST_ORIGINS`` weeks: the errors of the
   forecast total over the SKU's lead time and protection interval;
4. calibrates safety stock from those errors, pooled per demand class after dividing each SKU's
   errors by its own scale (:func:`error_scale`): the safety stock of a SKU is the class's
   quantile times the SKU's scale.  The quantile level starts at the target service level and
   is raised until the most recent backtest window, held out of the pooled errors, stocks out no
   more often than the target allows (demand drifts; the textbook normal safety stock promises
   5 % and delivers about 25 % on lumpy demand);
5. plans each SKU (:func:`replenishment.plan`), writes the forecasts under the run, makes it the
   *current* run in one transaction and raises / closes :class:`StockRiskAlert` s.

A failed run keeps its error and leaves the last good forecasts current.
"""

import logging
import math
import time
import traceback
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import conf, forecasters, replenishment
from .backtest import rmsse_scale
from .history import cancelled_units_by_line, daily_sales_from_orders, fill_missing, period_series

logger = logging.getLogger(__name__)

PERIOD_DAYS = 7  # forecasts are weekly
WORSE_THAN_SOON = (replenishment.OUT_OF_STOCK, replenishment.STOCKOUT_BEFORE_DELIVERY,
                   replenishment.REORDER_NOW)


class ForecastInProgress(Exception):
    """Another forecast run holds the lock."""


class ForecastAborted(Exception):
    """The run lost its lock (declared dead) and must not publish."""


# --- One series -----------------------------------------------------------------------------

def error_scale(forecast_total, rmsse_scale_value, periods):
    """
    The scale dividing a SKU's backtest errors before they are pooled with other SKUs'.  It
    grows with the forecast and with the series' own period-to-period variation, but less than
    proportionally, so that the pooled quantile does not hand big sellers huge safety stocks.
    """
    spread = math.sqrt(periods * rmsse_scale_value) if rmsse_scale_value > 0 else 0.0
    return (max(forecast_total, 0.0) + 1) ** 0.25 * (spread + 1) ** 0.25


@dataclass
class SeriesResult:
    """The forecast of one SKU and its backtest, before calibration."""

    key: object
    demand_class: str
    forecast: np.ndarray  # per period
    lead_periods: int
    protection_periods: int
    lead_scale: float
    protection_scale: float
    # Backtest windows: (forecast total, actual total) over lead / protection; the first is the
    # most recent, the others end before it starts.
    lead_windows: list = field(default_factory=list)
    protection_windows: list = field(default_factory=list)
    accuracy: dict = field(default_factory=dict)


def _forecast(method, y, h):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = forecasters.build(method).fit(y).predict(h)["mean"]
    return np.clip(np.asarray(mean, dtype=float), 0, None)


def forecast_series(key, y, method, horizon, lead_periods, protection_periods, origins):
    """Forecast ``y`` (weekly demand, missing values filled) and backtest it."""
    h = max(horizon, protection_periods)
    forecast = _forecast(method, y, h)
    if not np.all(np.isfinite(forecast)):  # too short a history for the method: its mean
        forecast = np.full(h, float(np.mean(y)) if len(y) else 0.0)
    scale = rmsse_scale(y)
    scale = scale if not math.isnan(scale) else float(np.mean(y ** 2))
    result = SeriesResult(
        key=key, demand_class=forecasters.classify(y), forecast=forecast[:horizon],
        lead_periods=lead_periods, protection_periods=protection_periods,
        lead_scale=error_scale(forecast[:lead_periods].sum(), scale, lead_periods),
        protection_scale=error_scale(forecast[:protection_periods].sum(), scale,
                                     protection_periods),
    )
    errors, actuals, forecasts = [], [], []
    # The most recent window, then ``origins`` windows that do not overlap it: calibration
    # pools the older ones and checks itself on the most recent (see calibrate()).
    last = len(y) - protection_periods
    offsets = [0] + [protection_periods + k for k in range(origins)]
    for origin in (last - offset for offset in offsets):
        if origin < 4:
            break
        past = _forecast(method, y[:origin], protection_periods)
        if not np.all(np.isfinite(past)):  # too little history for this method at that origin
            continue
        future = y[origin : origin + protection_periods]
        result.lead_windows.append((past[:lead_periods].sum(), future[:lead_periods].sum()))
        result.protection_windows.append((past.sum(), future.sum()))
        errors.append(future - past)
        actuals.append(future)
        forecasts.append(past)
    if errors:
        errors, actuals = np.array(errors), np.array(actuals)
        past_scale = scale if scale > 0 else 1.0
        total = actuals.sum()
        result.accuracy = {
            "mae": float(np.abs(errors).mean()),
            "rmsse": float(np.sqrt((errors ** 2).mean() / past_scale)),
            "wape": float(np.abs(errors).sum() / total) if total else None,
            "bias": float(-errors.sum() / total) if total else None,
        }
    return result


# --- Calibration --------------------------------------------------------------------------------

def _scaled_errors(results, window, scale):
    """{class: [scaled errors]} of the given backtest windows (all but the most recent)."""
    pooled = defaultdict(list)
    for r in results:
        for predicted, actual in getattr(r, window)[1:]:
            error = (actual - predicted) / getattr(r, scale)
            if math.isfinite(error):
                pooled[r.demand_class].append(error)
    return pooled


def calibrate(results, service_level, window="lead_windows", scale="lead_scale",
              min_pool=30, step=0.005, ceiling=0.995):
    """
    ``(quantiles per class, level)``: the quantile of pooled scaled backtest errors per demand
    class (classes with fewer than ``min_pool`` errors use all classes' pool) at ``level``, the
    smallest level from ``service_level`` up (by ``step``, at most ``ceiling``) at which the
    most recent backtest window, left out of the pool, stocks out no more often than
    ``1 - service_level``.
    """
    pooled = _scaled_errors(results, window, scale)
    everything = np.array([e for errors in pooled.values() for e in errors] or [0.0])
    arrays = {c: np.array(e) if len(e) >= min_pool else everything for c, e in pooled.items()}

    def quantiles(level):
        return {c: float(np.quantile(e, level)) for c, e in arrays.items()} | {
            "*": float(np.quantile(everything, level))}

    recent = [(r, getattr(r, window)[0]) for r in results if getattr(r, window)]
    level = service_level
    while True:
        q = quantiles(level)
        if not recent:
            return q, level
        misses = sum(
            actual > predicted + max(q.get(r.demand_class, q["*"]), 0) * getattr(r, scale) + 1e-9
            for r, (predicted, actual) in recent
        )
        if misses / len(recent) <= 1 - service_level or level >= ceiling:
            return q, level
        level = min(level + step, ceiling)


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
        if latest is not None:
            return timezone.localtime(latest).date() + timedelta(days=1)
    return timezone.localdate()


def run_forecasts(trigger="", today=None, callback=None):
    """One forecast run (module docstring); returns the run, now current."""
    from .models import ForecastRun, SkuForecast

    run = acquire_lock(trigger)
    try:
        summary = _run(run, today or as_of(), callback)
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
    # Published: alerts follow.  Their failure is logged; the new forecasts stay current.
    try:
        summary["alerts"] = sync_alerts(run)
    except Exception:
        logger.exception("Forecast run #%s: alerts could not be updated", run.pk)
    ForecastRun.objects.filter(pk=run.pk).update(metrics=summary)
    run.refresh_from_db()
    return run


def _run(run, today, callback):
    from oscar.core.loading import get_model

    StockRecord = get_model("partner", "StockRecord")
    started = time.perf_counter()
    _progress(run, 1, "recording today's stock-outs", callback)
    record_stockouts(today)
    # Records whose stock is not tracked (num_in_stock empty) have nothing to plan.
    records = list(StockRecord.objects.filter(num_in_stock__isnull=False).order_by("pk")
                   .values_list("pk", "partner_id", "num_in_stock", "num_allocated"))
    plans = policies((pk, partner) for pk, partner, _s, _a in records)
    cancelled = cancelled_units_by_line()  # once per run, not once per chunk
    end = today - timedelta(days=1)  # today is not over
    horizon = conf.HORIZON_WEEKS
    results = {}
    chunk = max(int(conf.CHUNK_SIZE), 1)
    for start in range(0, len(records), chunk):
        batch = records[start : start + chunk]
        _progress(run, 2 + 70 * start // max(len(records), 1),
                  f"forecasting stock records {start + 1:,}-{start + len(batch):,} of "
                  f"{len(records):,}", callback)
        daily = daily_sales_from_orders([pk for pk, *_rest in batch], until=end,
                                        cancelled=cancelled)
        weekly = period_series(daily, "W", end)
        for pk, *_rest in batch:
            if pk not in weekly:
                continue  # never sold: nothing to forecast
            policy = plans[pk]
            lead = max(math.ceil(policy.lead_time_days / PERIOD_DAYS), 1)
            protection = max(math.ceil((policy.lead_time_days + policy.review_days)
                                       / PERIOD_DAYS), lead)
            results[pk] = forecast_series(pk, fill_missing(weekly[pk].values), conf.METHOD,
                                          horizon, lead, protection, conf.BACKTEST_ORIGINS)
    _progress(run, 75, "calibrating safety stock", callback)
    calibration = {}
    for level in sorted({p.service_level for p in plans.values()}):
        same = [r for pk, r in results.items() if plans[pk].service_level == level]
        calibration[level] = (calibrate(same, level),
                              calibrate(same, level, "protection_windows", "protection_scale"))
    _progress(run, 80, "planning and writing forecasts", callback)
    summary = _write(run, records, plans, results, calibration, today)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    _progress(run, 95, "publishing", callback)
    _publish(run, summary)
    prune()
    return summary


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


def _write(run, records, plans, results, calibration, today):
    from .models import SkuForecast

    rows, shares, accuracy = [], [], defaultdict(list)
    for pk, _partner, in_stock, allocated in records:
        result = results.get(pk)
        if result is None:
            continue
        policy = plans[pk]
        (lead_q, _l), (protection_q, _p) = calibration[policy.service_level]
        lead_safety = max(lead_q.get(result.demand_class, lead_q["*"]), 0) * result.lead_scale
        protection_safety = max(protection_q.get(result.demand_class, protection_q["*"]), 0) \
            * result.protection_scale
        forecast = result.forecast
        mean_daily = float(forecast.mean()) / PERIOD_DAYS if len(forecast) else 0.0
        lead_mean = mean_daily * policy.lead_time_days
        protection_mean = mean_daily * (policy.lead_time_days + policy.review_days)
        available = (in_stock or 0) - (allocated or 0)
        plan = _plan(today, available, mean_daily, policy, lead_mean + lead_safety,
                     protection_mean + protection_safety)
        # Realised stock-out share: backtest windows whose lead-time demand beat the reorder point.
        windows = result.lead_windows
        share = (sum(actual > predicted + lead_safety + 1e-9 for predicted, actual in windows)
                 / len(windows)) if windows else None
        if share is not None:
            shares.append(share)
        for name, value in result.accuracy.items():
            if value is not None:
                accuracy[name].append(value)
        rows.append(SkuForecast(
            run=run, stockrecord_id=pk, demand_class=result.demand_class, method=conf.METHOD,
            period_days=PERIOD_DAYS, forecast=[round(float(v), 4) for v in forecast],
            mean_daily=mean_daily, lead_quantile=lead_mean + lead_safety,
            protection_quantile=protection_mean + protection_safety,
            lead_time_days=policy.lead_time_days, review_days=policy.review_days,
            service_level=policy.service_level, available=available,
            safety_stock=plan.safety_stock, reorder_point=plan.reorder_point,
            order_up_to=plan.order_up_to, suggested_order=plan.suggested_order,
            days_of_cover=None if math.isinf(plan.days_of_cover) else plan.days_of_cover,
            stockout_date=plan.stockout_date, expected_lost_sales=plan.expected_lost_sales,
            risk=plan.risk, stockout_share=share, **result.accuracy,
        ))
        if len(rows) >= 2000:
            SkuForecast.objects.bulk_create(rows)
            rows = []
    SkuForecast.objects.bulk_create(rows)
    levels = {str(level): {"lead": q[1], "protection": p[1]} for level, (q, p) in calibration.items()}
    return {
        "skus": len(results),
        "records": len(records),
        "accuracy": {name: float(np.mean(values)) for name, values in accuracy.items()},
        "stockout_share": float(np.mean(shares)) if shares else None,
        "quantile_levels": levels,
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
    stock was received): the same forecast and quantiles, the new available stock; then raise
    or close their alerts.  Returns the number of forecasts updated.
    """
    from oscar.core.loading import get_model

    from .models import SkuForecast

    run = current_run()
    if run is None:
        return 0
    StockRecord = get_model("partner", "StockRecord")
    today = today or timezone.localdate()
    rows = list(StockRecord.objects.filter(pk__in=stockrecord_ids).values_list(
        "pk", "partner_id", "num_in_stock", "num_allocated"))
    stock = {pk: (s or 0) - (a or 0) for pk, _p, s, a in rows}
    settings = policies((pk, partner) for pk, partner, _s, _a in rows)
    changed = 0
    for forecast in SkuForecast.objects.filter(run=run, stockrecord_id__in=list(stock)):
        # The run's forecast and quantiles; today's pack size and minimum order.
        policy = Policy(forecast.lead_time_days, forecast.review_days, forecast.service_level,
                        settings[forecast.stockrecord_id].pack_size,
                        settings[forecast.stockrecord_id].minimum_order)
        plan = _plan(today, stock[forecast.stockrecord_id], forecast.mean_daily, policy,
                     forecast.lead_quantile, forecast.protection_quantile)
        SkuForecast.objects.filter(pk=forecast.pk).update(
            available=stock[forecast.stockrecord_id], suggested_order=plan.suggested_order,
            days_of_cover=None if math.isinf(plan.days_of_cover) else plan.days_of_cover,
            stockout_date=plan.stockout_date, expected_lost_sales=plan.expected_lost_sales,
            risk=plan.risk,
        )
        changed += 1
    sync_alerts(run, list(stock))
    return changed
