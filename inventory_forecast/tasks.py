"""Celery tasks of inventory_forecast: thin wrappers over forecasting."""

from celery import shared_task

from oscar_insights.runs import RunInProgress

from . import forecasting, replanning


@shared_task(name="inventory_forecast.run_forecasts", bind=True)
def run_forecasts(self, trigger="on demand"):
    """
    Forecast every stock record, plan replenishment and raise or close stock-risk alerts.
    Scheduled nightly by beat (``trigger="schedule"``) and sent on demand; returns without doing
    anything while another run holds the lock.
    """

    def report(percent, stage):
        self.update_state(state="PROGRESS", meta={"percent": percent, "stage": stage})

    try:
        run = forecasting.run_forecasts(trigger=trigger,
                                        callback=report if self.request.id else None)
    except RunInProgress as exc:
        return {"skipped": str(exc)}
    return {"run": run.pk, "skus": run.skus, "alerts": run.metrics.get("alerts"),
            "seconds": round(run.duration, 1)}


@shared_task(name="inventory_forecast.replan")
def replan(stockrecord_ids):
    """Re-plan stock records whose stock changed (same forecast, new stock level)."""
    return replanning.replan(stockrecord_ids)
