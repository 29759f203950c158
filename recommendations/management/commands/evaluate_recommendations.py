"""``manage.py evaluate_recommendations CSV``: the temporal hold-out protocol on exported data."""

import time

from django.core.management.base import BaseCommand, CommandError

from inventory_forecast.importing import ImportAborted
from recommendations import datasets
from recommendations.algorithms import (
    EASE,
    SVD,
    BaselineOnly,
    Blend,
    Popularity,
    RepeatPurchase,
    Trending,
)
from recommendations.evaluation import evaluate_algorithm, temporal_holdout, validation_holdout

CANDIDATES = {
    "popularity": lambda **kw: Popularity(),
    "ease": lambda lambda_=400.0, **kw: EASE(lambda_=lambda_),
    "svd": lambda **kw: SVD(n_factors=64, n_epochs=20, random_state=1),
    "baseline": lambda **kw: BaselineOnly(verbose=False),
    "trending": lambda **kw: Trending(half_life_days=7),
    "repeat": lambda **kw: RepeatPurchase(half_life_days=60),
    "blend": lambda lambda_=400.0, trending=0.2, repeat=0.0, **kw: Blend(
        [(EASE(lambda_=lambda_), 1.0, True), (Trending(7), trending, False),
         (RepeatPurchase(60), repeat, False)]
    ),
}
EASE_LAMBDAS = (100.0, 200.0, 400.0, 800.0)
# Blend weights searched on the validation split: trending x repeat.
TRENDING_WEIGHTS = (0.1, 0.2, 0.4, 0.8)
REPEAT_WEIGHTS = (0.0, 1.0, 2.0, 4.0)


class Command(BaseCommand):
    help = (
        "Run the temporal hold-out protocol (shared/EVALUATION.md) on an interactions CSV "
        "(plain or gzip) without loading it into the database, for every candidate and the "
        "popularity baseline, and print NDCG/Recall/HitRate/MAP@K and coverage."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--user-column", default="CustomerID")
        parser.add_argument("--item-column", default="StockCode")
        parser.add_argument("--timestamp-column", default="InvoiceDate")
        parser.add_argument("--basket-column", default="InvoiceNo", help="'' if none")
        parser.add_argument("--quantity-column", default="Quantity", help="'' if none")
        parser.add_argument("--price-column", default="UnitPrice", help="'' if none")
        parser.add_argument("--date-format", default="%Y-%m-%d %H:%M:%S")
        parser.add_argument("--item-pattern", default=r"^\d{5}[A-Z]{0,2}$", help="'' for any item")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--algorithms", default=",".join(CANDIDATES),
                            help=f"comma-separated, from {', '.join(CANDIDATES)}")

    def handle(self, *args, **options):
        names = [n.strip() for n in options["algorithms"].split(",") if n.strip()]
        unknown = [n for n in names if n not in CANDIDATES]
        if unknown:
            raise CommandError(f"Unknown algorithm(s): {', '.join(unknown)}.")
        if "popularity" not in names:
            names.insert(0, "popularity")  # the baseline is always reported
        try:
            purchases, skipped = datasets.read_purchases_csv(
                options["path"], user=options["user_column"], item=options["item_column"],
                timestamp=options["timestamp_column"], basket=options["basket_column"],
                quantity=options["quantity_column"], price=options["price_column"],
                date_format=options["date_format"], item_pattern=options["item_pattern"],
            )
        except ImportAborted as exc:
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
        params = {}
        validation = validation_holdout(holdout)
        if "ease" in names or "blend" in names:
            params["ease"] = {"lambda_": self.tune_ease(validation, k)}
        if "blend" in names:
            params["blend"] = self.tune_blend(validation, k, params["ease"]["lambda_"])
        header = f"{'model':<16}" + "".join(
            f"{p + ' ' + m:>13}" for p in ("new", "all") for m in ("NDCG", "Recall", "HR", "MAP", "cov")
        ) + f"{'fit s':>8}"
        self.stdout.write(header)
        for name in names:
            started = time.perf_counter()
            if name == "blend":  # weights tuned per protocol
                by_protocol = {
                    protocol: evaluate_algorithm(CANDIDATES[name](**params[name][protocol]), holdout, k)
                    for protocol in ("new", "all")
                }
                result = {p: by_protocol[p][p] for p in ("new", "all")}
                result["fit_seconds"] = by_protocol["all"]["fit_seconds"]
            else:
                result = evaluate_algorithm(CANDIDATES[name](**params.get(name, {})), holdout, k)
            cells = "".join(
                f"{result[p][m]:>13.4f}" for p in ("new", "all")
                for m in ("ndcg", "recall", "hit_rate", "map", "coverage")
            )
            self.stdout.write(f"{name:<16}{cells}{result['fit_seconds']:>8.1f}")
            self.stderr.write(f"  ({name}: {time.perf_counter() - started:.1f} s in all)")

    def tune_blend(self, validation, k, lambda_):
        """Blend weights per protocol, by NDCG@k on the validation split."""
        scores = {}
        for trending in TRENDING_WEIGHTS:
            for repeat in REPEAT_WEIGHTS:
                algo = CANDIDATES["blend"](lambda_=lambda_, trending=trending, repeat=repeat)
                result = evaluate_algorithm(algo, validation, k)
                scores[(trending, repeat)] = {p: result[p]["ndcg"] for p in ("new", "all")}
        chosen = {}
        for protocol in ("new", "all"):
            trending, repeat = max(scores, key=lambda key: scores[key][protocol])
            chosen[protocol] = {"lambda_": lambda_, "trending": trending, "repeat": repeat}
            self.stdout.write(
                f"Blend weights on validation ({protocol} items): trending {trending:g}, "
                f"repeat {repeat:g} (NDCG@{k} {scores[(trending, repeat)][protocol]:.4f})"
            )
        return chosen

    def tune_ease(self, validation, k):
        """lambda for EASE from the validation split inside the training period (NDCG, new items)."""
        scores = {
            lam: evaluate_algorithm(EASE(lambda_=lam), validation, k)["new"]["ndcg"]
            for lam in EASE_LAMBDAS
        }
        best = max(scores, key=scores.get)
        self.stdout.write(
            "EASE lambda on validation (NDCG@%d new-items): %s -> %s"
            % (k, ", ".join(f"{lam:g}: {v:.4f}" for lam, v in scores.items()), f"{best:g}")
        )
        return best
