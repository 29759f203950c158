"""
Forecast runs: demand history -> forecast -> backtest -> calibrated safety stock -> plan ->
alerts, for every stock record.  Plain functions behind the Celery tasks and commands.

A run (:func:`run_forecasts`):

1. takes the lock (:mod:`oscar_insights.runs`): a :class:`~inventory_forecast.models.ForecastRun`
   in status *running*, one at a time; a run silent for ``INVENTORY_FORECAST_RUN_TIMEOUT``
   seconds is declared dead;
2. records today's stock-outs (:class:`StockOutDay`: their demand is unknown, not zero);
3. for stock records in chunks of ``INVENTORY_FORECAST_CHUNK_SIZE`` (so 100,000 SKUs never hold
   all order lines in memory), each chunk a task of its own — a Celery chord's part, spread
   over the workers (:mod:`.tasks`), or one after another in a command (:mod:`.chunks`): weekly demand since each SKU's first sale as one right-aligned
   matrix, its demand class, the configured forecaster's forecast (``INVENTORY_FORECAST_METHOD``;
   a panel forecaster fits the whole chunk at once) and a rolling-origin backtest: the forecaster
   refitted on the history before each origin, the errors of the forecast total over the SKU's
   lead time and protection interval, ``INVENTORY_FORECAST_BACKTEST_ORIGINS`` *recent* windows
   and as many *inner* ones that end before the most recent window starts;
4. calibrates safety stock from those errors, pooled per demand class after dividing each one by
   the SKU's scale at its origin (:func:`backtesting.error_scale`): the safety stock of a SKU is the class's
   quantile of recent errors times the SKU's scale today.  The quantile level starts at the
   target service level and is raised until the inner windows' quantiles would have covered the
   most recent window as often as the target asks (demand drifts; the textbook normal safety
   stock promises 5 % and delivers about 25 % on lumpy demand).  Too few errors in all (a young
   shop): the textbook formula;
5. plans each SKU (:func:`replenishment.plan`), writes the forecasts under the run, makes it the
   *current* run in one transaction, re-plans SKUs whose stock changed meanwhile
   (:mod:`.replanning`) and raises / closes :class:`StockRiskAlert` s (:mod:`.alerts`), a
   forecast break among them: the demand of the latest lead-time window of the backtest far
   outside its interval (:func:`.backtesting.breaks`).

A failed run — a chunk that failed its last attempt included — keeps its error and leaves the
last good forecasts current.
"""

import logging
import math

import numpy as np
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_insights import runs

from . import alerts, chunks, conf, purchasing, replanning, valuation
from .backtesting import breaks
from .calibration import calibrate, safety_stocks
from .history import as_of
from .models import ForecastRun, SkuForecast
from .policies import PERIOD_DAYS, periods, policies

logger = logging.getLogger(__name__)


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


def start(trigger="", today=None, callback=None):
    """
    Start a forecast run: take the lock, record today's stock-outs and split the tracked stock
    records into chunks (:mod:`.chunks`).  Returns the run, *running*; its chunks are then done
    by :func:`chunks.forecast_chunk` (anywhere, in any order) and the run is finished by
    :func:`finish`.  Raises :class:`~oscar_insights.runs.RunInProgress` while another run holds
    the lock.  ``callback(percent, stage)`` is told of progress.
    """
    today = today or as_of()  # before the lock: a failure here must not leave it held
    run = runs.acquire(ForecastRun, trigger, conf.RUN_TIMEOUT)
    with runs.attempt(run):
        StockRecord = get_model("partner", "StockRecord")
        ForecastRun.objects.filter(pk=run.pk).update(as_of=today)
        run.as_of = today
        step = runs.Progress(run, callback)
        step(1, "recording today's stock-outs")
        record_stockouts(today)
        # Records whose stock is not tracked (num_in_stock empty) have nothing to plan.
        tracked = list(StockRecord.objects.filter(num_in_stock__isnull=False).order_by("pk")
                       .values_list("pk", flat=True))
        count = chunks.make_chunks(run, tracked)
        step(2, f"{len(tracked):,} stock records in {count:,} chunks")
    return run


def run_forecasts(trigger="", today=None, callback=None):
    """
    One forecast run in this process (module docstring): :func:`start`, every chunk one after
    another, :func:`finish`; returns the run, now current.  Raises
    :class:`~oscar_insights.runs.RunInProgress` without doing anything while another run holds
    the lock; any other error marks the run failed (the current one keeps serving) and is
    re-raised.  ``callback(percent, stage)`` is told of progress.
    """
    run = start(trigger, today, callback)
    for index in range(run.chunks.count()):
        chunks.forecast_chunk(run.pk, index, callback=callback)
    return finish(run.pk, callback)


