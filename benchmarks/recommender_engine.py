"""
Recommender engine figures:

1. the evaluation protocol on Online Retail for EASE and the blend (fit + top-N + metrics),
   time and peak memory;
2. vectorised top-N (score_matrix) against Surprise's per-pair predict() loop, same model,
   same users, as a ratio;
3. fit time as the data grows: 100k, 1M (and, with --large, 5M) synthetic interactions.

    python benchmarks/recommender_engine.py [--users 300] [--large]
"""

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup_django  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def protocol(path):
    from recommendations import datasets
    from recommendations.algorithms import EASE, Blend, RepeatPurchase, Trending
    from recommendations.evaluation import evaluate_algorithm, temporal_holdout

    started = time.perf_counter()
    purchases, _ = datasets.read_purchases_csv(path)
    holdout = temporal_holdout(purchases)
    print(f"read + split: {time.perf_counter() - started:.1f} s, {len(purchases):,} purchases")
    blend = Blend([(EASE(400), 1.0, True), (Trending(7), 0.8, False), (RepeatPurchase(60), 2.0, False)])
    for name, algo in (("EASE", EASE(400)), ("blend (all-items weights)", blend)):
        started = time.perf_counter()
        result = evaluate_algorithm(algo, holdout)
        print(f"{name:<28} fit {result['fit_seconds']:5.1f} s, fit + top-N + metrics "
              f"{time.perf_counter() - started:5.1f} s; NDCG@10 new {result['new']['ndcg']:.4f}, "
              f"all {result['all']['ndcg']:.4f}; peak memory so far {peak_mb():,.0f} MB")
    return holdout


def vectorised_against_predict(holdout, users):
    from recommendations import datasets
    from recommendations.algorithms import EASE, SVD, top_n

    events = datasets.purchase_events(holdout.train)
    trainset = datasets.build_trainset(datasets.ratings(datasets.confidences(events, holdout.split)))
    inner = list(range(min(users, trainset.n_users)))
    for name, algo in (("SVD", SVD(n_factors=64, n_epochs=20, random_state=1)), ("EASE", EASE(400))):
        algo.fit(trainset)
        started = time.perf_counter()
        fast = top_n(algo, inner, 10, exclude_seen=True)
        vectorised = time.perf_counter() - started
        started = time.perf_counter()
        slow = {}
        for u in inner:
            raw_u = trainset.to_raw_uid(u)
            seen = {i for i, _ in trainset.ur[u]}
            scored = [
                (algo.predict(raw_u, trainset.to_raw_iid(i), clip=False).est, i)
                for i in range(trainset.n_items) if i not in seen
            ]
            slow[u] = [i for _, i in sorted(scored, key=lambda pair: -pair[0])[:10]]
        loop = time.perf_counter() - started
        same = sum(fast[u] == slow[u] for u in inner)
        print(f"{name:<5} top-10 for {len(inner)} users x {trainset.n_items:,} items: vectorised "
              f"{vectorised * 1000:8.1f} ms, predict() loop {loop:7.1f} s -> x{loop / vectorised:,.0f}; "
              f"identical lists {same}/{len(inner)}")


def synthetic_growth(sizes):
    from recommendations import datasets
    from recommendations.algorithms import EASE, SVD

    rng = random.Random(7)
    for size in sizes:
        users, items = max(size // 25, 100), 5_000
        ratings = {}
        while len(ratings) < size:
            u = rng.randrange(users)
            i = min(int(rng.paretovariate(1.2)) - 1, items - 1)  # a long tail of items
            ratings[(u, (i * 7919 + u % 13) % items)] = rng.randint(1, 5)
        started = time.perf_counter()
        trainset = datasets.build_trainset(ratings)
        build = time.perf_counter() - started
        line = f"{size:>9,} interactions ({users:,} users, {trainset.n_items:,} items): trainset {build:5.1f} s"
        for name, algo in (("EASE", EASE(400)), ("SVD", SVD(n_factors=64, n_epochs=20, random_state=1))):
            started = time.perf_counter()
            algo.fit(trainset)
            line += f", {name} fit {time.perf_counter() - started:6.1f} s"
        print(line + f"; peak memory {peak_mb():,.0f} MB")
        del trainset


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300, help="users in the predict() comparison")
    parser.add_argument("--large", action="store_true", help="also 5M synthetic interactions")
    args = parser.parse_args()
    setup_django()
    holdout = protocol(ROOT / "data" / "online-retail" / "online_retail.csv.gz")
    vectorised_against_predict(holdout, args.users)
    synthetic_growth([100_000, 1_000_000] + ([5_000_000] if args.large else []))


if __name__ == "__main__":
    main()
