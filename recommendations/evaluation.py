"""
Offline evaluation of top-N recommendations: the metrics and the temporal hold-out protocol of
``docs/evaluation.md``.  Pure functions over plain Python and numpy data; no ORM.

Metrics at K, per user, then averaged over users, with binary relevance:

* Recall@K = hits / |relevant|
* NDCG@K = DCG / ideal DCG, the ideal over min(K, |relevant|) hits, DCG = sum 1 / log2(rank + 1)
* HitRate@K = 1 if at least one hit
* MAP@K = sum over hit ranks k of Precision@k, divided by min(K, |relevant|)

Catalogue coverage = distinct items in all users' lists / catalogue size.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, time

import numpy as np

from .algorithms import top_n

METRICS = ("recall", "ndcg", "hit_rate", "map")


def user_metrics(recommended, relevant, k=10):
    """``{"recall", "ndcg", "hit_rate", "map"}`` of one ranked list against a set of items."""
    if not relevant:
        raise ValueError("A user with no relevant item cannot be evaluated.")
    top = list(recommended)[:k]
    hits = 0
    dcg = 0.0
    precision_sum = 0.0
    for rank, item in enumerate(top, start=1):
        if item in relevant:
            hits += 1
            dcg += 1.0 / math.log2(rank + 1)
            precision_sum += hits / rank
    ideal_hits = min(k, len(relevant))
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_hits + 1))
    return {
        "recall": hits / len(relevant),
        "ndcg": dcg / idcg,
        "hit_rate": 1.0 if hits else 0.0,
        "map": precision_sum / ideal_hits,
    }


def evaluate_lists(recommendations, relevant, catalogue_size, k=10):
    """
    Mean metrics over the users of ``relevant`` (user -> set of items) for ``recommendations``
    (user -> ranked items; a missing user counts as an empty list), plus ``coverage``.
    """
    totals = dict.fromkeys(METRICS, 0.0)
    shown = set()
    for user, items in relevant.items():
        ranked = list(recommendations.get(user, ()))[:k]
        shown.update(ranked)
        for name, value in user_metrics(ranked, items, k).items():
            totals[name] += value
    users = len(relevant)
    result = {name: (total / users if users else 0.0) for name, total in totals.items()}
    result["coverage"] = len(shown) / catalogue_size if catalogue_size else 0.0
    result["users"] = users
    return result


def split_time(timestamps, fraction=0.9):
    """The split point: t0 + fraction * (t1 - t0), floored to midnight."""
    t0, t1 = min(timestamps), max(timestamps)
    point = t0 + (t1 - t0) * fraction
    return datetime.combine(point.date(), time.min, tzinfo=point.tzinfo)


@dataclass
class HoldOut:
    """A temporal hold-out of purchases: the training log and, per protocol, what is relevant."""

    split: datetime
    train: list  # (user, item, timestamp, basket) of purchases before the split
    catalogue: list  # items bought in train, sorted
    relevant_all: dict = field(default_factory=dict)  # user -> test items (all-items protocol)
    relevant_new: dict = field(default_factory=dict)  # user -> test items not bought in train
    train_items: dict = field(default_factory=dict)  # user -> items bought in train
    # Other events before the split (views, basket adds...: user, item, type, time), used as
    # training signal only; relevance is always about purchases.
    other_events: list = field(default_factory=list)
    _trainsets: dict = field(default_factory=dict, repr=False)

    def protocol(self, name):
        """``(relevant, exclude_seen)`` of protocol ``"new"`` or ``"all"``."""
        if name == "new":
            return self.relevant_new, True
        if name == "all":
            return self.relevant_all, False
        raise ValueError(f"Unknown protocol {name!r}: 'new' or 'all'.")

    @property
    def test_users(self):
        return sorted(self.relevant_all)

    def trainset(self, now=None):
        """
        The Surprise trainset of the training purchases (decayed purchase confidence as of
        ``now``, default the split, as ratings; the events ride along), built once per ``now``
        and shared by every algorithm evaluated on this hold-out.
        """
        from . import datasets

        now = now or self.split
        if now not in self._trainsets:
            events = datasets.purchase_events(self.train) + self.other_events
            ratings = datasets.ratings(datasets.confidences(events, now))
            self._trainsets[now] = datasets.build_trainset(ratings, events=events, now=now)
        return self._trainsets[now]


def temporal_holdout(purchases, fraction=0.9, other_events=(), max_users=None, seed=0):
    """
    Build the protocol of ``docs/evaluation.md`` from ``purchases``: (user, item, timestamp, basket)
    tuples of known customers, already cleaned.  Train = before the split; catalogue = items
    bought in train; test purchases of other items are dropped; test users have purchases on both
    sides; the new-items protocol keeps only items the user did not buy in train, dropping users
    with none.

    ``other_events`` (user, item, type, time) before the split join the training data.
    ``max_users`` evaluates a random (``seed``) sample of that many test users at most, so that
    a very large shop's evaluation stays bounded.
    """
    purchases = list(purchases)
    split = split_time([p[2] for p in purchases], fraction)
    train = [p for p in purchases if p[2] < split]
    test = [p for p in purchases if p[2] >= split]
    catalogue = sorted({p[1] for p in train})
    known = set(catalogue)
    train_items = {}
    for user, item, _when, _basket in train:
        train_items.setdefault(user, set()).add(item)
    relevant_all = {}
    for user, item, _when, _basket in test:
        if item in known and user in train_items:
            relevant_all.setdefault(user, set()).add(item)
    if max_users is not None and len(relevant_all) > max_users:
        rng = np.random.default_rng(seed)
        users = sorted(relevant_all)
        keep = rng.choice(len(users), size=max_users, replace=False)
        relevant_all = {users[k]: relevant_all[users[k]] for k in sorted(keep)}
    relevant_new = {}
    for user, items in relevant_all.items():
        new = items - train_items[user]
        if new:
            relevant_new[user] = new
    others = [e for e in other_events if e[3] < split and e[2] != "purchase"]
    return HoldOut(split, train, catalogue, relevant_all, relevant_new, train_items, others)


def validation_holdout(holdout, fraction=0.9, max_users=None):
    """The same protocol inside the training period, for tuning hyper-parameters."""
    return temporal_holdout(holdout.train, fraction, holdout.other_events, max_users)


PROTOCOLS = ("new", "all")


def evaluate_algorithm(algo, holdout, k=10, now=None, protocols=PROTOCOLS):
    """
    Fit ``algo`` on the hold-out's training purchases and score it on ``protocols``.

    Returns ``{"new": metrics, "all": metrics, "fit_seconds": s}``; metrics as
    :func:`evaluate_lists`.  Ratings come from :mod:`recommendations.datasets` (decayed purchase
    confidence as of the split).
    """
    import time as clock

    trainset = holdout.trainset(now)
    started = clock.perf_counter()
    if getattr(algo, "trainset", None) is not trainset:  # not already fitted on this hold-out
        algo.fit(trainset)
    fit_seconds = clock.perf_counter() - started
    result = {"fit_seconds": fit_seconds}
    for protocol in protocols:
        relevant, exclude = holdout.protocol(protocol)
        inner = {user: trainset.to_inner_uid(user) for user in relevant}
        lists = top_n(algo, inner.values(), k, exclude_seen=exclude)
        named = {
            user: [trainset.to_raw_iid(i) for i in lists[u]] for user, u in inner.items()
        }
        result[protocol] = evaluate_lists(named, relevant, len(holdout.catalogue), k)
    return result
