"""
What the storefront recommendation blocks cost the product, home and basket pages, in one run.

    python benchmarks/storefront_blocks.py [--database-url URL] [--products 20] [--repeat 30]
                                           [--cache-states warm,cold] [--show-queries]

Every page is rendered with the blocks (``RECOMMENDATIONS_BLOCKS_ENABLED = True``) and without
(``False``: every block tag renders nothing), the two configurations interleaved request by
request in a rotating order so that drift of the machine hits both alike, through Django's full
request stack in-process, DEBUG off and templates cached.  Pages: the detail pages of a sample
of products (:func:`product_page.sample_product_urls`), the home page ``/`` and the basket page
with two products in the basket, the last two rendered as many times per round as there are
product pages (each page's p50 pools as many renders).  Shoppers, each request from a browser with a desktop
browser's user agent (headless and bot user agents are not tracked) and no other cookie than
those listed:

* an anonymous visitor: new on the product and home pages, holding the cookies of a basket of
  two products on the basket page;
* a signed-in imported customer with purchase history (``customer-<id>``, the median one by
  purchases), whose open basket holds the same two products on every page.

Two cache states, measured one after the other: **warm** (every page requested once under each
configuration before timing) and **cold** (the Django cache cleared before every request).
Time is the handler's, until the response is ready to send (:func:`product_page.timing_client`:
tracking writes done in ``response.close()`` are excluded).  "tags p50" is the time spent inside
the block tags of the page (``recommendations.fragments.render``, timed around every call), as
a share of the page's p50 without the blocks: the blocks' own cost, free of the machine's
drift between two requests (which is a few percent on this 2-core machine).  SQL queries are counted in a
separate pass, per request, all of them (those after the response included).  Targets, for a
warm cache: at most 5 % added p50 and at most 3 added queries per page.  ``--show-queries``
prints the queries the blocks add (warm cache), each with the template and code that ran it.

The database is the shop's (``DATABASE_URL``, default ``var/shop.sqlite3`` under
``SHOP_VAR_DIR``); ``--database-url`` sets it.  ``CACHE_URL`` / ``REDIS_URL`` select the cache
as for the shop: the cold-cache pass clears that cache, so give it a database of its own.
Events, analytics counters, baskets and the session written by the run are removed afterwards.
"""

import argparse
import os
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, setup_django  # noqa: E402
from product_page import sample_product_urls, summarise, timing_client  # noqa: E402

BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/124.0.0.0 Safari/537.36")
TARGET_P50_PERCENT = 5.0
TARGET_QUERIES = 3
CONFIGS = (("without", False), ("with", True))
CACHE_STATES = (
    ("warm", "Warm cache (each page requested once per configuration before timing)"),
    ("cold", "Cold cache (Django cache cleared before every request)"),
)


# --- The shoppers and their pages -----------------------------------------------------------

