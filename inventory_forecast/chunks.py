"""
A forecast run's chunks: its stock records in chunks of ``INVENTORY_FORECAST_CHUNK_SIZE``
(:class:`~inventory_forecast.models.ForecastChunk` rows, made when the run starts), each
forecast and backtested on its own — by a Celery task of the run's chord, or in-process by the
command — and its :class:`~inventory_forecast.backtesting.Backtest` stored until the run
calibrates safety stock over all of them (:func:`gather`).  The fan-out itself is the core's
(:mod:`oscar_insights.fanout`).
"""

from datetime import timedelta

from oscar.core.loading import get_model

from oscar_insights import fanout
from oscar_insights.db import lookup

from . import conf
from .backtesting import Backtest, forecast_panel
from .forecasters import levels
from .history import daily_sales_from_orders, fill_missing, period_series
from .models import ForecastChunk
from .policies import periods, policies


class IncompleteRun(Exception):
    """A forecast run was to be finished before all its chunks were in."""


def chunk_bounds(count, size):
    """``(start, stop)`` of chunks of ``size`` over ``count`` items; a last chunk under half
    ``size`` joins the one before (a panel forecaster learns from its whole chunk)."""
    size = max(int(size), 1)
    bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < size / 2:
        bounds[-2:] = [(bounds[-2][0], count)]
    return bounds


def make_chunks(run, stockrecord_ids):
    """The chunks of ``run`` over ``stockrecord_ids`` (in that order); returns their count."""
    chunks = [ForecastChunk(run=run, index=index, stockrecords=stockrecord_ids[start:stop])
              for index, (start, stop) in enumerate(chunk_bounds(len(stockrecord_ids),
                                                                 conf.CHUNK_SIZE))]
    ForecastChunk.objects.bulk_create(chunks, batch_size=100)
    return len(chunks)


def backtest_of(stockrecord_ids, as_of):
    """The :class:`Backtest` of the stock records ``stockrecord_ids`` with their history up to
    the day before ``as_of``, or None when none of them ever sold.  No run, no state."""
    StockRecord = get_model("partner", "StockRecord")
    partners = lookup(StockRecord.objects.all(), "pk", stockrecord_ids, key="partner_id")
    plans = policies(partners.items())
    end = as_of - timedelta(days=1)  # today is not over
    daily = daily_sales_from_orders(stockrecord_ids, until=end)
    weekly = period_series(daily, "W", end)
    keys = [pk for pk in stockrecord_ids if pk in weekly and pk in plans]  # never sold: none
    if not keys:
        return None
    lead, protection = zip(*(periods(plans[pk]) for pk in keys))
    return forecast_panel(
        keys, levels.align([fill_missing(weekly[pk].values) for pk in keys],
                           limit=conf.HISTORY_WEEKS),
        conf.METHOD, conf.HORIZON_WEEKS, lead, protection, conf.BACKTEST_ORIGINS)


def _forecast(chunk):
    backtest = backtest_of(chunk.stockrecords, chunk.run.as_of)
    chunk.backtest = backtest.to_bytes() if backtest is not None else None
    chunk.save(update_fields=["backtest"])


def forecast_chunk(run_id, index, last_attempt=True, callback=None):
    """Forecast and backtest chunk ``index`` of run ``run_id`` and store its backtest
    (:func:`oscar_insights.fanout.perform`: the run fails with the last attempt's error)."""
    return fanout.perform(ForecastChunk, run_id, index, _forecast, last_attempt, callback)


def gather(run):
    """The run's backtest: its chunks' in their order (None when nothing ever sold), or
    :class:`IncompleteRun` when a chunk is not done."""
    missing = fanout.parts_missing(ForecastChunk, run)
    if missing:
        raise IncompleteRun(f"Chunks {', '.join(str(i + 1) for i in missing)} of forecast run "
                            f"#{run.pk} are not done.")
    stored = ForecastChunk.objects.filter(run=run, backtest__isnull=False).order_by("index")
    return Backtest.concat([Backtest.from_bytes(data)
                            for data in stored.values_list("backtest", flat=True)])


def release(run):
    """Empty the run's stored backtests, once it is published."""
    ForecastChunk.objects.filter(run=run).update(backtest=None)
