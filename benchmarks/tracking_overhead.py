"""
What behaviour tracking costs the product page, three ways in one run:

1. tracking off: neither Oscar's analytics receivers nor ours;
2. our tracking on (recommendations.receivers, one INSERT per view);
3. Oscar's analytics receivers on (its counters; the stock Oscar behaviour).

    python benchmarks/tracking_overhead.py [--products 40] [--rounds 6] [--repeat 5]

The configurations are interleaved request by request (the same page rendered under the three
configurations back to back, in a rotating order) so that drift of the machine hits all three
alike; every sampled product page is rendered ``rounds`` times per configuration as a new
anonymous visitor and as a signed-in shopper.  Queries are counted in a separate pass.  Events and counters written by the run are deleted afterwards.
Two times per request: until the response is ready to send (what the shopper waits for; work
done in ``response.close()``, after sending, is excluded), and the whole server time including
that deferred work.  Prints p50/p95 and queries per request, and the ratios against
"tracking off".
"""

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django  # noqa: E402
from product_page import (  # noqa: E402
    format_row,
    measure_pages,
    sample_product_urls,
    summarise,
    timing_client,
)


def receivers():
    """(signal, receiver, dispatch_uid) of every product-view receiver of the two systems."""
    from oscar.apps.analytics import receivers as oscar_analytics
    from oscar.apps.catalogue.signals import product_viewed

    from recommendations import receivers as ours

    return {
        "ours": [(product_viewed, ours.record_product_view, "recommendations.product_viewed")],
        "oscar": [(product_viewed, oscar_analytics.receive_product_view, None)],
    }


@contextmanager
def only(system):
    """Connect the product-view receivers of ``system`` ("ours", "oscar" or None) only."""
    groups = receivers()
    for group in groups.values():
        for signal, func, uid in group:
            signal.disconnect(func, dispatch_uid=uid)
    if system:
        for signal, func, uid in groups[system]:
            signal.connect(func, dispatch_uid=uid)
    try:
        yield
    finally:
        for group in groups.values():
            for signal, func, uid in group:
                signal.connect(func, dispatch_uid=uid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from oscar.apps.analytics.models import ProductRecord

    from recommendations.models import Interaction

    urls = sample_product_urls(args.products)
    if not urls:
        sys.exit("No products in the database: run `make setup` first.")
    last_event = Interaction.objects.order_by("-id").values_list("id", flat=True).first() or 0
    views_before = dict(ProductRecord.objects.values_list("id", "num_views"))
    records_before = set(views_before)
    user, _ = get_user_model().objects.get_or_create(
        username="benchmark-shopper", defaults={"email": "benchmark@example.invalid"}
    )
    signed_in = Client()
    signed_in.force_login(user)
    session = {settings.SESSION_COOKIE_NAME: signed_in.cookies[settings.SESSION_COOKIE_NAME].value}

    configs = [("tracking off", None), ("our tracking", "ours"), ("Oscar analytics", "oscar")]
    shoppers = {"anonymous": {}, "signed in": session}
    timings = {(label, who): [] for label, _ in configs for who in shoppers}
    totals = {(label, who): [] for label, _ in configs for who in shoppers}
    queries = {(label, who): [] for label, _ in configs for who in shoppers}
    try:
        for label, system in configs:  # warm every cache under every configuration
            with only(system):
                measure_pages(urls, 1, warmup=1)
        for round_ in range(args.rounds):
            for position, url in enumerate(urls):
                for who, cookies in shoppers.items():
                    shift = (round_ + position) % len(configs)
                    for label, system in configs[shift:] + configs[:shift]:
                        visitor = timing_client(cookies)
                        with only(system):
                            started = time.perf_counter()
                            response = visitor.get(url)
                            totals[(label, who)].append((time.perf_counter() - started) * 1000)
                        timings[(label, who)].append(visitor.handler.last_response_ms)
                        assert response.status_code == 200, url
        for label, system in configs:
            with only(system):
                for who, cookies in shoppers.items():
                    for url in urls:
                        visitor = timing_client(cookies)
                        with CaptureQueriesContext(connection) as captured:
                            visitor.get(url)
                        queries[(label, who)].append(len(captured))
    finally:
        Interaction.objects.filter(id__gt=last_event).delete()
        ProductRecord.objects.exclude(id__in=records_before).delete()
        for record_id, views in views_before.items():
            ProductRecord.objects.filter(id=record_id).update(num_views=views)
        user.delete()

    print(f"Database: {connection.vendor}; {len(urls)} product pages x {args.rounds} interleaved "
          f"renders per configuration and shopper")
    for title, measured in (("time to response", timings), ("server time incl. work after the response", totals)):
        for who in ("anonymous", "signed in"):
            print(f"\n{who} shopper, {title}:")
            base = summarise(measured[("tracking off", who)], queries[("tracking off", who)])
            for label, _ in configs:
                figures = summarise(measured[(label, who)], queries[(label, who)])
                ratio = figures["p50_ms"] / base["p50_ms"]
                extra = figures["queries"] - base["queries"]
                print(f"  {format_row(label, figures)}   p50 x{ratio:.3f}  queries {extra:+.1f}")


if __name__ == "__main__":
    main()
