"""
A forecast run and a ranking of shoppers fanned out over one and over two real Celery worker
processes (Redis broker, PostgreSQL): wall times, their ratio, and whether what was published
is identical.

    python benchmarks/fanout_workers.py [--database-url postgres://…/bench_fanout]
        [--broker redis://127.0.0.1:6379/12] [--skus 100000] [--shoppers 1000000]
        [--events 10000000] [--workers 1,2] [--skip forecast|ranking]

The database is made if it does not exist and filled once with a synthetic shop of ``--skus``
products (``forecast_engine.synthetic_shop_csv``: 60 weeks of order lines, each SKU selling in
5-50 % of the weeks); later runs reuse it.

* **Forecast**: for each worker count, ``inventory_forecast.run_forecasts`` is sent and timed
  until its chord's body has published the run (chunks of ``INVENTORY_FORECAST_CHUNK_SIZE``).
* **Ranking**: a model is fitted once on synthetic implicit feedback — ``--shoppers`` anonymous
  visitors, ``--events`` events over the synthetic products with a long-tailed (Zipf-like)
  popularity — and saved as the model file of a running version; for each worker count a new
  version with that file is ranked in chunks of ``RECOMMENDATIONS_RANK_CHUNK_SIZE`` by the
  workers (``recommendations.rank_chunk``) and published by ``finish_training``.  The model's
  fit and file are not timed: only the fan-out is.

Each worker is ``celery -A shop worker --pool solo`` (one task at a time per process) with
``--threads-per-worker`` (default 1) BLAS / OpenMP / numba threads, so one worker uses one core
and two use both of this machine's cores (a worker with the libraries' default threads already
spreads one chunk over both cores: ``--threads-per-worker 0`` measures that).  Published results are compared
by a SHA-256 of every published row (forecasts and plans / shopper lists).
"""

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup_django  # noqa: E402
from forecast_engine import synthetic_shop_csv  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_fanout"
DEFAULT_BROKER = "redis://127.0.0.1:6379/12"


def ensure_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare_shop(skus, var):
    from django.core.management import call_command
    from django.db import connection
    from oscar.core.loading import get_model

    from oscar_insights.importing import import_order_history
    from oscar_insights.signals import order_history_imported

    call_command("migrate", verbosity=0)
    StockRecord = get_model("partner", "StockRecord")
    have = StockRecord.objects.count()
    if have:
        print(f"Synthetic shop already there: {have:,} stock records.")
        return
    # The recommendations app backfills its event log after an import: not what is measured.
    order_history_imported.disconnect(dispatch_uid="recommendations.order_history_imported")
    started = time.perf_counter()
    path = Path(var) / "lines.csv"
    rows = synthetic_shop_csv(path, skus)
    import_order_history(str(path))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE partner_stockrecord SET num_in_stock = floor(random() * 400), "
                       "num_allocated = 0")
    print(f"Synthetic shop: {skus:,} SKUs, {rows:,} order lines, imported in "
          f"{time.perf_counter() - started:.0f} s.")


