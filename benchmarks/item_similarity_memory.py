"""
Item x item algorithms on big catalogues: ItemKNN (cosine neighbours computed in blocks of items)
and EASE bounded by a memory budget, fitted on synthetic long-tailed purchase matrices of 5,000,
50,000 and 100,000 items with about 1M user-item pairs.  For each size and algorithm: fit time,
peak memory of the fit as tracemalloc counts it (numpy's arrays included; the time is taken with
tracemalloc on), the process's peak RSS, and the algorithm's own ``estimate_bytes``.

The data: ``pairs / 5`` shoppers with 1 + Poisson(4) purchases each, products drawn with Zipf
popularity (``--zipf``, exponent of the rank), duplicates merged; fed to ``fit`` as the Surprise
trainset ``recommendations.datasets.build_trainset`` makes (rating 3 for every pair: both
algorithms use the binary matrix).  Each size and algorithm runs in its own process, so that
its peak RSS is its own (it includes the trainset and Django).

    python benchmarks/item_similarity_memory.py [--items 5000,50000,100000] [--pairs 1000000]
        [--ease-budget-mb 1024] [--k 100] [--zipf 0.8] [--algorithms item_knn,ease]

Measured on two shared cores (other jobs running), 1M pairs, 200,000 shoppers, Zipf 0.8:
  5,000 items: ItemKNN 2.3 s, 118 MB (estimate 260 MB); EASE on all 5,000 8.2 s, 150 MB (168)
 50,000 items: ItemKNN 5.7 s, 176 MB (263 MB); EASE on 15,713 items (1 GB budget) 64 s, 991 MB
               (1,024; unbounded: 9.3 GiB)
100,000 items: ItemKNN 4.3 s, 186 MB (264 MB); EASE on 15,713 items 75 s, 986 MB (1,024;
               unbounded: 34.8 GiB)
 50,000 items, 3M pairs: ItemKNN 10.5 s, 285 MB (421 MB), in blocks of at most 256 MB.
"""

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402
from recommender_engine import peak_mb, run_measured  # noqa: E402

MB = 2**20


def synthetic_ratings(n_items, pairs, zipf, seed=7):
    """``{(user, item): 3.0}`` for about ``pairs`` distinct pairs (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_users = max(pairs // 5, 1)
    sizes = 1 + rng.poisson(4.0, size=n_users)
    users = np.repeat(np.arange(n_users), sizes)
    popularity = 1.0 / np.arange(1, n_items + 1) ** zipf
    items = rng.choice(n_items, size=len(users), p=popularity / popularity.sum())
    items = rng.permutation(n_items)[items]  # popular products anywhere in the id range
    codes = np.unique(users.astype(np.int64) * n_items + items)
    return {(int(u), int(i)): 3.0 for u, i in zip(codes // n_items, codes % n_items, strict=True)}


def child(algorithm, n_items, args):
    """Runs in a child process: one size and algorithm, printed as one line."""
    from recommendations.algorithms import EASE, ItemKNN
    from recommendations.datasets import build_trainset

    started = time.perf_counter()
    trainset = build_trainset(synthetic_ratings(n_items, args.pairs, args.zipf))
    prepared = time.perf_counter() - started
    shape = (trainset.n_users, trainset.n_items, trainset.n_ratings)
    if algorithm == "item_knn":
        algo, label = ItemKNN(k=args.k), f"ItemKNN k={args.k}"
    else:
        algo = EASE()
        algo.memory_budget_bytes = args.ease_budget_mb * MB
        label = f"EASE on {algo.fitted_items(*shape):,} items"
    estimate = algo.estimate_bytes(*shape)
    rss_before = peak_mb()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    algo.fit(trainset)
    seconds = time.perf_counter() - started
    traced = (tracemalloc.get_traced_memory()[1] - base) / MB
    tracemalloc.stop()
    detail = f"S {algo.S.nnz:,} entries" if algorithm == "item_knn" else (
        f"unbounded it would need {EASE().estimate_bytes(*shape) / 2**30:,.1f} GiB")
    print(f"   {n_items:>7,} items ({shape[0]:,} users, {shape[2]:,} pairs; trainset "
          f"{prepared:.0f} s) {label:<22} fit {seconds:7.1f} s, peak {traced:7,.0f} MB "
          f"(estimate {estimate / MB:7,.0f} MB, x{estimate / MB / max(traced, 1e-9):.2f}), "
          f"RSS {peak_mb():7,.0f} MB (before fit {rss_before:,.0f}); {detail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", default="5000,50000,100000",
                        help="catalogue sizes, comma-separated")
    parser.add_argument("--pairs", type=int, default=1_000_000, help="user-item pairs drawn")
    parser.add_argument("--ease-budget-mb", type=int, default=1024,
                        help="EASE's memory_budget_bytes, in MB")
    parser.add_argument("--k", type=int, default=100, help="ItemKNN's neighbours per item")
    parser.add_argument("--zipf", type=float, default=0.8, help="popularity exponent of rank")
    parser.add_argument("--algorithms", default="item_knn,ease",
                        help="which of item_knn,ease to fit, comma-separated")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django()
    if args.child:
        child(args.child[0], int(args.child[1]), args)
        return
    print(f"Item x item fits on ~{args.pairs:,} pairs, Zipf {args.zipf}, EASE budget "
          f"{args.ease_budget_mb:,} MB (peak: tracemalloc during fit; RSS: the process):")
    for n_items in (int(size) for size in args.items.split(",") if size):
        for algorithm in args.algorithms.split(","):
            command = [sys.executable, __file__, "--child", algorithm, str(n_items),
                       "--pairs", str(args.pairs), "--ease-budget-mb", str(args.ease_budget_mb),
                       "--k", str(args.k), "--zipf", str(args.zipf)]
            code, _seconds, peak, output = run_measured(command)
            print(output.rstrip() if code == 0 else
                  f"   {n_items:,} items, {algorithm}: failed ({code}, RSS {peak:,.0f} MB)\n"
                  f"{output[-3000:]}")


if __name__ == "__main__":
    main()
