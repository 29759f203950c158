"""``manage.py backfill_interactions``: purchase events for orders that have none yet."""

from django.core.management.base import BaseCommand
from oscar.core.loading import get_model
from tqdm import tqdm

from recommendations import tracking


class Command(BaseCommand):
    help = (
        "Record purchase events, dated when the orders were placed, for every order without "
        "them (e.g. imported history): one per order line with units left after cancellations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        Order = get_model("order", "Order")
        bar = None if options["no_progress"] else tqdm(
            total=Order.objects.count(), desc="Orders", unit=" orders", unit_scale=True
        )
        created = tracking.backfill_purchases(progress=bar.update if bar else None)
        if bar:
            bar.close()
        self.stdout.write(f"Purchase events created: {created:,}.")
