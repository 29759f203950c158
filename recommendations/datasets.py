"""
Events -> one implicit confidence per (shopper, product) -> a rating for Surprise.

The only module of the engine that reads the database (:func:`load_events`, streamed into the
columns of an :class:`~.eventlog.EventLog`); :mod:`.eventlog` holds the formulas (confidence
decayed with age, ratings saturating around the median confidence, reviews blended in) and
:func:`trainset` turns a log into the :class:`~.trainsets.MatrixTrainset` every algorithm is
fitted on.  The weights, half-life, scale and review weight are the settings
(``RECOMMENDATIONS_EVENT_WEIGHTS``, ``_HALF_LIFE_DAYS``, ``_RATING_SCALE``, ``_REVIEW_WEIGHT``)
unless given.  :func:`confidences`, :func:`ratings` and :func:`build_trainset` take and give
plain dicts, for small data and tests.
"""

from collections import Counter, defaultdict

import numpy as np

from oscar_insights.conf import ONLINE_RETAIL_PRODUCT_CODE
from oscar_insights.csvfiles import OrderLineColumns, iter_order_lines

from . import conf, trainsets
from .eventlog import Builder, EventLog, Pairs, label_codes, pair_confidence, pair_ratings


def _confidence(log, now, weights, half_life_days):
    weights = conf.EVENT_WEIGHTS if weights is None else weights
    half_life = conf.HALF_LIFE_DAYS if half_life_days is None else half_life_days
    return pair_confidence(log, now or log.now, weights, half_life)


def _as_dict(log, pairs):
    return {(log.shoppers[s], log.items[i]): v for s, i, v in
            zip(pairs.shopper.tolist(), pairs.item.tolist(), pairs.value.tolist(), strict=True)}


def confidences(events, now, weights=None, half_life_days=None):
    """``{(user, item): confidence}`` of ``events`` ((user, item, type, time) tuples)."""
    log = EventLog.from_tuples(events)
    return _as_dict(log, _confidence(log, now, weights, half_life_days))


def _log_of(pairs_by_label, reviews=None, events=()):
    """A log of ``events`` whose labels include those of ``pairs_by_label``, and the pairs'
    :class:`~.eventlog.Pairs` (codes) in the dict's order."""
    log = EventLog.from_tuples(events, reviews)
    labels = list(pairs_by_label)
    shoppers = label_codes(log.shoppers, [s for s, _ in labels]).astype(np.int32)
    items = label_codes(log.items, [i for _, i in labels]).astype(np.int32)
    return log, Pairs(shoppers, items, np.fromiter(pairs_by_label.values(), dtype=np.float64,
                                                    count=len(labels)))


def ratings(confidence, reviews=None, scale=None, review_weight=None):
    """``{(user, item): rating}`` on ``scale`` from :func:`confidences` and ``reviews``
    (``{(user, item): score}``); pairs with only a review get the review's score."""
    log, pairs = _log_of(confidence, reviews)
    return _as_dict(log, _ratings(log, pairs, scale, review_weight))


def _ratings(log, confidence, scale=None, review_weight=None):
    return pair_ratings(log, confidence, conf.RATING_SCALE if scale is None else scale,
                        conf.REVIEW_WEIGHT if review_weight is None else review_weight)


def trainset(log, now=None):
    """The trainset of ``log``: decayed confidence as of ``now`` (default ``log.now``) as
    ratings with the reviews blended in; the log rides along for time-aware algorithms."""
    now = now or log.now
    return trainsets.from_pairs(log, _ratings(log, _confidence(log, now, None, None)),
                                conf.RATING_SCALE, now)


def build_trainset(ratings_by_pair, scale=None, events=None, now=None):
    """
    A trainset of ``{(user, item): rating}`` as given.  ``events`` (user, item, type, time)
    and ``now``, when given, ride along for the algorithms that weigh time themselves.
    """
    log, pairs = _log_of(ratings_by_pair, events=events or ())
    built = trainsets.from_pairs(log, pairs, conf.RATING_SCALE if scale is None else scale, now)
    if events is None:  # nothing to weigh time by
        built.log = None
    return built


def load_events(since=None, now=None):
    """
    The event log as an :class:`~.eventlog.EventLog`, read in batches straight into its
    columns.

    Shoppers are ``"u<user id>"`` or ``"v<visitor id>"`` (anonymous), items are product ids;
    events with neither (imported guest orders) and events of shoppers who opted out are left
    out (their old events are not used to personalise anything).  Review scores are kept per
    (shopper, product), the latest.  ``since`` limits the events read; ``now`` defaults to the
    latest event's time, so that an old log (the demo's 2011 history) is weighted from its own
    end, not from today.
    """
    from .models import Interaction, TrackingPreference

    opted_out = set(
        TrackingPreference.objects.filter(opted_out=True).values_list("user_id", flat=True)
    )
    rows = Interaction.objects.exclude(product__isnull=True)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    builder, reviews, latest = Builder(), {}, None
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
        builder.add(shopper, product_id, event_type, when,
                    order_id if event_type == "purchase" else None)
        if event_type == "review" and score is not None:
            reviews[(shopper, product_id)] = score
        latest = when
    return builder.log(reviews, now or latest)


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
    The purchases of known customers in an order-lines CSV (plain or gzip) as an
    :class:`~.eventlog.EventLog` (streamed: no Python object kept per line), cleaned as
    ``docs/evaluation.md`` says (:func:`oscar_insights.csvfiles.iter_order_lines`: rows
    without a user, cancelled baskets, quantity or price <= 0, items not matching
    ``item_pattern``).  Empty column names in ``columns`` and an empty ``item_pattern`` switch
    their rule off.  Returns ``(log, skipped)``: the log (the invoice as each purchase's order)
    and a Counter of dropped rows by reason.
    """
    skipped, builder = Counter(), Builder()
    for line in iter_order_lines(path, columns, date_format, item_pattern, cancellation_prefix,
                                 require_user=True, skipped=skipped):
        builder.add(line.user, line.item, "purchase", line.when, line.basket)
    return builder.log(), skipped
