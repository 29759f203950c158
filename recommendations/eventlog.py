"""
The event log as numpy columns, and the confidence and rating of each (shopper, product) pair.

A log of *n* events costs 21 bytes per event (4-byte codes of the shopper, the product and
the order, a 1-byte event type, an 8-byte time) plus one label per distinct shopper, product
and order: 10 M events by 1 M shoppers take about 0.4 GB, where Python tuples of the same
events took about 2.6 GB.  Everything that turns the log into training data works on
these columns (sorting and ``bincount``, no Python object per event); :meth:`EventLog.events`
and :meth:`EventLog.purchases` give tuples for readers of small logs and tests.

Confidence of shopper *u* in product *i* (:func:`pair_confidence`)::

    c(u, i) = sum over u's events e on i of  weight[type(e)] * 0.5 ** (age(e) / half_life)

with ``age`` in days before ``now`` (an event after ``now`` counts as ``now``).  Rating on the
scale ``(lo, hi)`` (:func:`pair_ratings`): a saturating map of confidence, so that one strong
signal counts and a hundred views do not dwarf everything::

    implicit(u, i) = lo + (hi - lo) * c / (c + k)

where ``k`` is the median confidence over the pairs of positive confidence (1 when none is).
When *u* reviewed *i* with score *s* (on the same scale), the rating blends in the review::

    rating(u, i) = (1 - w) * implicit(u, i) + w * s
"""

from array import array
from datetime import UTC, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
NO_ORDER = -1


def microseconds(when):
    """A datetime as integer microseconds since the epoch (exact; a naive one as if UTC)."""
    delta = when - (_NAIVE_EPOCH if when.tzinfo is None else _EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_microseconds(us, naive=False):
    """The datetime of :func:`microseconds` ``us`` (UTC; without a time zone if ``naive``)."""
    when = datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)
    return when.replace(tzinfo=None) if naive else when


class EventLog:
    """
    Events, oldest first, as columns of codes: ``shopper[e]`` indexes ``shoppers`` (labels
    such as ``"u42"``), ``item[e]`` indexes ``items`` (product ids; -1: an event without a
    product), ``kind[e]`` indexes ``kinds`` (event types), ``when[e]`` is in microseconds since
    the epoch (UTC), ``order[e]`` indexes ``orders`` (a purchase's order or basket id; -1:
    none).  ``reviews`` maps
    ``(shopper, product)`` labels to the latest review score; ``now`` is the time the log is
    weighed from.
    """

    def __init__(self, shopper, item, kind, when, order, shoppers, items, kinds, orders=(),
                 reviews=None, now=None, naive=False):
        self.shopper = np.asarray(shopper, dtype=np.int32)
        self.item = np.asarray(item, dtype=np.int32)
        self.kind = np.asarray(kind, dtype=np.int8)
        self.when = np.asarray(when, dtype=np.int64)
        self.order = np.asarray(order, dtype=np.int32)
        self.shoppers, self.items, self.kinds = list(shoppers), list(items), tuple(kinds)
        self.orders = list(orders)
        self.reviews = reviews or {}
        self.now = now
        self.naive = naive  # times without a time zone (a CSV's): given back without one

    def __len__(self):
        return len(self.shopper)

    @classmethod
    def from_tuples(cls, events, reviews=None, now=None):
        """A log of ``events``: ``(shopper, product, event type, time)`` tuples, or with the
        order id (None for none) as a fifth element."""
        builder = Builder()
        for event in events:
            builder.add(*event)
        return builder.log(reviews, now)

    def subset(self, rows, reviews=None, now=None):
        """A log of the events at ``rows`` (in that order), sharing this one's labels."""
        log = EventLog(self.shopper[rows], self.item[rows], self.kind[rows], self.when[rows],
                       self.order[rows], (), (), self.kinds, (), reviews, now, self.naive)
        log.shoppers, log.items, log.orders = self.shoppers, self.items, self.orders
        return log

    def kind_mask(self, *kinds):
        """A boolean column: the events of those types."""
        codes = [self.kinds.index(kind) for kind in kinds if kind in self.kinds]
        return np.isin(self.kind, np.asarray(codes, dtype=np.int8))

    def incidence(self, *kinds):
        """The binary shoppers x products matrix (scipy.sparse csr, float64) of the events of
        those types: row = shopper code, column = product code, 1 where the shopper has one."""
        import scipy.sparse as sp

        rows = np.flatnonzero(self.kind_mask(*kinds) & (self.item >= 0))
        matrix = sp.csr_matrix((np.ones(len(rows)), (self.shopper[rows], self.item[rows])),
                               shape=(len(self.shoppers), len(self.items)))
        matrix.sum_duplicates()
        matrix.data[:] = 1.0
        return matrix

    def events(self):
        """``[(shopper, product, event type, time)]``: the log as tuples (small logs only)."""
        return [(self.shoppers[s], self.items[i] if i >= 0 else None, self.kinds[k],
                 from_microseconds(w, self.naive))
                for s, i, k, w in zip(self.shopper.tolist(), self.item.tolist(),
                                      self.kind.tolist(), self.when.tolist(), strict=True)]

    def purchases(self):
        """``[(shopper, product, time, order id or None)]`` of the purchase events."""
        rows = np.flatnonzero(self.kind_mask("purchase") & (self.item >= 0))
        return [(self.shoppers[s], self.items[i], from_microseconds(w, self.naive),
                 self.orders[o] if o != NO_ORDER else None)
                for s, i, w, o in zip(self.shopper[rows].tolist(), self.item[rows].tolist(),
                                      self.when[rows].tolist(), self.order[rows].tolist(),
                                      strict=True)]


