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
        metrics = run.metrics
        accuracy = metrics.get("accuracy", {})
        share = metrics.get("stockout_share")
        checked = next((level["lead"]["checked_stockout_share"]
                        for level in metrics.get("quantile_levels", {}).values()), None)
        self.stdout.write(
            f"Forecast run #{run.pk}: {run.skus:,} of {metrics.get('records', 0):,} stock records "
            f"forecast in {run.duration:.0f} s; backtest RMSSE {accuracy.get('rmsse', float('nan')):.3f}, "
            f"WAPE {accuracy.get('wape', float('nan')):.3f}; backtest stock-out share "
            f"{share if share is None else f'{share:.1%}'} (latest lead-time window vs older "
            f"windows' quantiles: {checked if checked is None else f'{checked:.1%}'}); "
            f"alerts {metrics.get('alerts')}."
        )
