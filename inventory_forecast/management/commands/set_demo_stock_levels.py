"""``manage.py set_demo_stock_levels``: give a partner's stock records demo stock levels."""

from django.core.management.base import BaseCommand, CommandError
from oscar.core.loading import get_model

from inventory_forecast.demo import set_demo_stock_levels
from oscar_insights import conf as core_conf


class Command(BaseCommand):
    help = (
        "Set num_in_stock and low_stock_threshold of every stock record of a partner from its "
        "recent demand by a seeded, documented rule (inventory_forecast.demo), and open or close "
        "Oscar's low-stock alerts to match.  For demo and test shops only: it overwrites stock."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", default="", help="partner name (default: the import partner)")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: setting)")

    def handle(self, *args, **options):
        Partner = get_model("partner", "Partner")
        name = options["partner"] or core_conf.IMPORT_PARTNER_NAME
        try:
            partner = Partner.objects.get(name=name)
        except Partner.DoesNotExist:
            raise CommandError(f"No partner named {name!r}; import an order history first.") from None
        report = set_demo_stock_levels(partner, seed=options["seed"])
        self.stdout.write(
            f"{report.records:,} stock records of {partner.name}: {report.out_of_stock:,} out of "
            f"stock, {report.below_threshold:,} below their low-stock threshold "
            f"({report.alerts_opened:,} alerts opened, {report.alerts_closed:,} closed)."
        )
