"""
Publishing a training run: its shopper and product lists written under the new version (users
and products deleted meanwhile left out), then the switch to the new version in one
transaction (:func:`oscar_insights.runs.publish`), shoppers who opted out or erased their
history meanwhile withdrawn first.
"""

import itertools
import json

from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_insights import runs
from oscar_insights.db import existing

from . import fragments
from .models import ProductRecommendation, ShopperRecommendation, TrackingPreference


def _bulk(model, rows, step, label, still_valid, batch_size=1000):
    """
    Insert ``rows`` (any iterable: a generator is read a batch at a time) in batches.  A batch
    refused by a foreign key (a user or product deleted since it was checked) is retried once
    with the rows ``still_valid(batch)`` keeps.
    """
    total = f"/{len(rows):,}" if hasattr(rows, "__len__") else ""
    rows, written, read = iter(rows), 0, 0
    while batch := list(itertools.islice(rows, batch_size)):
        read += len(batch)
        try:
            with transaction.atomic():
                model.objects.bulk_create(batch)
        except IntegrityError:
            batch = still_valid(batch)
            with transaction.atomic():
                model.objects.bulk_create(batch)
        written += len(batch)
        step.heartbeat(f"{label} {read:,}{total}")
    return written


def write_shopper_lists(version, lists, step):
    """Write ``{shopper ("u<id>" / "v<visitor>"): [[product, score]]}``; returns the count."""
    users = get_user_model().objects.all()
    user_ids = existing(users, {int(s[1:]) for s in lists if s.startswith("u")})
    products = set(get_model("catalogue", "Product").objects.values_list("pk", flat=True))
    rows = []
    for shopper, items in lists.items():
        items = [pair for pair in items if pair[0] in products]  # deleted since: left out
        if not items:
            continue
        if shopper.startswith("u"):
            if int(shopper[1:]) in user_ids:  # deleted since the log was read: nothing to write
                rows.append(ShopperRecommendation(version=version, user_id=int(shopper[1:]),
                                                  items=items))
        else:
            rows.append(ShopperRecommendation(version=version, visitor_id=shopper[1:],
                                              items=items))

    def still_valid(batch):
        alive = existing(users, {row.user_id for row in batch if row.user_id})
        return [row for row in batch if row.user_id is None or row.user_id in alive]

    return _bulk(ShopperRecommendation, rows, step, "shopper lists", still_valid)


def write_product_lists(version, lists_by_kind, step):
    """Write ``{kind: {product: [(product, score)]}}`` (mappings such as
    :class:`~.measures.RankedLists`: the rows are made a batch at a time); returns the number
    of products with a list."""
    products = get_model("catalogue", "Product").objects.all()
    alive = existing(products, {p for lists in lists_by_kind.values() for p in lists})
    listed = set()

    def rows():
        for kind, lists in lists_by_kind.items():
            for product, items in lists.items():
                kept = [[i, round(s, 6)] for i, s in items if i in alive]
                if product in alive and kept:
                    listed.add(product)
                    yield ProductRecommendation(version=version, product_id=product, kind=kind,
                                                items=kept)

    def still_valid(batch):
        found = existing(products, {row.product_id for row in batch})
        return [row for row in batch if row.product_id in found]

    _bulk(ProductRecommendation, rows(), step, "product lists", still_valid)
    return len(existing(products, listed))


def jsonable(value):
    """``value`` as a JSON field stores it: dates and other objects as their text."""
    return json.loads(json.dumps(value, default=str))


def publish(version, **fields):
    """Make ``version`` current (with ``fields`` saved on it) and the previous one superseded,
    in one transaction."""

    def withdraw():
        # Shoppers who opted out or erased their history while the run was reading or
        # computing: their lists go before anyone can see them.
        withdrawn = TrackingPreference.objects.filter(
            models.Q(opted_out=True) | models.Q(history_erased_at__gte=version.started_at)
        ).values("user_id")
        ShopperRecommendation.objects.filter(version=version, user_id__in=withdrawn).delete()
        return {"shoppers": ShopperRecommendation.objects.filter(version=version).count()}

    published = runs.publish(version, prepare=withdraw, published_at=timezone.now(), **fields)
    fragments.version_published()  # the storefront blocks read the new version from now on
    return published