def imported_customer():
    """The ``customer-<id>`` user with the median number of purchase events (>= 1)."""
    from django.db.models import Count

    from recommendations.models import Interaction

    counts = list(
        Interaction.objects.filter(event_type=Interaction.PURCHASE,
                                   user__username__startswith="customer-")
        .values("user").annotate(n=Count("id")).order_by("n", "user")
        .values_list("user", "n")
    )
    if not counts:
        sys.exit("No imported customer with purchases: run `manage.py setup_demo` first.")
    from django.contrib.auth import get_user_model

    user_id, purchases = counts[len(counts) // 2]
    return get_user_model().objects.get(pk=user_id), purchases


def fill_basket(client, product_ids):
    """Add ``product_ids`` to the basket of ``client`` through Oscar's add-to-basket view."""
    from django.urls import reverse

    for pk in product_ids:
        response = client.post(reverse("basket:add", kwargs={"pk": pk}), {"quantity": 1})
        assert response.status_code in (200, 302), response.status_code


def basket_products(count=2):
    """Two best sellers the strategy says are available to buy (and that have related lists)."""
    from django.db.models import Count
    from oscar.apps.partner.strategy import Selector
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    strategy = Selector().strategy()
    chosen = []
    for product in (Product.objects.filter(is_public=True, structure="standalone")
                    .annotate(n=Count("line")).order_by("-n", "id")[:50]):
        if strategy.fetch_for_product(product).availability.is_available_to_buy:
            chosen.append(product.pk)
        if len(chosen) == count:
            return chosen
    sys.exit("Fewer than two products available to buy among the best sellers.")


def browser(cookies=None):
    """A timing client (:func:`product_page.timing_client`) with a desktop browser's agent."""
    client = timing_client(cookies)
    client.defaults["HTTP_USER_AGENT"] = BROWSER
    return client


def shopping_client():
    """A browser that fills its basket (no CSRF check, unlike the timing client)."""
    from django.test import Client

    return Client(HTTP_USER_AGENT=BROWSER)


# --- Rendering ------------------------------------------------------------------------------

TAG_MS = []  # milliseconds spent in the block tags during the current request


def time_block_tags():
    """Time every call of the block tags' renderer (``recommendations.fragments.render``)."""
    import time

    from recommendations import fragments

    untimed = fragments.render

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return untimed(*args, **kwargs)
        finally:
            TAG_MS.append((time.perf_counter() - started) * 1000)

    fragments.render = timed


def render(url, cookies, enabled, cold):
    """One request; returns the handler's milliseconds and those of the block tags in it."""
    from django.core.cache import cache
    from django.test import override_settings

    from recommendations import fragments

    client = browser(cookies)
    TAG_MS.clear()
    with override_settings(RECOMMENDATIONS_BLOCKS_ENABLED=enabled):
        if cold:
            cache.clear()
            fragments.forget_local()
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return client.handler.last_response_ms, sum(TAG_MS)


class QueryLog:
    """Records every query of a block of code: SQL (placeholders, not values) and its origin."""

    SITE = os.sep + "site-packages" + os.sep
    FRAMEWORK = frozenset({"django", "psycopg", "psycopg2", "environ"})

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, self.origin()))
        return execute(sql, params, many, context)

    def where(self, frame):
        """``path:line function`` of a frame of the shop, its apps or Oscar; else None."""
        name = frame.f_code.co_filename
        if self.SITE in name:
            short = name.split(self.SITE)[-1]
            if short.split(os.sep)[0] in self.FRAMEWORK:
                return None
        elif name.startswith(str(ROOT) + os.sep) and "benchmarks" not in Path(name).parts:
            short = str(Path(name).relative_to(ROOT))
        else:
            return None
        # A middleware's __call__ wraps the whole view: it is where nothing in particular is.
        if name.endswith("middleware.py") and frame.f_code.co_name == "__call__":
            return None
        return f"{short}:{frame.f_lineno} {frame.f_code.co_name}"

    def origin(self):
        """The innermost template being rendered and the innermost code of ours or Oscar's."""
        from django.template.base import Template

        code = template = None
        frame = sys._getframe(2)
        while frame is not None and (code is None or template is None):
            if template is None and frame.f_code.co_name == "render" and \
                    isinstance(frame.f_locals.get("self"), Template):
                template = frame.f_locals["self"].origin.template_name
            code = code or self.where(frame)
            frame = frame.f_back
        return f"{template or '-'} | {code or '-'}"


def count_queries(url, cookies, enabled, cold):
    """The queries of one request (warm: after one request to warm the cache)."""
    from django.db import connection

    if not cold:
        render(url, cookies, enabled, cold=False)
    log = QueryLog()
    with connection.execute_wrapper(log):
        render(url, cookies, enabled, cold)
    return log.queries


