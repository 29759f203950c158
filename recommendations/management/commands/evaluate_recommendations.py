"""``manage.py evaluate_recommendations CSV``: the temporal hold-out protocol on exported data,
then the basket protocol of the related-products measures."""

import time

from django.core.management.base import BaseCommand, CommandError

from oscar_insights import csvfiles
from oscar_insights.registry import UnknownComponent
from recommendations import conf, datasets, measures, selection
from recommendations.algorithms import registry
from recommendations.evaluation import Baskets, basket_holdout, temporal_holdout, validation_baskets

from ._table import format_basket_table, format_table


class Command(BaseCommand):
    help = (
        "Run the temporal hold-out protocol (docs/evaluation.md) on an interactions CSV "
        "(plain or gzip) without loading it into the database, for every candidate and the "
        "popularity baseline, and print NDCG/Recall/HitRate/MAP@K and coverage; then the "
        "'bought together' basket protocol (leave-one-out within invoices, guests included) "
        "for every measure of RECOMMENDATIONS_RELATED_MEASURES and popularity."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        csvfiles.add_arguments(parser)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument(
            "--algorithms", default=None,
            help="comma-separated names from RECOMMENDATIONS_ALGORITHMS (default: "
                 "RECOMMENDATIONS_CANDIDATES); popularity is always included",
        )

    def handle(self, *args, **options):
        names = ([n.strip() for n in options["algorithms"].split(",") if n.strip()]
                 if options["algorithms"] else list(conf.CANDIDATES))
        try:
            for name in names:
                registry.spec(name)
        except UnknownComponent as exc:
            raise CommandError(str(exc)) from exc
        try:
            purchases, skipped = datasets.read_purchases_csv(
                options["path"], csvfiles.columns(options), options["date_format"],
                options["item_pattern"],
            )
        except csvfiles.CsvFileError as exc:
            raise CommandError(str(exc)) from exc
        if not purchases:
            raise CommandError("No usable purchases in the file.")
        k = options["k"]
        holdout = temporal_holdout(purchases)
        self.stdout.write(
            f"{len(purchases):,} purchases ({sum(skipped.values()):,} rows dropped: "
            f"{dict(skipped)}); split {holdout.split:%Y-%m-%d}; catalogue {len(holdout.catalogue):,}; "
            f"test users {len(holdout.relevant_new):,} new-items / {len(holdout.relevant_all):,} all-items"
        )
        if not holdout.relevant_all:
            raise CommandError("No test users: nobody bought both before and after the split.")
        started = time.perf_counter()
        results = selection.evaluate_candidates(
            holdout, names, k, progress=lambda stage: self.stderr.write(f"  {stage} …"),
        )
        for line in format_table(results):
            self.stdout.write(line)
        for protocol in ("new", "all"):
            chosen, reason = selection.choose(results, protocol)
            self.stdout.write(f"Published for the {protocol}-items protocol: {chosen} ({reason}).")
        self.stderr.write(f"Evaluated in {time.perf_counter() - started:.0f} s.")
        self.basket_table(options, holdout.split, k)

    def basket_table(self, options, split, k):
        """The basket protocol on the same file and split, guest invoices included."""
        if not options["basket_column"]:
            self.stdout.write("No basket column: no 'bought together' table.")
            return
        read = csvfiles.iter_order_lines(options["path"], csvfiles.columns(options),
                                         options["date_format"], options["item_pattern"])
        lines = Baskets.of((line.basket, line.item, line.when) for line in read if line.basket)
        holdout = basket_holdout(lines, split)
        self.stdout.write(
            f"Bought together (leave-one-out within baskets): {holdout.train.shape[0]:,} train "
            f"baskets, catalogue {len(holdout.catalogue):,}, {holdout.test.shape[0]:,} test "
            f"baskets, {holdout.test.nnz:,} (basket, item) pairs"
        )
        if not holdout.test.nnz:
            self.stdout.write("No test basket with 2 catalogue items: nothing to score.")
            return
        started = time.perf_counter()
        validation = validation_baskets(lines, holdout)
        if validation.test.shape[0] < conf.MIN_TEST_BASKETS:
            validation = None  # too few to tune on: the configured parameters
        results = selection.evaluate_measures(
            holdout, validation, list(measures.measures.entries()), k,
            progress=lambda stage: self.stderr.write(f"  {stage} …"),
        )
        for line in format_basket_table(results, k):
            self.stdout.write(line)
        self.stdout.write(f"Published as 'bought together': {conf.BOUGHT_TOGETHER_MEASURE}.")
        self.stderr.write(f"Basket protocol in {time.perf_counter() - started:.0f} s.")
