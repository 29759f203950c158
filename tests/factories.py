"""Helpers shared by tests."""

from datetime import date, timedelta

from django.core import signing

from recommendations import conf
from recommendations.middleware import COOKIE_SALT


def visitor_of(cookies):
    """The visitor id inside the signed visitor cookie of a cookie jar or response."""
    name = conf.VISITOR_COOKIE_NAME
    signer = signing.get_cookie_signer(salt=signing._cookie_signer_salt(name, COOKIE_SALT))
    return signer.unsign(cookies[name].value)


def make_purchase_log(n_users=160, n_clusters=4, per_cluster=8, days=120, seed=1, views=True):
    """
    A synthetic shop whose shoppers have tastes: products in ``n_clusters`` themed groups
    (titles share the theme word, one category per group), each shopper buying, every few weeks, two or three products of
    their own group (some far more than others) and now and then a best-seller everyone buys.
    A recommender that learns tastes beats popularity here.  Purchases (and some views) are
    written to the event log over ``days`` days ending now.

    Returns ``(users, products, clusters)``: lists of users and products, and the group of each
    product (``None`` for the best-seller).
    """
    import random
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from oscar.apps.catalogue.categories import create_from_breadcrumbs
    from oscar.core.loading import get_model
    from oscar.test.factories import create_product

    from recommendations.models import Interaction

    rng = random.Random(seed)
    themes = ["teapot", "candle", "lantern", "notebook", "cushion", "garland"][:n_clusters]
    colours = ["red", "blue", "green", "ivory", "black", "pink", "gold", "silver", "white", "grey"]
    products, clusters = [], []
    ProductCategory = get_model("catalogue", "ProductCategory")
    for c, theme in enumerate(themes):
        category = create_from_breadcrumbs(f"Home > {theme.title()}s")
        for k in range(per_cluster):
            product = create_product(title=f"{colours[k % len(colours)]} {theme} no{k}")
            ProductCategory.objects.create(product=product, category=category)
            products.append(product)
            clusters.append(c)
    best_seller = create_product(title="Paper gift bag")
    products.append(best_seller)
    clusters.append(None)
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"shopper{k}", email=f"shopper{k}@example.com") for k in range(n_users)]
    )
    if not users[0].pk:  # backends that do not return ids from bulk_create
        users = list(User.objects.filter(username__startswith="shopper").order_by("pk"))
    now = timezone.now()
    events = []
    for u, user in enumerate(users):
        group = [p for p, c in zip(products, clusters) if c == u % n_clusters]
        weights = [1.0 / (rank + 1) for rank in range(len(group))]
        for _visit in range(rng.randint(5, 9)):
            when = now - timedelta(days=rng.uniform(0, days))
            bought = set(rng.choices(group, weights=weights, k=rng.randint(2, 3)))
            if rng.random() < 0.3:
                bought.add(best_seller)
            for product in bought:
                events.append(Interaction(event_type="purchase", user=user, product=product,
                                          quantity=1, created_at=when))
                if views:
                    events.append(Interaction(event_type="view", user=user, product=product,
                                              created_at=when - timedelta(minutes=5)))
    Interaction.objects.bulk_create(events)
    return users, products, clusters


def write_sales_history(path, weeks=26, end=None):
    """
    An order-lines CSV (import_order_history's format) with three SKUs over ``weeks`` weeks
    ending the day before ``end`` (default 2026-06-01): 10001 sells 10 units every week,
    10002 sells 30 units every fourth week, 10003 sold 5 units in the first weeks only.
    Returns the path.
    """
    from datetime import date, timedelta

    end = end or date(2026, 6, 1)
    rows = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    invoice = 600000
    for week in range(weeks):
        day = end - timedelta(days=7 * (weeks - week))
        stamp = f"{day:%Y-%m-%d} 10:00:00"
        lines = [("10001", "STEADY MUG", 10)]
        if week % 4 == 1:
            lines.append(("10002", "LUMPY VASE", 30))
        if week < 4:
            lines.append(("10003", "OLD CANDLE", 5))
        for code, title, quantity in lines:
            invoice += 1
            rows.append(f"{invoice},{code},{title},{quantity},{stamp},2.50,{17000 + week % 5},UK")
    path.write_text("\n".join(rows) + "\n")
    return path


BREAKS_DAY = date(2026, 6, 1)
BREAKS_WEEKS = 30
STEADY = [f"2{n:04d}" for n in range(20)]
SPIKE, SLUMP = "30001", "30002"


def write_break_history(path):
    """Twenty SKUs selling 8-12 a week; SPIKE sells 10 a week then 60 in each of the last two
    weeks; SLUMP sells 20 a week then nothing in the last two."""
    import numpy as np

    rng = np.random.default_rng(3)
    rows = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    invoice = 700000
    for week in range(BREAKS_WEEKS):
        stamp = f"{BREAKS_DAY - timedelta(days=7 * (BREAKS_WEEKS - week)):%Y-%m-%d} 10:00:00"
        late = week >= BREAKS_WEEKS - 2
        lines = [(code, f"STEADY {code}", int(rng.integers(8, 13))) for code in STEADY]
        lines.append((SPIKE, "SPIKE LAMP", 60 if late else 10))
        if not late:
            lines.append((SLUMP, "SLUMP JAR", 20))
        for code, title, quantity in lines:
            invoice += 1
            rows.append(f"{invoice},{code},{title},{quantity},{stamp},4.00,{18000 + week},UK")
    path.write_text("\n".join(rows) + "\n")
    return path
