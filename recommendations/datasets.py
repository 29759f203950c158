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

from . import conf


def confidences(events, now, weights=None, half_life_days=None):
    """
    ``{(user, item): confidence}`` from ``events``: (user, item, event_type, timestamp) tuples.
    Events of types without a weight, and events with no item, are ignored.
    """
    weights = conf.EVENT_WEIGHTS if weights is None else weights
    half_life = conf.HALF_LIFE_DAYS if half_life_days is None else half_life_days
    totals = defaultdict(float)
    for user, item, event_type, when in events:
        weight = weights.get(event_type, 0.0)
        if not weight or item is None:
            continue
        age_days = max((now - when).total_seconds() / 86400.0, 0.0)
        totals[(user, item)] += weight * 0.5 ** (age_days / half_life)
    return dict(totals)


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


def load_events(since=None, now=None):
    """
    The event log as ``(events, reviews, now)`` for :func:`confidences` and :func:`ratings`.

    Shoppers are ``"u<user id>"`` or ``"v<visitor id>"`` (anonymous), items are product ids;
    events with neither (imported guest orders) are left out.
    ``since`` limits the events read; ``now`` defaults to the latest event's time, so that an
    old log (the demo's 2011 history) is weighted from its own end, not from today.
    """
    from .models import Interaction

    rows = Interaction.objects.exclude(product__isnull=True)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    events = []
    reviews = {}
    latest: datetime | None = None
    fields = ("user_id", "visitor_id", "product_id", "event_type", "created_at", "score")
    for user_id, visitor_id, product_id, event_type, when, score in rows.order_by(
        "created_at", "id"
    ).values_list(*fields).iterator(chunk_size=20_000):
        if not user_id and not visitor_id:  # an imported guest order: nobody to learn about
            continue
        shopper = f"u{user_id}" if user_id else f"v{visitor_id}"
        events.append((shopper, product_id, event_type, when))
        if event_type == "review" and score is not None:
            reviews[(shopper, product_id)] = score
        latest = when if latest is None or when > latest else latest
    return events, reviews, now or latest