class Workers:
    """``count`` real worker processes (``--pool solo``), started and stopped together."""

    def __init__(self, count, env, logs):
        self.count, self.env, self.logs, self.processes = count, env, logs, []

    def __enter__(self):
        for i in range(self.count):
            log = Path(self.logs) / f"worker-{self.count}-{i}.log"
            out = open(log, "w")
            self.processes.append((subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool", "solo",
                 "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                 "--hostname", f"bench-{self.count}-{i}@%h"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT), log))
        time.sleep(8)  # connected and consuming (WARNING hides "ready.")
        for process, log in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"A worker stopped:\n{log.read_text()[-3000:]}")
        return self

    def __exit__(self, *exc):
        for process, _log in self.processes:
            process.terminate()
        for process, _log in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until_finished(model, pk, timeout=6 * 3600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = model.objects.get(pk=pk)
        if run.status != model.RUNNING:
            return run
        time.sleep(0.5)
    raise TimeoutError(f"{model.__name__} #{pk} still running after {timeout} s")


def digest(rows):
    hasher = hashlib.sha256()
    for row in rows:
        hasher.update(repr(row).encode())
    return hasher.hexdigest()[:16]


def forecast(workers, env, logs):
    from inventory_forecast import conf
    from inventory_forecast.models import ForecastRun, SkuForecast
    from inventory_forecast.tasks import run_forecasts

    fields = ("stockrecord_id", "demand_class", "forecast", "mean_daily", "lead_quantile",
              "protection_quantile", "safety_stock", "reorder_point", "order_up_to",
              "suggested_order", "days_of_cover", "stockout_date", "risk", "mae", "rmsse")
    with Workers(workers, env, logs):
        started = time.perf_counter()
        payload = run_forecasts.delay(trigger="benchmark").get(timeout=3600)
        if "run" not in payload:
            raise RuntimeError(f"run_forecasts: {payload}")
        run = wait_until_finished(ForecastRun, payload["run"])
        wall = time.perf_counter() - started
    if run.status != ForecastRun.CURRENT:
        raise RuntimeError(f"Forecast run #{run.pk} {run.status}: {run.error[:2000]}")
    rows = SkuForecast.objects.filter(run=run).order_by("stockrecord_id").values_list(*fields)
    chunks = run.chunks.all()
    return {"wall": wall, "skus": run.skus, "chunks": len(chunks),
            "chunk seconds": sum(c.seconds for c in chunks),
            "workers used": len({c.worker for c in chunks}), "size": conf.CHUNK_SIZE,
            "digest": digest(rows.iterator(chunk_size=5000))}


def synthetic_model(shoppers, events, seed=7):
    """An ALS model (the registry's) fitted on synthetic implicit feedback over the shop's
    products; its raw shopper ids are visitors (``v<n>``), which need no account rows."""
    import scipy.sparse as sp
    from oscar.core.loading import get_model

    from recommendations.algorithms import registry
    from recommendations.trainsets import MatrixTrainset

    products = np.array(sorted(get_model("catalogue", "Product").objects
                               .values_list("pk", flat=True)))
    rng = np.random.default_rng(seed)
    popularity = 1.0 / (np.arange(len(products)) + 10.0) ** 0.9
    popularity /= popularity.sum()
    items = rng.permutation(len(products))[
        np.searchsorted(np.cumsum(popularity), rng.random(events))]
    users = rng.integers(0, shoppers, size=events)
    pairs = np.unique(users.astype(np.int64) * len(products) + items)
    users, items = pairs // len(products), pairs % len(products)
    known_users = np.unique(users)
    inner_user = np.full(shoppers, -1)
    inner_user[known_users] = np.arange(len(known_users))
    known_items = np.unique(items)
    inner_item = np.full(len(products), -1)
    inner_item[known_items] = np.arange(len(known_items))
    matrix = sp.csr_matrix((np.full(len(pairs), 5.0), (inner_user[users], inner_item[items])),
                           shape=(len(known_users), len(known_items)))
    trainset = MatrixTrainset(matrix, [f"v{u:07d}" for u in known_users.tolist()],
                              [int(products[i]) for i in known_items.tolist()], (1, 5))
    started = time.perf_counter()
    algo = registry.build("als").fit(trainset)
    print(f"Model: ALS on {len(known_users):,} shoppers x {len(known_items):,} products, "
          f"{len(pairs):,} pairs, fitted in {time.perf_counter() - started:.0f} s.")
    return algo


def rank_shoppers(workers, env, logs, algo):
    from oscar_insights import fanout, runs
    from recommendations import artefacts, conf, ranking
    from recommendations.models import RecommenderVersion, ShopperRecommendation
    from recommendations.tasks import finish_training, rank_chunk

    version = runs.acquire(RecommenderVersion, "benchmark", conf.TRAINING_TIMEOUT)
    RecommenderVersion.objects.filter(pk=version.pk).update(algorithm="als")
    artefacts.save(version, algo)
    count = ranking.make_chunks(version, algo.trainset.n_users)
    with Workers(workers, env, logs):
        started = time.perf_counter()
        if not fanout.dispatch(rank_chunk, finish_training, version, count):
            raise RuntimeError("No broker or result backend: nothing was fanned out.")
        version = wait_until_finished(RecommenderVersion, version.pk)
        wall = time.perf_counter() - started
    if version.status != RecommenderVersion.CURRENT:
        raise RuntimeError(f"Version #{version.pk} {version.status}: {version.error[:2000]}")
    rows = (ShopperRecommendation.objects.filter(version=version).order_by("visitor_id")
            .values_list("visitor_id", "items"))
    parts = version.rank_chunks.all()
    return {"wall": wall, "shoppers": version.shoppers, "chunks": len(parts),
            "chunk seconds": sum(c.seconds for c in parts),
            "workers used": len({c.worker for c in parts}), "size": conf.RANK_CHUNK_SIZE,
            "digest": digest(rows.iterator(chunk_size=5000))}


def report(title, results, unit):
    print(f"\n{title}")
    print(f"{'workers':>8} {'wall':>9} {unit:>10} {'chunks':>7} {'chunk s':>9} "
          f"{'used':>5}  published rows digest")
    for workers, r in results.items():
        print(f"{workers:>8} {r['wall']:>8.1f}s {r[unit]:>10,} {r['chunks']:>7} "
              f"{r['chunk seconds']:>8.1f}s {r['workers used']:>5}  {r['digest']}")
    counts = sorted(results)
    if len(counts) > 1:
        one, more = results[counts[0]], results[counts[-1]]
        same = len({r["digest"] for r in results.values()}) == 1
        print(f"wall time {counts[-1]} workers / {counts[0]}: {more['wall'] / one['wall']:.2f} "
              f"(speed-up ×{one['wall'] / more['wall']:.2f}); published results "
              f"{'IDENTICAL' if same else 'DIFFERENT'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--broker", default=DEFAULT_BROKER)
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--shoppers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--skip", choices=("forecast", "ranking"))
    parser.add_argument("--threads-per-worker", type=int, default=1,
                        help="BLAS/OpenMP/numba threads of each worker (0: the libraries' own)")
    args = parser.parse_args()
    ensure_database(args.database_url)
    var = os.environ.get("SHOP_VAR_DIR") or tempfile.mkdtemp(prefix="fanout-bench-")
    environ = {"DATABASE_URL": args.database_url, "CELERY_BROKER_URL": args.broker,
               "CELERY_RESULT_BACKEND": "django-db", "SHOP_VAR_DIR": var}
    setup_django(**environ)
    env = {**os.environ, **environ, "DJANGO_DEBUG": "0"}
    if args.threads_per_worker:
        env.update({name: str(args.threads_per_worker) for name in (
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")})
    prepare_shop(args.skus, var)
    from shop.celery import app

    app.control.purge()  # tasks left over from an interrupted run
    counts = [int(w) for w in args.workers.split(",")]
    if args.skip != "forecast":
        results = {w: forecast(w, env, var) for w in counts}
        report(f"Forecast run of {args.skus:,} synthetic SKUs", results, "skus")
    if args.skip != "ranking":
        algo = synthetic_model(args.shoppers, args.events)
        results = {w: rank_shoppers(w, env, var, algo) for w in counts}
        report(f"Ranking of {algo.trainset.n_users:,} shoppers from the model file", results,
               "shoppers")
    threads = args.threads_per_worker or "the libraries' own"
    print(f"\nThreads per worker: {threads}; worker logs: {var}")


if __name__ == "__main__":
    main()