def measure(pages, shoppers, repeat, cold):
    """``{(page, shopper, config): summary}`` with ``queries_sql``: the SQL of each request."""
    results = {}
    timings = {(page, who, label): [] for page in pages for who in shoppers
               for label, _ in CONFIGS}
    tag_timings = {key: [] for key in timings}
    if not cold:
        for page, urls in pages.items():
            for cookies in shoppers.values():
                for _label, enabled in CONFIGS:
                    for url in urls:
                        render(url, cookies[page], enabled, cold=False)
    for round_ in range(repeat):
        for page, urls in pages.items():
            for position, url in enumerate(urls):
                for who, cookies in shoppers.items():
                    shift = (round_ + position) % len(CONFIGS)
                    for label, enabled in CONFIGS[shift:] + CONFIGS[:shift]:
                        page_ms, tags_ms = render(url, cookies[page], enabled, cold)
                        timings[(page, who, label)].append(page_ms)
                        tag_timings[(page, who, label)].append(tags_ms)
    for page, urls in pages.items():
        for who, cookies in shoppers.items():
            for label, enabled in CONFIGS:
                logs = [count_queries(url, cookies[page], enabled, cold) for url in urls]
                figures = summarise(timings[(page, who, label)], [len(log) for log in logs])
                figures["queries_sql"] = logs
                figures["tags_p50_ms"] = statistics.median(tag_timings[(page, who, label)])
                results[(page, who, label)] = figures
    return results


# --- Report ---------------------------------------------------------------------------------

def print_table(title, results, pages, shoppers, with_targets):
    print(f"\n{title}")
    header = (f"{'page':<8} {'shopper':<10} {'p50 w/o':>8} {'p50 with':>9} {'p95 w/o':>8} "
              f"{'p95 with':>9} {'added p50':>17} {'tags p50':>17} {'SQL w/o':>8} {'SQL with':>9} "
              f"{'added':>6}")
    if with_targets:
        header += f"   targets (<= {TARGET_P50_PERCENT:g} % p50, <= {TARGET_QUERIES} queries)"
    print(header)
    print("-" * len(header))
    for page in pages:
        for who in shoppers:
            off, on = results[(page, who, "without")], results[(page, who, "with")]
            added_ms = on["p50_ms"] - off["p50_ms"]
            added_percent = 100 * added_ms / off["p50_ms"]
            added_queries = on["queries"] - off["queries"]
            row = (f"{page:<8} {who:<10} {off['p50_ms']:6.1f}ms {on['p50_ms']:7.1f}ms "
                   f"{off['p95_ms']:6.1f}ms {on['p95_ms']:7.1f}ms "
                   f"{added_percent:+6.1f}% {added_ms:+6.1f}ms "
                   f"{100 * on['tags_p50_ms'] / off['p50_ms']:6.1f}% {on['tags_p50_ms']:6.2f}ms "
                   f"{off['queries']:8.1f} {on['queries']:9.1f} {added_queries:+6.1f}")
            if with_targets:
                time_ok = "ok" if added_percent <= TARGET_P50_PERCENT else "MISSED"
                queries_ok = "ok" if added_queries <= TARGET_QUERIES else "MISSED"
                row += f"   p50 {time_ok:<6}  queries {queries_ok}"
            print(row)


def normalised(sql):
    """SQL with IN lists of any length alike, so that the same query on other ids matches."""
    return re.sub(r"IN \((?:%s, )*%s\)", "IN (...)", sql)


def shortened(sql, width=300):
    """The SQL to print: a plain SELECT's column list left out."""
    return re.sub(r"^SELECT (?:(?!SELECT ).)*? FROM ", "SELECT ... FROM ", sql)[:width]


