"""
Events -> one implicit confidence per (shopper, product) -> a rating for Surprise.

The only module of the engine that reads the database (:func:`load_events`); everything else
works on plain tuples.

Confidence of shopper *u* in product *i*::

    c(u, i) = sum over u's events e on i of  weight[type(e)] * 0.5 ** (age(e) / half_life)

with ``age`` in days before ``now`` and the weights and half-life of the settings
(``RECOMMENDATIONS_EVENT_WEIGHTS``, ``RECOMMENDATIONS_HALF_LIFE_DAYS``).  Searches carry no
product and reviews carry their score separately, so neither adds confidence by default.

Rating on the scale ``(lo, hi)``: a saturating map of confidence, so that one strong signal
counts and a hundred views do not dwarf everything::

    implicit(u, i) = lo + (hi - lo) * c / (c + k)

where ``k`` is the median confidence over all pairs (half the scale at the median).  When *u*
reviewed *i* with score *s* (on the same scale), the rating blends in the review::

    rating(u, i) = (1 - w) * implicit(u, i) + w * s        (w = RECOMMENDATIONS_REVIEW_WEIGHT)
"""

import statistics
from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from oscar_insights.conf import ONLINE_RETAIL_PRODUCT_CODE
from oscar_insights.csvfiles import OrderLineColumns, read_order_lines

from . import conf
from .algorithms.base import decayed_confidence


def confidences(events, now, weights=None, half_life_days=None):
    """
    ``{(user, item): confidence}`` from ``events`` (:func:`algorithms.base.decayed_confidence`)
    with ``RECOMMENDATIONS_EVENT_WEIGHTS`` and ``_HALF_LIFE_DAYS`` unless given.
    """
    weights = conf.EVENT_WEIGHTS if weights is None else weights
    half_life = conf.HALF_LIFE_DAYS if half_life_days is None else half_life_days
    return decayed_confidence(events, now, weights, half_life)


def ratings(confidence, reviews=None, scale=None, review_weight=None):
    """
    ``{(user, item): rating}`` on ``scale`` from :func:`confidences` and ``reviews``
    (``{(user, item): score}``; the latest score of a pair).  Pairs with only a review get the
    review's score.
    """
    lo, hi = conf.RATING_SCALE if scale is None else scale
    w = conf.REVIEW_WEIGHT if review_weight is None else review_weight
    reviews = reviews or {}
    k = statistics.median(confidence.values()) if confidence else 1.0
    result = {}
    for pair, c in confidence.items():
        implicit = lo + (hi - lo) * c / (c + k)
        score = reviews.get(pair)
        result[pair] = implicit if score is None else (1 - w) * implicit + w * score
    for pair, score in reviews.items():
        result.setdefault(pair, float(score))
    return result


class EventLog(NamedTuple):
    """What :func:`load_events` reads: the inputs of training."""

    events: list  # (shopper, product id, event type, time), oldest first
    reviews: dict  # (shopper, product id) -> latest review score
    now: datetime | None  # the time the log is weighed from
    purchases: list  # (shopper, product id, time, order id or None), for the hold-out


def load_events(since=None, now=None):
    """
    The event log as an :class:`EventLog` for :func:`confidences`, :func:`ratings` and the
    temporal hold-out.

    Shoppers are ``"u<user id>"`` or ``"v<visitor id>"`` (anonymous), items are product ids;
    events with neither (imported guest orders) and events of shoppers who opted out are left
    out (their old events are not used to personalise anything).  ``since`` limits the events
    read; ``now`` defaults to the latest event's time, so that an old log (the demo's 2011
    history) is weighted from its own end, not from today.
    """
    from .models import Interaction, TrackingPreference

    opted_out = set(
        TrackingPreference.objects.filter(opted_out=True).values_list("user_id", flat=True)
    )
    rows = Interaction.objects.exclude(product__isnull=True)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    events, purchases = [], []
    reviews = {}
    latest: datetime | None = None
    fields = ("user_id", "visitor_id", "product_id", "event_type", "created_at", "score",
              "order_id")
    for user_id, visitor_id, product_id, event_type, when, score, order_id in rows.order_by(
        "created_at", "id"
    ).values_list(*fields).iterator(chunk_size=20_000):
        if not user_id and not visitor_id:  # an imported guest order: nobody to learn about
            continue
        if user_id in opted_out:
            continue
        shopper = f"u{user_id}" if user_id else f"v{visitor_id}"
        events.append((shopper, product_id, event_type, when))
        if event_type == "purchase":
            purchases.append((shopper, product_id, when, order_id))
        elif event_type == "review" and score is not None:
            reviews[(shopper, product_id)] = score
        latest = when if latest is None or when > latest else latest
    return EventLog(events, reviews, now or latest, purchases)


def load_catalogue():
    """``[(product id, title, [category ids])]`` of every product, for catalogue similarity."""
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    ProductCategory = get_model("catalogue", "ProductCategory")
    categories = defaultdict(list)
    for product_id, category_id in ProductCategory.objects.values_list("product_id", "category_id"):
        categories[product_id].append(category_id)
    return [
        (product_id, title or "", categories.get(product_id, []))
        for product_id, title in Product.objects.values_list("id", "title").iterator(chunk_size=20_000)
    ]


def read_purchases_csv(path, columns=OrderLineColumns(), date_format="%Y-%m-%d %H:%M:%S",
                       item_pattern=ONLINE_RETAIL_PRODUCT_CODE, cancellation_prefix="C"):
    """
    Purchases of known customers from an order-lines CSV (plain or gzip), cleaned as
    ``docs/evaluation.md`` says (:func:`oscar_insights.csvfiles.read_order_lines`: rows
    without a user, cancelled baskets, quantity or price <= 0, items not matching
    ``item_pattern``).  Empty column names in ``columns`` and an empty ``item_pattern`` switch
    their rule off.  Returns ``(purchases, skipped)``: (user, item, timestamp, basket) tuples,
    and a Counter of dropped rows by reason.
    """
    lines, skipped = read_order_lines(path, columns, date_format, item_pattern,
                                      cancellation_prefix, require_user=True)
    return [(line.user, line.item, line.when, line.basket) for line in lines], skipped


def purchase_events(purchases):
    """
    One ``purchase`` event per distinct (user, item, basket), for :func:`confidences`; a
    purchase without a basket (None) is its own basket.
    """
    seen = set()
    events = []
    for n, (user, item, when, basket) in enumerate(purchases):
        key = (user, item, basket if basket is not None else -1 - n)
        if key not in seen:
            seen.add(key)
            events.append((user, item, "purchase", when))
    return events


def build_trainset(ratings_by_pair, scale=None, events=None, now=None):
    """
    A Surprise ``Trainset`` from ``{(user, item): rating}``.  ``events`` (user, item, type,
    time) and ``now``, when given, ride along as ``trainset.events`` / ``trainset.now`` for the
    algorithms that weigh time themselves (trending, repeat purchases).
    """
    import pandas as pd
    from surprise import Dataset, Reader

    lo, hi = conf.RATING_SCALE if scale is None else scale
    frame = pd.DataFrame(
        [(user, item, rating) for (user, item), rating in ratings_by_pair.items()],
        columns=["user", "item", "rating"],
    )
    trainset = Dataset.load_from_df(frame, Reader(rating_scale=(lo, hi))).build_full_trainset()
    trainset.events = events
    trainset.now = now
    return trainset
