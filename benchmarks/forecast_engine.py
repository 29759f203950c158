"""
Forecast engine figures:

1. a full forecast run on the shop's database (``manage.py run_forecasts``: history, forecasts,
   backtests, calibration, plans, alerts): wall time and peak memory (target for the ~3,900
   demo SKUs: under 60 s);
2. the computing part (forecast + backtest per series, calibration; no database) on synthetic
   weekly series: 20,000 and 100,000 SKUs, each in its own process.  ``--skus`` changes the
   sizes;
3. full runs on synthetic shops: a new SQLite database per size, filled by
   ``import_order_history`` from a generated order-lines CSV (60 weeks; SKUs sell in 5-50 % of
   weeks), stock levels set at random, then ``manage.py run_forecasts`` timed in its own
   process (target for 100,000 SKUs: under 20 minutes).  ``--db-skus`` changes the sizes
   (``--db-skus ''`` skips it: the imports take minutes).

    python benchmarks/forecast_engine.py [--skip-run] [--skus 20000,100000] [--db-skus ...]
"""

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402
from recommender_engine import peak_mb, run_measured  # noqa: E402


def timed_run():
    """``manage.py run_forecasts`` in its own process: (wall seconds, peak MB, its summary)."""
    code, seconds, peak, output = run_measured(
        [sys.executable, "manage.py", "run_forecasts"], {**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    if code:
        print(output[-3000:])
        raise SystemExit(f"run_forecasts failed ({code})")
    summary = [line for line in output.splitlines() if line.startswith("Forecast run")]
    return seconds, peak, summary[-1] if summary else ""


def full_run():
    from oscar.core.loading import get_model

    if not get_model("order", "Line").objects.exists():
        print("1. Full run: the database has no orders; run `make setup` first. Skipped.")
        return
    seconds, peak, summary = timed_run()
    print(f"1. Full forecast run: {seconds:.1f} s wall, peak memory {peak:,.0f} MB "
          f"(target 60 s for the demo)\n   {summary}")


def synthetic_series(n, weeks=60, seed=11):
    """Weekly demand of ``n`` SKUs: a mix of smooth, intermittent and lumpy patterns."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.6, 8.0, size=n)
    sell = rng.uniform(0.15, 1.0, size=n)  # share of weeks with a sale
    sales = rng.random((n, weeks)) < sell[:, None]
    sizes = rng.poisson(rate[:, None] / sell[:, None] + 1, size=(n, weeks))
    return np.where(sales, sizes, 0).astype(float)


def synthetic_child(n):
    from inventory_forecast import backtesting, calibration, chunks, conf

    started = time.perf_counter()
    data = synthetic_series(n)
    chunk = max(int(conf.CHUNK_SIZE), 1)
    # As a run: chunks of CHUNK_SIZE SKUs, 14-day lead time (2 weeks), 21-day protection (3).
    backtest = backtesting.Backtest.concat([
        backtesting.forecast_panel(list(range(start, stop)), data[start:stop], conf.METHOD,
                                   conf.HORIZON_WEEKS, 2, 3, conf.BACKTEST_ORIGINS)
        for start, stop in chunks.chunk_bounds(n, chunk)
    ])
    for window in ("lead", "protection"):
        calibration = calibration.calibrate(backtest, 0.95, window)
        calibration.safety_stocks(backtest, calibration.quantiles, 0.95, window)
    seconds = time.perf_counter() - started
    print(f"   {n:>7,} SKUs x 60 weeks ({conf.METHOD}, {2 * conf.BACKTEST_ORIGINS} backtest "
          f"windows each, chunks of {chunk:,}): {seconds:7.1f} s, {seconds / n * 1000:.2f} ms "
          f"per SKU, peak memory {peak_mb():,.0f} MB")


def synthetic_shop_csv(path, n, weeks=60, seed=13, lines_per_order=25):
    """Order lines (import_order_history's format) of ``n`` SKUs over ``weeks`` weeks ending
    yesterday: each SKU sells in 5-50 % of the weeks, one line per selling week."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.6, 8.0, size=n) + 1
    share = rng.uniform(0.05, 0.5, size=n)
    start = date.today() - timedelta(days=7 * weeks)
    rows = 0
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                      "UnitPrice", "CustomerID", "Country"])
        invoice = 100000
        for week in range(weeks):
            selling = np.flatnonzero(rng.random(n) < share)
            quantities = rng.poisson(rate[selling] / share[selling]) + 1
            days = rng.integers(0, 7, size=len(selling))
            for first in range(0, len(selling), lines_per_order):
                invoice += 1
                day = start + timedelta(days=7 * week + int(days[first]))
                customer = 10000 + int(rng.integers(0, 5000))
                for k in range(first, min(first + lines_per_order, len(selling))):
                    sku = int(selling[k])
                    code = f"{sku % 100000:05d}{'' if sku < 100000 else chr(65 + sku // 100000)}"
                    out.writerow([invoice, code, f"SYNTHETIC {code}", int(quantities[k]),
                                  f"{day:%Y-%m-%d} 10:00:00", "1.00", customer, "UK"])
                    rows += 1
    return rows


def db_child(n):
    """In a fresh database (the environment names it): import a synthetic shop, time a run."""
    from django.core.management import call_command
    from django.db import connection

    from oscar_insights.importing import import_order_history
    from oscar_insights.signals import order_history_imported

    call_command("migrate", verbosity=0)
    # The recommendations app backfills its event log after an import: not what is measured.
    order_history_imported.disconnect(dispatch_uid="recommendations.order_history_imported")
    path = Path(os.environ["SHOP_VAR_DIR"]) / "lines.csv"
    started = time.perf_counter()
    rows = synthetic_shop_csv(path, n)
    import_order_history(str(path))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE partner_stockrecord SET num_in_stock = abs(random()) % 400, "
                       "num_allocated = 0")
    prepared = time.perf_counter() - started
    seconds, peak, summary = timed_run()
    print(f"   {n:>7,} SKUs ({rows:,} order lines, imported in {prepared:.0f} s): run_forecasts "
          f"{seconds:7.1f} s wall, peak memory {peak:,.0f} MB\n            {summary}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--skus", default="20000,100000")
    parser.add_argument("--db-skus", default="20000,100000")
    parser.add_argument("--synthetic-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django()
    if args.synthetic_child:
        synthetic_child(args.synthetic_child)
        return
    if args.db_child:
        db_child(args.db_child)
        return
    if not args.skip_run:
        full_run()
    sizes = [int(x) for x in args.skus.split(",") if x]
    if sizes:
        print("2. Forecast + backtest + calibration on synthetic SKUs (one core):")
    for n in sizes:
        code, _s, _p, output = run_measured(
            [sys.executable, __file__, "--synthetic-child", str(n)]
        )
        print(output.rstrip() if code == 0 else f"   {n:,}: failed ({code})\n{output[-2000:]}")
    sizes = [int(x) for x in args.db_skus.split(",") if x]
    if sizes:
        print("3. Full runs (history from order lines, forecasts, plans, writing, alerts) on "
              "synthetic shops (SQLite):")
    for n in sizes:
        var = tempfile.mkdtemp(prefix="forecast-bench-")
        env = {**os.environ, "SHOP_VAR_DIR": var, "DATABASE_URL": f"sqlite:///{var}/shop.sqlite3",
               "INVENTORY_FORECAST_AS_OF": "today", "PYTHONUNBUFFERED": "1"}
        code, _s, _p, output = run_measured([sys.executable, __file__, "--db-child", str(n)], env)
        shutil.rmtree(var, ignore_errors=True)
        print(output.rstrip() if code == 0 else f"   {n:,}: failed ({code})\n{output[-2000:]}")


if __name__ == "__main__":
    main()
