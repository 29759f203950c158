"""
Recommender engine figures:

1. a full training run (read the log, evaluate every candidate, fit, rank, related lists,
   write, publish) on the shop's database, as ``manage.py train_recommendations`` runs it:
   wall time and peak memory (target: under 3 minutes and 2 GB on the Online Retail demo);
2. vectorised top-N (score_matrix) against Surprise's per-pair predict() loop, same model,
   same users, as a ratio;
3. how training grows: the computing part of a run (``training.compute``: evaluate, fit, rank,
   related lists; no database) on 100k, 1M and, with --large, 5M synthetic interactions, each
   in its own process so that its peak memory is its own.

    python benchmarks/recommender_engine.py [--users 300] [--large] [--skip-train]

Part 1 needs the demo data in the configured database (``make setup``, or DATABASE_URL).
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup_django  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_measured(command, env=None):
    """Run ``command``; return (exit code, wall seconds, peak RSS MB of the child, output)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    return (os.waitstatus_to_exitcode(status), time.perf_counter() - started,
            usage.ru_maxrss / 1024, output)


def full_training():
    from recommendations.models import Interaction, RecommenderVersion

    events = Interaction.objects.count()
    if not events:
        print("1. Full training: the database has no events; run `make setup` first. Skipped.")
        return
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    code, seconds, peak, output = run_measured(
        [sys.executable, "manage.py", "train_recommendations"], env
    )
    if code:
        print(output[-3000:])
        raise SystemExit(f"train_recommendations failed ({code})")
    version = RecommenderVersion.objects.filter(status=RecommenderVersion.CURRENT).get()
    print(f"1. Full training run on {events:,} events ({version.shoppers:,} shopper lists, "
          f"{version.products:,} products with lists, published {version.algorithm}): "
          f"{seconds:.1f} s wall, peak memory {peak:,.0f} MB (targets: 180 s, 2,048 MB)")
    stages = {}
    for stage, spent in version.metrics.get("timings", {}).items():
        key = stage.split(":")[0]
        key = "tuning" if key.startswith("tuning") else "evaluating" if key.startswith("evaluating") else key
        stages[key] = stages.get(key, 0.0) + spent
    print("   stages: " + ", ".join(f"{stage} {spent:.1f} s" for stage, spent in stages.items()))


def vectorised_against_predict(users):
    from recommendations import datasets
    from recommendations.algorithms import EASE, SVD, ItemKNN, KNNBaseline, top_n
    from recommendations.evaluation import temporal_holdout

    purchases, _ = datasets.read_purchases_csv(ROOT / "data" / "online-retail" / "online_retail.csv.gz")
    holdout = temporal_holdout(purchases)
    trainset = holdout.trainset()
    inner = list(range(min(users, trainset.n_users)))
    print(f"2. Top-10 for {len(inner)} users x {trainset.n_items:,} items, vectorised against "
          "the per-pair predict() loop, same fitted model:")
    for name, algo, count in (
        ("SVD", SVD(n_factors=64, n_epochs=20, random_state=1), len(inner)),
        ("EASE", EASE(400), len(inner)),
        ("ItemKNN", ItemKNN(k=100), len(inner)),
        ("KNNBaseline", KNNBaseline(k=40), min(len(inner), 30)),  # its predict() is very slow
    ):
        algo.fit(trainset)
        sample = inner[:count]
        started = time.perf_counter()
        fast = top_n(algo, sample, 10, exclude_seen=True)
        vectorised = time.perf_counter() - started
        started = time.perf_counter()
        slow = {}
        for u in sample:
            raw_u = trainset.to_raw_uid(u)
            seen = {i for i, _ in trainset.ur[u]}
            scored = [
                (algo.predict(raw_u, trainset.to_raw_iid(i), clip=False).est, i)
                for i in range(trainset.n_items) if i not in seen
            ]
            slow[u] = [i for _, i in sorted(scored, key=lambda pair: -pair[0])[:10]]
        loop = time.perf_counter() - started
        same = sum(fast[u] == slow[u] for u in sample)
        print(f"   {name:<12} {len(sample):>4} users: vectorised {vectorised * 1000:9.1f} ms, "
              f"predict() loop {loop:7.1f} s -> x{loop / vectorised:,.0f}; identical lists "
              f"{same}/{len(sample)}")


