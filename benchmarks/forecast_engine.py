"""
Forecast engine figures:

1. a full forecast run on the shop's database (``manage.py run_forecasts``: history, forecasts,
   backtests, calibration, plans, alerts): wall time and peak memory (target for the ~3,900
   demo SKUs: under 60 s);
2. the computing part (forecast + backtest per series, calibration; no database) on synthetic
   weekly series: 20,000 and 100,000 SKUs, each in its own process (target for 100,000:
   under 20 minutes).  ``--skus`` changes the sizes.

    python benchmarks/forecast_engine.py [--skip-run] [--skus 20000,100000]
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402
from recommender_engine import peak_mb, run_measured  # noqa: E402


def full_run():
    from oscar.core.loading import get_model

    if not get_model("order", "Line").objects.exists():
        print("1. Full run: the database has no orders; run `make setup` first. Skipped.")
        return
    code, seconds, peak, output = run_measured(
        [sys.executable, "manage.py", "run_forecasts"], {**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    if code:
        print(output[-3000:])
        raise SystemExit(f"run_forecasts failed ({code})")
    summary = [line for line in output.splitlines() if line.startswith("Forecast run")]
    print(f"1. Full forecast run: {seconds:.1f} s wall, peak memory {peak:,.0f} MB "
          f"(target 60 s for the demo)\n   {summary[-1] if summary else ''}")


def synthetic_series(n, weeks=60, seed=11):
    """Weekly demand of ``n`` SKUs: a mix of smooth, intermittent and lumpy patterns."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.6, 8.0, size=n)
    sell = rng.uniform(0.15, 1.0, size=n)  # share of weeks with a sale
    sales = rng.random((n, weeks)) < sell[:, None]
    sizes = rng.poisson(rate[:, None] / sell[:, None] + 1, size=(n, weeks))
    return np.where(sales, sizes, 0).astype(float)


def synthetic_child(n):
    from inventory_forecast import conf, forecasting

    started = time.perf_counter()
    data = synthetic_series(n)
    chunk = max(int(conf.CHUNK_SIZE), 1)
    # As a run: chunks of CHUNK_SIZE SKUs, 14-day lead time (2 weeks), 21-day protection (3).
    backtest = forecasting.Backtest.concat([
        forecasting.forecast_panel(list(range(start, min(start + chunk, n))),
                                   data[start : start + chunk], conf.METHOD, conf.HORIZON_WEEKS,
                                   2, 3, conf.BACKTEST_ORIGINS)
        for start in range(0, n, chunk)
    ])
    for window in ("lead", "protection"):
        quantiles, _level = forecasting.calibrate(backtest, 0.95, window)
        forecasting.safety_stocks(backtest, quantiles, 0.95, window)
    seconds = time.perf_counter() - started
    print(f"   {n:>7,} SKUs x 60 weeks ({conf.METHOD}, {2 * conf.BACKTEST_ORIGINS} backtest "
          f"windows each, chunks of {chunk:,}): {seconds:7.1f} s, {seconds / n * 1000:.2f} ms "
          f"per SKU, peak memory {peak_mb():,.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--skus", default="20000,100000")
    parser.add_argument("--synthetic-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django()
    if args.synthetic_child:
        synthetic_child(args.synthetic_child)
        return
    if not args.skip_run:
        full_run()
    print("2. Forecast + backtest + calibration on synthetic SKUs (one core):")
    for n in (int(x) for x in args.skus.split(",") if x):
        code, _s, _p, output = run_measured(
            [sys.executable, __file__, "--synthetic-child", str(n)]
        )
        print(output.rstrip() if code == 0 else f"   {n:,}: failed ({code})\n{output[-2000:]}")


if __name__ == "__main__":
    main()
