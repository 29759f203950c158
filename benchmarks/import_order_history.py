"""
Time of ``import_order_history`` on the full Online Retail file into a fresh, migrated database.

    python benchmarks/import_order_history.py [--database-url postgres://...] [PATH]

Without --database-url a new SQLite file in a temporary folder is used.  Prints the first import
(time, rows per second, peak memory) and the time of a re-run of the same file, which must
create nothing.
"""

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup_django  # noqa: E402

DEFAULT_FILE = ROOT / "data" / "online-retail" / "online_retail.csv.gz"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_FILE))
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="import-bench-")
    environ = {"SHOP_VAR_DIR": var, "DATABASE_URL": args.database_url or f"sqlite:///{var}/bench.sqlite3"}
    setup_django(**environ)
    from django.core.management import call_command
    from django.db import connection

    from oscar_insights.importing import import_order_history

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    report = import_order_history(args.path)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = import_order_history(args.path)
    rerun = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Database: {connection.vendor}; file: {args.path}")
    print(f"Rows: {report.rows_read:,}; orders {report.orders_created:,}; lines "
          f"{report.order_lines_created:,}; products {report.products_created:,}; customers "
          f"{report.customers_created:,}; skipped {report.rows_skipped:,}")
    print(f"First import: {first:7.1f} s  ({report.rows_read / first:,.0f} rows/s)")
    print(f"Re-run:       {rerun:7.1f} s  (orders created: {again.orders_created})")
    print(f"Peak memory:  {peak_mb:7.0f} MB")


if __name__ == "__main__":
    main()
