"""``manage.py train_recommendations``: train, evaluate and publish a recommender version."""

from django.core.management.base import BaseCommand, CommandError

from oscar_insights.background import enqueue_or_explain
from oscar_insights.registry import UnknownComponent
from oscar_insights.runs import RunInProgress
from recommendations import training

from ._table import format_table


class Command(BaseCommand):
    help = (
        "Train every candidate on the event log, evaluate it on the temporal hold-out, and "
        "publish the best one if it beats popularity (as the nightly Celery task does).  "
        "--enqueue sends the task to a Celery worker instead of running here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="run in a Celery worker (returns at once with the task id)")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from recommendations.tasks import train_recommenders

            task_id = enqueue_or_explain(train_recommenders, {"trigger": "on demand"}, "training")
            self.stdout.write(f"Training task sent: {task_id}.")
            return

        def report(percent, stage):
            self.stderr.write(f"[{percent:3d} %] {stage}")

        try:
            version = training.train(trigger="command", callback=report)
        except RunInProgress as exc:
            raise CommandError(str(exc)) from exc
        except (training.NothingToLearn, UnknownComponent) as exc:
            raise CommandError(f"Training failed: {exc}") from exc
        metrics = version.metrics
        if "candidates" in metrics:
            for line in format_table(metrics["candidates"], protocol=metrics["protocol"]):
                self.stdout.write(line)
        self.stdout.write(
            f"Published version #{version.pk}: {version.algorithm} — {metrics.get('reason')}; "
            f"{version.shoppers:,} shopper lists, {version.products:,} products with lists, "
            f"{version.duration:.0f} s."
        )
