"""
Training on a big shop: time and peak memory of the whole training computation as the event
log and the catalogue grow, with every candidate under the default memory budget.

    python benchmarks/big_shop.py [--sizes 100k:100k,1m:100k,10m:100k,10m:5k,10m:50k]
                                  [--shoppers-per-event 0.1] [--stages] [--command evaluate]

Each size (``events:products``) runs in a child process of its own (so its peak RSS is its
own): a synthetic log shaped like a big shop is built straight into the columns of an
:class:`~recommendations.eventlog.EventLog` (products with a long-tailed popularity, each
shopper keen on one of 200 themes of the catalogue; 60 % views, 15 % basket adds, 25 %
purchases in orders of 1-4 lines, over a year), then :func:`recommendations.training.compute`
runs as the training task does (evaluate every candidate on the temporal hold-out, fit the
winner on all events, popular and trending lists, related-product lists; the shoppers' lists
are ranked afterwards in chunks from the saved model, which ``fanout_workers.py`` measures).
Printed per size: wall time, peak RSS (the process's, log included), the published algorithm,
and the candidates skipped (over ``RECOMMENDATIONS_MEMORY_BUDGET_MB``) or failed.
``--stages`` adds the seconds of each stage.  ``--command evaluate`` instead writes the
log's purchases as an order-lines CSV and times ``manage.py evaluate_recommendations`` on it
(the file read as a stream, every candidate evaluated, then the basket protocol), in a
process of its own.

Memory grows with the events (21 bytes each in the log, about 12 per distinct shopper-product
pair in each sparse copy) and with shoppers and products (labels, factors); no part grows
with products² or shoppers x products (EASE is bounded by the budget, scores are cut in
batches).
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402

DEFAULT_SIZES = "100k:100k,1m:100k,10m:100k,10m:5k,10m:50k"
THEMES = 200
DAY_US = 86_400 * 1_000_000


def count(text):
    """``"100k"`` -> 100000, ``"1m"`` -> 1000000."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def synthetic_log(n_events, n_products, n_shoppers, seed=5):
    """A big shop's :class:`EventLog` and catalogue, generated column by column (numpy)."""
    import numpy as np

    from recommendations.eventlog import EventLog, microseconds

    rng = np.random.default_rng(seed)
    # Shoppers: activity long-tailed (a few regulars, many one-off visitors).
    activity = 1.0 / np.arange(1, n_shoppers + 1) ** 0.6
    shopper = rng.choice(n_shoppers, size=n_events, p=activity / activity.sum()).astype(np.int32)
    # Products: popularity long-tailed; 70 % of a shopper's events fall in their theme.
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.9
    popularity /= popularity.sum()
    global_pick = rng.choice(n_products, size=n_events, p=popularity)
    per_theme = max(n_products // THEMES, 1)
    in_theme = (np.minimum(rng.zipf(1.3, size=n_events) - 1, per_theme - 1)
                + (shopper % THEMES) * per_theme) % n_products
    item = np.where(rng.random(n_events) < 0.7, in_theme, global_pick).astype(np.int32)
    del global_pick, in_theme
    kind = rng.choice(3, size=n_events, p=[0.60, 0.15, 0.25]).astype(np.int8)
    end = microseconds(datetime(2026, 11, 30, tzinfo=UTC))
    when = np.sort(end - rng.integers(0, 365 * DAY_US, size=n_events))
    # Orders: a shopper's purchases of one day form one order.
    purchase = kind == 2
    day = (when // DAY_US).astype(np.int64)
    order = np.full(n_events, -1, dtype=np.int32)
    _, codes = np.unique(shopper[purchase].astype(np.int64) * 400 + day[purchase] % 400,
                         return_inverse=True)
    order[purchase] = codes
    log = EventLog(shopper, item, kind, when, order, [f"v{n}" for n in range(n_shoppers)],
                   list(range(n_products)), ("view", "basket_add", "purchase"),
                   range(int(codes.max()) + 1 if len(codes) else 0),
                   now=datetime(2026, 11, 30, tzinfo=UTC))
    words = ["heart", "lantern", "mug", "tin", "card", "bag", "candle", "vintage", "red", "blue",
             "set", "glass", "wooden", "star", "paper", "garden", "cake", "spot", "box", "frame"]
    catalogue = [(i, f"{words[i % 20]} {words[(i // 20) % 20]} {words[(i // 400) % 20]}",
                  [i // per_theme]) for i in range(n_products)]
    return log, catalogue


def child(n_events, n_products, n_shoppers):
    """One size, in this process: print one JSON line of figures."""
    setup_django()
    from recommendations import conf, training

    started = time.perf_counter()
    log, catalogue = synthetic_log(n_events, n_products, n_shoppers)
    generated = time.perf_counter() - started
    generated_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stages, last = {}, [time.perf_counter(), None]

    def step(_percent, stage):
        now = time.perf_counter()
        if last[1]:
            stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
        last[:] = [now, "evaluating" if stage.startswith(("evaluating", "tuning")) else stage]

    started = time.perf_counter()
    result = training.compute(log, catalogue, step=step, rank=False)
    step(100, "done")
    candidates = result.metrics.get("candidates", {})
    print(json.dumps({
        "events": n_events, "products": n_products, "shoppers": n_shoppers,
        "generated_s": generated, "log_mb": generated_mb,
        "seconds": time.perf_counter() - started,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "budget_mb": conf.MEMORY_BUDGET_MB, "published": result.algorithm,
        "skipped": sorted(n for n, r in candidates.items() if "skipped" in r),
        "failed": {n: r["failed"] for n, r in candidates.items() if "failed" in r},
        "fallbacks": result.metrics.get("fallbacks", []), "stages": stages,
    }))


def write_csv(n_events, n_products, n_shoppers, path):
    """The synthetic log's purchases as an order-lines CSV (gzip, Online Retail's columns;
    product codes ``P<n>``, so ``--item-pattern ''``), for ``evaluate_recommendations``."""
    import gzip

    import numpy as np
    import pandas as pd

    setup_django()
    log, _catalogue = synthetic_log(n_events, n_products, n_shoppers)
    rows = np.flatnonzero(log.kind_mask("purchase"))
    frame = pd.DataFrame({
        "InvoiceNo": 100_000 + log.order[rows], "StockCode": "P" + pd.Series(
            log.item[rows]).astype(str), "Description": "ITEM", "Quantity": 1,
        "InvoiceDate": pd.to_datetime(log.when[rows], unit="us").strftime("%Y-%m-%d %H:%M:%S"),
        "UnitPrice": 1.5, "CustomerID": 10_000 + log.shopper[rows], "Country": "UK"})
    with gzip.open(path, "wt", compresslevel=1) as handle:
        frame.to_csv(handle, index=False)
    return len(rows)


def evaluate_child(path):
    """``evaluate_recommendations`` on ``path``, in this process: one JSON line of figures."""
    setup_django()
    from django.core.management import call_command

    from recommendations import conf

    started = time.perf_counter()
    out = io.StringIO()
    with open(os.devnull, "w") as quiet:
        call_command("evaluate_recommendations", path, item_pattern="", stdout=out,
                     stderr=quiet)
    lines = out.getvalue().splitlines()
    print(json.dumps({"seconds": time.perf_counter() - started,
                      "not_run": [" ".join(line.split()[:2]).rstrip(":") for line in lines
                                  if line.split()[1:2] in (["skipped:"], ["failed:"])],
                      "published": [line for line in lines if line.startswith("Published")],
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "budget_mb": conf.MEMORY_BUDGET_MB}))


def figures_of_child(arguments, label):
    """The JSON line a child process of this script prints with ``arguments``; on a failure,
    None, and a line saying so after ``label``."""
    started = time.perf_counter()
    process = subprocess.run([sys.executable, __file__, *arguments], capture_output=True,
                             text=True, env=os.environ.copy())
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode or not lines:
        tail = (process.stderr or process.stdout).strip().splitlines()[-3:]
        print(f"{label} FAILED after {time.perf_counter() - started:.0f} s (exit "
              f"{process.returncode}): " + " | ".join(tail))
        return None
    return json.loads(lines[-1])


def run_evaluate_command(events, products, shoppers):
    """Write the CSV in one child process, evaluate it in another (its peak RSS its own)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "lines.csv.gz")
        subprocess.run([sys.executable, __file__, "--write-csv", f"{events},{products},"
                        f"{shoppers},{path}"], check=True, env=os.environ.copy())
        r = figures_of_child(["--evaluate-csv", path], f"{events:>11,} {products:>9,} "
                             f"{shoppers:>10,}  evaluate_recommendations")
    if r is None:
        return
    print(f"{events:>11,} {products:>9,} {shoppers:>10,} {r['seconds']:>7.0f}s "
          f"{r['peak_mb']:>8,.0f}MB  evaluate_recommendations on the purchases as a CSV; "
          f"skipped / failed: {', '.join(r['not_run']) or 'none'} (budget {r['budget_mb']} MB)")
    for line in r["published"]:
        print("             " + line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"events:products, comma-separated (default {DEFAULT_SIZES})")
    parser.add_argument("--shoppers-per-event", type=float, default=0.1,
                        help="shoppers = events x this (default 0.1: 1 M shoppers at 10 M)")
    parser.add_argument("--stages", action="store_true", help="print each stage's seconds")
    parser.add_argument("--command", choices=("compute", "evaluate"), default="compute",
                        help="compute: training.compute (default); evaluate: the "
                             "evaluate_recommendations command on the purchases as a CSV")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--write-csv", help=argparse.SUPPRESS)
    parser.add_argument("--evaluate-csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*map(int, args.child.split(",")))
        return
    if args.write_csv:
        *sizes, path = args.write_csv.split(",")
        write_csv(*map(int, sizes), path)
        return
    if args.evaluate_csv:
        evaluate_child(args.evaluate_csv)
        return
    print("evaluate_recommendations on the purchases of synthetic big shops as CSV files"
          if args.command == "evaluate" else
          "Training computation (training.compute, rank=False) on synthetic big shops; one "
          "child process per size", flush=True)
    print(f"{'events':>11} {'products':>9} {'shoppers':>10} {'time':>8} {'peak RSS':>10}  "
          "published; skipped / failed candidates", flush=True)
    for size in args.sizes.split(","):
        events, products = (count(part) for part in size.split(":"))
        shoppers = max(int(events * args.shoppers_per_event), 100)
        if args.command == "evaluate":
            run_evaluate_command(events, products, shoppers)
            continue
        r = figures_of_child(["--child", f"{events},{products},{shoppers}"],
                             f"{events:>11,} {products:>9,} {shoppers:>10,} ")
        if r is None:
            continue
        print(f"{events:>11,} {products:>9,} {shoppers:>10,} {r['seconds']:>7.0f}s "
              f"{r['peak_mb']:>8,.0f}MB  {r['published']}; skipped "
              f"{', '.join(r['skipped']) or 'none'}; failed "
              f"{', '.join(f'{n} ({why})' for n, why in r['failed'].items()) or 'none'}"
              + (f"; on all events: {r['fallbacks']}" if r["fallbacks"] else "")
              + f" (log {r['log_mb']:,.0f} MB after generation, budget {r['budget_mb']} MB)")
        if args.stages:
            print("             " + ", ".join(f"{k} {v:.0f} s" for k, v in r["stages"].items()))


if __name__ == "__main__":
    main()