class Builder:
    """Collects events one by one into compact arrays (no Python object kept per event)."""

    def __init__(self):
        self._codes = ({}, {}, {}, {})  # shopper, item, kind, order labels -> code
        self._columns = (array("i"), array("i"), array("b"), array("q"), array("i"))
        self._naive = None

    @staticmethod
    def _code(codes, label):
        code = codes.get(label)
        if code is None:
            code = codes[label] = len(codes)
        return code

    def add(self, shopper, item, kind, when, order=None):
        shoppers, items, kinds, orders = self._codes
        columns = self._columns
        columns[0].append(self._code(shoppers, shopper))
        columns[1].append(-1 if item is None else self._code(items, item))
        columns[2].append(self._code(kinds, kind))
        if self._naive is None:
            self._naive = when.tzinfo is None
        columns[3].append(microseconds(when))
        columns[4].append(NO_ORDER if order is None else self._code(orders, order))

    def log(self, reviews=None, now=None):
        columns = [np.frombuffer(column, dtype=column.typecode) if len(column) else ()
                   for column in self._columns]
        log = EventLog(*columns, *(list(codes) for codes in self._codes), reviews, now,
                       bool(self._naive))
        self._codes = None
        self._columns = None
        return log


class Pairs(NamedTuple):
    """One value per distinct (shopper, product) pair: codes of the log's labels, in the order
    each pair first occurs in the log (as Surprise numbers users and items)."""

    shopper: np.ndarray  # int32 codes into the log's shoppers
    item: np.ndarray  # int32 codes into the log's items
    value: np.ndarray  # float64


def pair_confidence(log, now, weights, half_life_days):
    """:class:`Pairs` of ``log``'s decayed confidence as of ``now`` (the module docstring);
    events of types without a weight, and events without a product, are left out."""
    by_kind = np.array([float(weights.get(kind, 0.0)) for kind in log.kinds] or [0.0])
    weight = by_kind[log.kind] if len(log) else np.zeros(0)
    rows = np.flatnonzero((weight > 0) & (log.item >= 0))
    if not len(rows):
        empty = np.zeros(0, dtype=np.int32)
        return Pairs(empty, empty, np.zeros(0))
    age_days = np.maximum((microseconds(now) - log.when[rows]) / 86_400e6, 0.0)
    decayed = weight[rows] * 0.5 ** (age_days / half_life_days)
    width = max(len(log.items), 1)
    key = log.shopper[rows].astype(np.int64) * width + log.item[rows]
    del age_days
    unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    totals = np.bincount(inverse, weights=decayed, minlength=len(unique))
    del inverse, decayed
    order = np.argsort(first, kind="stable")
    unique = unique[order]
    return Pairs((unique // width).astype(np.int32), (unique % width).astype(np.int32),
                 totals[order])


def label_codes(labels, wanted):
    """Codes of the ``wanted`` labels (repeats allowed) in ``labels``, appending those it
    lacks."""
    wanted = pd.Index(wanted, dtype=object)
    codes = pd.Index(labels, dtype=object).get_indexer(wanted) if labels else \
        np.full(len(wanted), -1, dtype=np.int64)
    missing = codes < 0
    if missing.any():
        new, uniques = pd.factorize(wanted[missing])
        codes[missing] = len(labels) + new
        labels.extend(uniques.tolist())
    return codes.astype(np.int64)


def pair_ratings(log, confidence, scale, review_weight):
    """
    :class:`Pairs` of ratings: the confidence :class:`Pairs` of ``log`` mapped onto ``scale``
    (the module docstring), blended with ``log.reviews``; pairs with only a review get its
    score, after the others (their labels are added to the log's if it lacks them).
    """
    lo, hi = scale
    c = confidence.value
    # The median of the pairs that weigh anything: events decayed to nothing (centuries old)
    # or weighted 0 must not make it 0 (every rating would be lo, or 0 / 0).
    weighing = c[c > 0]
    k = float(np.median(weighing)) if len(weighing) else 1.0
    rating = lo + (hi - lo) * c / (c + k)
    if not log.reviews:
        return Pairs(confidence.shopper, confidence.item, rating)
    pairs = list(log.reviews)
    scores = np.asarray([float(log.reviews[pair]) for pair in pairs])
    width = max(len(log.items) + len(pairs), 1)
    wanted = (label_codes(log.shoppers, [s for s, _ in pairs]) * width
              + label_codes(log.items, [i for _, i in pairs]))
    keys = confidence.shopper.astype(np.int64) * width + confidence.item
    order = np.argsort(keys, kind="stable")
    at = np.minimum(np.searchsorted(keys, wanted, sorter=order), max(len(keys) - 1, 0))
    found = order[at] if len(keys) else np.zeros(len(pairs), dtype=np.int64)
    known = (keys[found] == wanted) if len(keys) else np.zeros(len(pairs), dtype=bool)
    rating[found[known]] = (1 - review_weight) * rating[found[known]] + \
        review_weight * scores[known]
    alone = ~known
    return Pairs(np.concatenate([confidence.shopper, (wanted[alone] // width).astype(np.int32)]),
                 np.concatenate([confidence.item, (wanted[alone] % width).astype(np.int32)]),
                 np.concatenate([rating, scores[alone]]))