def print_added_queries(results, pages, shoppers):
    """The queries of the pages with the blocks that the pages without them do not run."""
    print("\nQueries added by the blocks (warm cache), per request, with their origin "
          "(template | code):")
    for page in pages:
        for who in shoppers:
            with_logs = results[(page, who, "with")]["queries_sql"]
            without_logs = results[(page, who, "without")]["queries_sql"]
            added, origins = Counter(), Counter()
            for with_log, without_log in zip(with_logs, without_logs, strict=True):
                added.update(Counter(normalised(sql) for sql, _ in with_log)
                             - Counter(normalised(sql) for sql, _ in without_log))
                origins.update(Counter((normalised(sql), where) for sql, where in with_log)
                               - Counter((normalised(sql), where) for sql, where in without_log))
            requests = len(with_logs)
            print(f"\n  {page}, {who} ({sum(added.values()) / requests:+.1f} per request):")
            for sql, count in added.most_common():
                print(f"    {count / requests:4.1f} x  {shortened(sql)}")
                for (query, origin), times in origins.most_common():
                    if query == sql:
                        print(f"            {times / requests:4.1f} x from {origin}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: the shop's (var/shop.sqlite3)")
    parser.add_argument("--products", type=int, default=20, help="product pages sampled")
    parser.add_argument("--repeat", type=int, default=30,
                        help="renders of every page per configuration, shopper and cache state")
    parser.add_argument("--cache-states", default="warm,cold",
                        help="which cache states to measure (default: warm,cold)")
    parser.add_argument("--show-queries", action="store_true",
                        help="print the queries the blocks add (warm cache)")
    args = parser.parse_args()
    setup_django(**({"DATABASE_URL": args.database_url} if args.database_url else {}))
    time_block_tags()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from oscar.core.loading import get_model

    from recommendations import blocks, fragments
    from recommendations.models import Interaction

    Basket = get_model("basket", "Basket")
    ProductRecord = get_model("analytics", "ProductRecord")
    UserRecord = get_model("analytics", "UserRecord")
    UserProductView = get_model("analytics", "UserProductView")

    if blocks.current_version_id() is None:
        sys.exit("No current recommender version: run `manage.py setup_demo` first.")
    urls = sample_product_urls(args.products)
    customer, purchases = imported_customer()
    in_basket = basket_products()

    last_event = Interaction.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_basket = Basket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_view = UserProductView.objects.order_by("-id").values_list("id", flat=True).first() or 0
    product_records = {r["id"]: r for r in ProductRecord.objects.values()}
    user_records = {r["id"]: r for r in UserRecord.objects.values()}
    signed_in = shopping_client()
    try:
        anonymous_basket = shopping_client()
        fill_basket(anonymous_basket, in_basket)
        anonymous_basket_cookies = {k: v.value for k, v in anonymous_basket.cookies.items()}
        signed_in.force_login(customer)
        fill_basket(signed_in, in_basket)
        session_cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
        session = {settings.SESSION_COOKIE_NAME: session_cookie}

        # Home and basket as often as all product pages together: each page's p50 pools as
        # many renders, so that the machine's noise weighs on all three alike.
        pages = {"product": urls, "home": ["/"] * len(urls), "basket": ["/basket/"] * len(urls)}
        shoppers = {
            "anonymous": {"product": {}, "home": {}, "basket": anonymous_basket_cookies},
            "customer": {page: session for page in pages},
        }
        print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']}); cache: "
              f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
              f"recommender version #{blocks.current_version_id()}")
        print(f"Pages: {len(urls)} product pages, home, basket (products {in_basket}); "
              f"{args.repeat} renders of each product page, {args.repeat * len(urls)} of home "
              f"and basket, per configuration, shopper and cache state; "
              f"customer {customer.username} ({purchases} purchases)")
        measured = {}
        states = args.cache_states.split(",")
        for state, title in CACHE_STATES:
            if state not in states:
                continue
            cache.clear()
            fragments.forget_local()
            measured[state] = measure(pages, shoppers, args.repeat, cold=state == "cold")
            print_table(title, measured[state], pages, shoppers, with_targets=state == "warm")
        if args.show_queries and "warm" in measured:
            print_added_queries(measured["warm"], pages, shoppers)
    finally:
        signed_in.logout()
        Interaction.objects.filter(id__gt=last_event).delete()
        Basket.objects.filter(id__gt=last_basket).delete()
        UserProductView.objects.filter(id__gt=last_view).delete()
        for model, before in ((ProductRecord, product_records), (UserRecord, user_records)):
            model.objects.exclude(id__in=before).delete()
            for row in model.objects.filter(id__in=before).values():
                if row != before[row["id"]]:
                    model.objects.filter(id=row["id"]).update(**before[row["id"]])
        cache.clear()


if __name__ == "__main__":
    main()