def synthetic_log(size, items=5_000, days=365, seed=7):
    """
    ``size`` purchases by ``size // 25`` shoppers with tastes: 50 themed groups of items; each
    basket holds 1-5 items, 70 % from the shopper's group (Zipf-like), the rest from the whole
    catalogue's long tail.  Returns an EventLog and a catalogue of made-up titles.
    """
    from recommendations.datasets import EventLog

    rng = random.Random(seed)
    users = max(size // 25, 100)
    groups = 50
    per_group = items // groups
    now = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    order = 0
    while len(events) < size:
        user = rng.randrange(users)
        shopper = f"u{user}"
        when = now - timedelta(days=rng.random() * days)
        order += 1
        for _ in range(rng.randint(1, 5)):
            if rng.random() < 0.7:
                item = (user % groups) * per_group + min(int(rng.paretovariate(1.0)) - 1, per_group - 1)
            else:
                item = min(int(rng.paretovariate(0.8)) - 1, items - 1) * 7919 % items
            events.append((shopper, item, "purchase", when, order))
    events.sort(key=lambda e: e[3])
    words = ["heart", "lantern", "mug", "tin", "card", "bag", "candle", "vintage", "red", "blue",
             "set", "glass", "wooden", "star", "paper", "garden", "cake", "spot", "box", "frame"]
    catalogue = [(i, " ".join(rng.sample(words, 3)), [i // per_group]) for i in range(items)]
    return EventLog.from_tuples(events, now=now), catalogue


def synthetic_child(size):
    """Runs in a child process: one synthetic size, printed as one line."""
    from recommendations import training

    started = time.perf_counter()
    log, catalogue = synthetic_log(size)
    generated = time.perf_counter() - started
    stages = {}
    last = [time.perf_counter(), None]

    def step(_percent, stage):
        now = time.perf_counter()
        if last[1]:
            stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
        last[0] = now
        last[1] = "evaluating" if stage.startswith(("evaluating", "tuning")) else stage.split(" ")[0]

    started = time.perf_counter()
    result = training.compute(log, catalogue, step=step)
    step(100, "done")
    seconds = time.perf_counter() - started
    shoppers = len(log.shoppers)
    print(f"   {size:>9,} interactions ({shoppers:,} shoppers, 5,000 items; generated in "
          f"{generated:.0f} s): {seconds:6.1f} s, peak memory {peak_mb():,.0f} MB, published "
          f"{result.algorithm}; " + ", ".join(f"{k} {v:.0f} s" for k, v in stages.items()))


def synthetic_growth(sizes):
    print("3. Training (training.compute: evaluate every candidate, fit, rank, related lists) "
          "as the data grows:")
    for size in sizes:
        code, _seconds, _peak, output = run_measured(
            [sys.executable, __file__, "--synthetic-child", str(size)]
        )
        print(output.rstrip() if code == 0 else f"   {size:,}: failed ({code})\n{output[-3000:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300, help="users in the predict() comparison")
    parser.add_argument("--large", action="store_true", help="also 5M synthetic interactions")
    parser.add_argument("--skip-train", action="store_true", help="skip the full training run")
    parser.add_argument("--synthetic-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django()
    if args.synthetic_child:
        synthetic_child(args.synthetic_child)
        return
    if not args.skip_train:
        full_training()
    vectorised_against_predict(args.users)
    synthetic_growth([100_000, 1_000_000] + ([5_000_000] if args.large else []))


if __name__ == "__main__":
    main()
