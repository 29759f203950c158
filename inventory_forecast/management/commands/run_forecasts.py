"""``manage.py run_forecasts``: forecast every stock record, plan and raise alerts."""

from django.core.management.base import BaseCommand, CommandError

from inventory_forecast import forecasting
from oscar_insights.background import enqueue_or_explain
from oscar_insights.runs import RunInProgress


class Command(BaseCommand):
    help = ("Forecast demand for every stock record, compute safety stock, reorder points and "
            "order quantities, and raise or close stock-risk alerts (as the nightly task does). "
            "--enqueue sends the task to a Celery worker instead.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from inventory_forecast.tasks import run_forecasts

            task_id = enqueue_or_explain(run_forecasts, {"trigger": "on demand"}, "forecast")
            self.stdout.write(f"Forecast task sent: {task_id}.")
            return
        try:
            run = forecasting.run_forecasts(
                trigger="command", callback=lambda p, s: self.stderr.write(f"[{p:3d} %] {s}"))
        except RunInProgress as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary(run))


def _share(value):
    return "none measured" if value is None else f"{value:.1%}"


def summary(run):
    """The run in a few sentences for people: what was forecast, how accurate the backtest
    was (or that the history is too short for one, and what the plans used instead), the
    realised stock-out shares and the alerts."""
    metrics = run.metrics or {}
    accuracy = metrics.get("accuracy", {})
    levels = list(metrics.get("quantile_levels", {}).values())
    textbook = bool(levels) and all(level["lead"]["level"] == "textbook" for level in levels)
    parts = [f"Forecast run #{run.pk}: {run.skus:,} of {metrics.get('records', 0):,} stock "
             f"records forecast in {run.duration:.0f} s"]
    if "rmsse" in accuracy:
        parts.append(f"backtest RMSSE {accuracy['rmsse']:.3f}"
                     + (f", WAPE {accuracy['wape']:.3f}" if "wape" in accuracy else ""))
        checked = next((level["lead"]["checked_stockout_share"] for level in levels), None)
        parts.append(f"backtest stock-out share {_share(metrics.get('stockout_share'))} "
                     f"(latest lead-time window vs older windows' quantiles: {_share(checked)})")
    else:
        parts.append("not enough history for a backtest yet (a few weeks of sales before and "
                     "over a lead time are needed), so no accuracy to report")
    if textbook or not levels:
        parts.append("safety stock from the textbook formula z·σ·√(lead time), on each SKU's "
                     "weekly variation, until the backtest has enough errors to calibrate it")
    alerts = metrics.get("alerts") or {}
    parts.append("alerts: " + ", ".join(f"{alerts.get(k, 0):,} {k}"
                                        for k in ("opened", "updated", "closed")))
    return "; ".join(parts) + "."
