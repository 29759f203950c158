"""Celery tasks of inventory_forecast: thin wrappers over forecasting and its chunks."""

from celery import shared_task

from oscar_insights import fanout
from oscar_insights.runs import RunInProgress

from . import chunks, conf, forecasting, replanning


@shared_task(name="inventory_forecast.run_forecasts", bind=True)
def run_forecasts(self, trigger="on demand"):
    """
    Forecast every stock record, plan replenishment and raise or close stock-risk alerts.
    Scheduled nightly by beat (``trigger="schedule"``) and sent on demand; returns without doing
    anything while another run holds the lock.  The run's chunks go to the workers as a chord
    (:func:`forecast_chunk`, then :func:`finish_forecasts`); a Celery app without a result
    backend does them here, one after another.
    """
    try:
        run = forecasting.start(trigger=trigger)
    except RunInProgress as exc:
        return {"skipped": str(exc)}
    return fanout.fan_out(run, run.chunks.count(), forecast_chunk, finish_forecasts,
                          chunks.forecast_chunk)


@shared_task(name="inventory_forecast.forecast_chunk", bind=True, acks_late=True)
def forecast_chunk(self, run_id, index):
    """One chunk of a forecast run (``chunks.forecast_chunk``), retried up to
    ``INVENTORY_FORECAST_CHUNK_RETRIES`` times; the last failure fails the run."""
    return fanout.attempt(self, chunks.forecast_chunk, run_id, index, conf.CHUNK_RETRIES)


@shared_task(name="inventory_forecast.finish_forecasts")
def finish_forecasts(run_id):
    """Calibrate, plan and publish a forecast run once its chunks are in."""
    run = forecasting.finish(run_id)
    return {"run": run.pk, "skus": run.skus, "alerts": run.metrics.get("alerts"),
            "seconds": round(run.duration, 1)}


@shared_task(name="inventory_forecast.replan")
def replan(stockrecord_ids):
    """Re-plan stock records whose stock changed (same forecast, new stock level)."""
    return replanning.replan(stockrecord_ids)


@shared_task(name="inventory_forecast.send_digest")
def send_digest():
    """E-mail the daily stock-risk digest (:mod:`.digest`); scheduled daily by beat."""
    from . import digest

    return digest.send_digest()
