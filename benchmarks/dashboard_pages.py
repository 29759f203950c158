"""
Dashboard page times at catalogue sizes: the risk list's first page (default order, sorted by
another column, filtered and searched) and the SKU page, p50 / p95 milliseconds and SQL queries
per request, with 10,000 and 100,000 tracked stock records in the current forecast run.

    python benchmarks/dashboard_pages.py [--sizes 10000,100000] [--repeat 20]
        [--database sqlite | postgres]

Each size runs in a child process on a fresh database (SQLite in a temporary folder, or a
PostgreSQL database ``bench_dashboard_<size>`` on 127.0.0.1): migrated, then filled with bulk
inserts: one partner, N products and stock records, a current run with N forecasts (risks,
covers, ABC classes and revenue drawn from a seeded generator, long-tailed), a live alert for
each record at risk, and 52 weeks of order lines for the SKU page's record.  Requests go
through Django's whole stack in-process (DEBUG off) as a superuser.  Targets (issue 13): the
risk list under 300 ms p50 with the same number of queries at both sizes, the SKU page under
200 ms.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402


def fill(size, seed=7):
    """The shop's catalogue and current forecast run at ``size`` stock records."""
    from datetime import date, datetime, timedelta
    from datetime import timezone as tz

    import numpy as np
    from django.utils import timezone
    from oscar.core.loading import get_model

    from inventory_forecast.models import ForecastRun, SkuForecast, StockRiskAlert

    Partner = get_model("partner", "Partner")
    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    StockRecord = get_model("partner", "StockRecord")
    Order = get_model("order", "Order")
    Line = get_model("order", "Line")

    rng = np.random.default_rng(seed)
    partner = Partner.objects.create(name="Main warehouse")
    kind = ProductClass.objects.create(name="Benchmark product", track_stock=True)
    batch = 5000
    for start in range(0, size, batch):
        Product.objects.bulk_create(
            Product(title=f"Product {i:06d} {['mug', 'vase', 'bowl', 'lamp'][i % 4]}",
                    upc=f"B{i:07d}", product_class=kind, structure="standalone",
                    slug=f"product-{i}") for i in range(start, min(start + batch, size)))
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    stock = rng.integers(0, 400, size)
    for start in range(0, size, batch):
        StockRecord.objects.bulk_create(
            StockRecord(product_id=products[i], partner=partner, partner_sku=f"SKU-{i:06d}",
                        price=float(round(rng.uniform(1, 60), 2)), num_in_stock=int(stock[i]),
                        num_allocated=0) for i in range(start, min(start + batch, size)))
    records = list(StockRecord.objects.order_by("pk").values_list("pk", flat=True))
    as_of = date(2026, 6, 1)
    run = ForecastRun.objects.create(status=ForecastRun.CURRENT, as_of=as_of, skus=size,
                                     finished_at=timezone.now())
    daily = rng.pareto(1.2, size) * 0.5 + 0.01  # long-tailed demand
    risks = ("out_of_stock", "stockout_before_delivery", "reorder_now", "reorder_soon", "ok")
    for start in range(0, size, batch):
        rows = []
        for i in range(start, min(start + batch, size)):
            cover = stock[i] / daily[i]
            risk = ("out_of_stock" if stock[i] == 0 else "stockout_before_delivery" if cover < 14
                    else "reorder_now" if cover < 21 else "reorder_soon" if cover < 28 else "ok")
            rows.append(SkuForecast(
                run=run, stockrecord_id=records[i], demand_class="smooth", method="bench",
                forecast=[round(float(daily[i] * 7), 3)] * 8, mean_daily=float(daily[i]),
                lead_quantile=float(daily[i] * 18), protection_quantile=float(daily[i] * 26),
                lead_time_days=14, review_days=7, service_level=0.95, available=int(stock[i]),
                safety_stock=float(daily[i] * 4), reorder_point=float(daily[i] * 18),
                order_up_to=float(daily[i] * 26),
                suggested_order=max(int(daily[i] * 26 - stock[i]), 0) if risk != "ok" else 0,
                days_of_cover=float(cover), stockout_date=as_of + timedelta(days=int(min(cover,
                                                                                         3650))),
                expected_lost_sales=float(max(daily[i] * 14 - stock[i], 0)), risk=risk,
                unit_price=10.0, revenue=float(daily[i] * 3650), abc_class="ABC"[i % 3],
                revenue_at_risk=float(max(daily[i] * 14 - stock[i], 0) * 10), rmsse=0.8,
                wape=0.5, bias=0.0, mae=1.0))
        SkuForecast.objects.bulk_create(rows)
    at_risk = SkuForecast.objects.filter(run=run, risk__in=risks[:2])
    StockRiskAlert.objects.bulk_create(
        StockRiskAlert(stockrecord_id=f.stockrecord_id, risk=f.risk, reason="", forecast=f)
        for f in at_risk.iterator(chunk_size=5000))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after such inserts
    # 52 weeks of orders of the first stock record (the SKU page's chart reads its history).
    record = StockRecord.objects.get(pk=records[0])
    for week in range(52):
        placed = datetime(2025, 6, 2, 10, tzinfo=tz.utc) + timedelta(days=7 * week)
        order = Order.objects.create(number=f"B{week:05d}", currency="GBP", total_incl_tax=10,
                                     total_excl_tax=10, date_placed=placed)
        Line.objects.create(order=order, partner=partner, stockrecord=record,
                            product_id=record.product_id, title="x", quantity=1 + week % 5,
                            line_price_incl_tax=10, line_price_excl_tax=10,
                            line_price_before_discounts_incl_tax=10,
                            line_price_before_discounts_excl_tax=10, partner_sku=record.partner_sku,
                            num_allocated=0)
    return records[0]


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm up: templates, connections
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))],
            "queries": len(captured)}