def finish(run_id, callback=None):
    """
    Finish forecast run ``run_id`` once its chunks are in: calibrate, plan, write and publish
    it, then re-plan what changed meanwhile and raise or close alerts.  Returns the run, now
    current; an error (a chunk not done included) fails the run and is re-raised.
    """
    run = ForecastRun.objects.get(pk=run_id)
    with runs.attempt(run):
        summary = _finish(run, runs.Progress(run, callback))
    runs.prune(ForecastRun, conf.KEEP_RUNS)
    # Published: re-plans and alerts follow.  A failure is logged; the forecasts stay current.
    try:
        summary["restocked"] = replanning.restock(run, run.as_of)
    except Exception:
        logger.exception("Forecast run #%s: changed stock could not be re-planned", run.pk)
    try:
        summary["alerts"] = alerts.sync_alerts(run)
    except Exception:
        logger.exception("Forecast run #%s: alerts could not be updated", run.pk)
    ForecastRun.objects.filter(pk=run.pk).update(metrics=summary)
    run.refresh_from_db()
    return run


def _finish(run, step):
    StockRecord = get_model("partner", "StockRecord")
    step(73, "gathering the chunks' backtests")
    backtest = chunks.gather(run)
    records = list(StockRecord.objects.filter(num_in_stock__isnull=False).order_by("pk")
                   .values_list("pk", "partner_id", "num_in_stock", "num_allocated", "price"))
    plans = policies((pk, partner) for pk, partner, *_stock in records)
    step(75, "calibrating safety stock")
    safety = {}  # window: safety stock per backtest row
    levels_used = {}
    if backtest is not None:
        # Errors do not depend on the target: every SKU's pool the calibration of each level.
        targets = np.array([plans[pk].service_level if pk in plans
                            else conf.SERVICE_LEVEL for pk in backtest.keys])
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
    step(80, "planning and writing forecasts")
    revenue = valuation.revenue_by_stockrecord(run.as_of)
    classes = valuation.abc_classes({pk: revenue.get(pk, 0.0) for pk, *_rest in records})
    ordered = purchasing.on_order()
    summary = _write(run, records, plans, backtest, safety, run.as_of,
                     lambda pk: (revenue.get(pk, 0.0), classes.get(pk, "C"), ordered.get(pk, 0)))
    summary["quantile_levels"] = levels_used
    summary["chunks"] = {"count": run.chunks.count(),
                         "seconds": round(sum(run.chunks.values_list("seconds", flat=True)), 1),
                         "workers": run.chunks.values("worker").distinct().count()}
    summary["seconds"] = round((timezone.now() - run.started_at).total_seconds(), 1)
    step(95, "publishing")
    runs.publish(run, skus=summary["skus"])
    chunks.release(run)
    return summary


def _finite(value):
    return round(float(value), 4) if np.isfinite(value) else None


def _write(run, records, plans, backtest, safety, today, value):
    rows = {pk: i for i, pk in enumerate(backtest.keys)} if backtest is not None else {}
    origins = backtest.lead_predicted.shape[1] // 2 if backtest is not None else 0
    if backtest is not None:
        broken, recent_forecast, recent_demand = breaks(
            backtest, safety["lead"], conf.ACCURACY_BREAK_BANDS, conf.ACCURACY_BREAK_MIN_UNITS)
    written, shares = [], []
    for pk, _partner, in_stock, allocated, price in records:
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
        revenue, abc_class, units_on_order = value(pk)
        plan = replanning.plan(today, available, mean_daily, policy, lead_mean + lead_safety,
                               protection_mean + protection_safety, units_on_order)
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
        unit_price = float(price) if price is not None else None
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
            on_order=units_on_order,
            days_of_cover=None if math.isinf(plan.days_of_cover) else plan.days_of_cover,
            stockout_date=plan.stockout_date, expected_lost_sales=plan.expected_lost_sales,
            risk=plan.risk, stockout_share=share, unit_price=unit_price, revenue=revenue,
            abc_class=abc_class,
            revenue_at_risk=valuation.revenue_at_risk(plan.expected_lost_sales, unit_price),
            recent_weeks=int(backtest.lead[row]), recent_forecast=_finite(recent_forecast[row]),
            recent_demand=_finite(recent_demand[row]), accuracy_break=broken[row],
            **accuracy,
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


