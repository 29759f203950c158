"""
Product page render time (p50, p95) and SQL queries per request, on the demo database.

    python benchmarks/product_page.py [--products 50] [--repeat 20]

Renders the detail pages of a fixed sample of products (the best sellers and a seeded random
draw) through Django's full request stack in-process, DEBUG off and templates cached, as an
anonymous new visitor (no cookies) and as a returning visitor whose recently-viewed list is full.  Timing and query counting run in separate passes, so that counting queries
does not slow the timed pass.  Later benchmarks import :func:`measure_pages` to compare
configurations side by side in one run.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402


def sample_product_urls(count, seed=1):
    """URLs of ``count`` public products: half best sellers, half a seeded random draw."""
    from django.db.models import Count
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    products = Product.objects.filter(is_public=True, structure="standalone")
    best = list(
        products.annotate(n=Count("line")).order_by("-n", "id").values_list("id", flat=True)[: count // 2]
    )
    rest = sorted(set(products.values_list("id", flat=True)) - set(best))
    chosen = best + random.Random(seed).sample(rest, min(len(rest), count - len(best)))
    return [p.get_absolute_url() for p in Product.objects.filter(id__in=chosen).order_by("id")]


def timing_client(cookies=None):
    """
    A Django test client whose ``last_response_ms`` is the time the handler took to produce the
    response, before ``response.close()`` (a WSGI server sends the response, then closes it).
    """
    from django.test import Client
    from django.test.client import ClientHandler

    class TimingHandler(ClientHandler):
        last_response_ms = None

        def get_response(self, request):
            started = time.perf_counter()
            response = super().get_response(request)
            self.last_response_ms = (time.perf_counter() - started) * 1000
            return response

    client = Client()
    client.handler = TimingHandler()
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    return client


def measure_pages(urls, repeat, returning=False, warmup=2, cookies=None):
    """
    Render each URL ``repeat`` times; return p50/p95/mean milliseconds, mean queries and the
    raw ``timings_ms`` (to pool several runs with :func:`summarise`).

    ``returning=False``: every request comes from a new visitor (no cookies but ``cookies``,
    e.g. a signed-in session).  ``True``: one visitor browses all pages, so Oscar's
    recently-viewed block fills up (20 products).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    shared = Client()

    def client():
        visitor = shared if returning else Client()
        for name, value in (cookies or {}).items():
            visitor.cookies[name] = value
        return visitor

    for url in urls:
        for _ in range(warmup):
            assert client().get(url).status_code == 200, url
    timings = []
    for _ in range(repeat):
        for url in urls:
            visitor = client()
            started = time.perf_counter()
            response = visitor.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
    queries = []
    for url in urls:
        visitor = client()
        with CaptureQueriesContext(connection) as captured:
            visitor.get(url)
        queries.append(len(captured))
    return summarise(timings, queries)


def summarise(timings, queries):
    timings = sorted(timings)
    return {
        "requests": len(timings),
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "mean_ms": statistics.fmean(timings),
        "queries": statistics.fmean(queries),
        "timings_ms": timings,
        "queries_each": queries,
    }


def format_row(label, figures):
    return (
        f"{label:<28} p50 {figures['p50_ms']:7.2f} ms   p95 {figures['p95_ms']:7.2f} ms   "
        f"mean {figures['mean_ms']:7.2f} ms   queries {figures['queries']:5.1f}   "
        f"({figures['requests']} requests)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    urls = sample_product_urls(args.products)
    if not urls:
        sys.exit("No products in the database: run `make setup` (or import_order_history) first.")
    print(f"Database: {connection.vendor}; {len(urls)} product pages x {args.repeat} renders")
    print(format_row("new visitor", measure_pages(urls, args.repeat)))
    print(format_row("returning visitor", measure_pages(urls, args.repeat, returning=True)))


if __name__ == "__main__":
    main()