def child(size, repeat):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    record = fill(size)
    filled = time.perf_counter() - started
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    client = Client()
    client.force_login(user)
    risks = reverse("dashboard:inventory-forecast-risk-list")
    pages = {
        "risk list, first page": risks,
        "risk list, by days of cover": risks + "?sort=days_of_cover",
        "risk list, filtered": risks + "?risk=stockout_before_delivery&abc=A&alert=live",
        "risk list, searched": risks + "?q=vase",
        "risk list, by product title": risks + "?sort=product",
        "SKU page": reverse("dashboard:inventory-forecast-sku", args=[record]),
        "SKU page, sales chart JSON": reverse("dashboard:inventory-forecast-sku-chart",
                                              args=[record, "sales"]),
    }
    figures = {name: measure(client, url, repeat) for name, url in pages.items()}
    print(json.dumps({"size": size, "fill_seconds": filled, "pages": figures}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django()
        child(args.child, args.repeat)
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        env = dict(os.environ, SHOP_VAR_DIR=tempfile.mkdtemp(prefix="bench-dashboard-"))
        if args.database == "postgres":
            name = f"bench_dashboard_{size}"
            for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
                               check=True)
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        else:
            env.pop("DATABASE_URL", None)
        out = subprocess.run([sys.executable, __file__, "--child", str(size), "--repeat",
                              str(args.repeat)], env=env, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"size {size} failed:\n{out.stderr[-4000:]}")
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"Dashboard pages on {args.database}, {args.repeat} requests each (in-process, "
          "DEBUG off, a superuser)")
    print(f"{'page':32} " + " ".join(f"{r['size']:>10,} records: p50 / p95 ms, queries"
                                    for r in results))
    for name in results[0]["pages"]:
        cells = [r["pages"][name] for r in results]
        print(f"{name:32} " + " ".join(
            f"{c['p50']:>22.1f} / {c['p95']:6.1f}, {c['queries']:3d}" for c in cells))
    same = all(len({r["pages"][n]["queries"] for r in results}) == 1
               for n in results[0]["pages"])
    print("same number of queries at every size:", "yes" if same else "NO")


if __name__ == "__main__":
    main()
