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
from typing import NamedTuple

import numpy as np

from .algorithms import top_n
from .eventlog import Builder, EventLog, from_microseconds, microseconds

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
    # The events before the split (an EventLog): purchases, one per (user, item, basket), then
    # the other events (views, basket adds...: training signal only; relevance is always about
    # purchases).
    train: object
    catalogue: list  # items bought in train, sorted
    relevant_all: dict = field(default_factory=dict)  # user -> test items (all-items protocol)
    relevant_new: dict = field(default_factory=dict)  # user -> test items not bought in train
    train_items: dict = field(default_factory=dict)  # test user -> items bought in train
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
        The trainset of the training events (their decayed confidence as of ``now``, default
        the split, as ratings; the log rides along), built once per ``now`` and shared by every
        algorithm evaluated on this hold-out.
        """
        from . import datasets

        now = now or self.split
        if now not in self._trainsets:
            self._trainsets[now] = datasets.trainset(self.train, now)
        return self._trainsets[now]


def purchase_log(purchases):
    """An :class:`~.eventlog.EventLog` of ``purchases``: (user, item, timestamp, basket) tuples."""
    return EventLog.from_tuples((user, item, "purchase", when, basket)
                                for user, item, when, basket in purchases)


def _distinct_purchases(log, rows):
    """``rows`` (purchases) less repeats of a (user, item, basket), the first kept, in order;
    a purchase without a basket is its own basket."""
    order = log.order[rows].astype(np.int64)
    order = np.where(order >= 0, order, -1 - np.arange(len(rows)))
    pair = log.shopper[rows].astype(np.int64) * max(len(log.items), 1) + log.item[rows]
    _, first = np.unique(np.stack([pair, order], axis=1), axis=0, return_index=True)
    return rows[np.sort(first)]


def _grouped(log, rows):
    """``{user: {items}}`` of the events at ``rows``."""
    grouped = {}
    for s, i in zip(log.shopper[rows].tolist(), log.item[rows].tolist(), strict=True):
        grouped.setdefault(log.shoppers[s], set()).add(log.items[i])
    return grouped


def temporal_holdout(log, fraction=0.9, max_users=None, seed=0):
    """
    Build the protocol of ``docs/evaluation.md`` from ``log`` (an
    :class:`~.eventlog.EventLog`, or (user, item, timestamp, basket) tuples of purchases) of
    known customers, already cleaned.  Train = the events before the split (purchases once
    per user, item and basket); catalogue = items bought in train; test purchases of other
    items are dropped; test users have purchases on both sides; the new-items protocol keeps
    only items the user did not buy in train, dropping users with none.

    ``max_users`` evaluates a random (``seed``) sample of that many test users at most, so that
    a very large shop's evaluation stays bounded.
    """
    if not isinstance(log, EventLog):
        log = purchase_log(log)
    bought = log.kind_mask("purchase") & (log.item >= 0)
    if not bought.any():
        raise ValueError("No purchases to hold out.")
    times = log.when[bought]
    split = split_time([from_microseconds(int(times.min()), log.naive),
                        from_microseconds(int(times.max()), log.naive)], fraction)
    before = log.when < microseconds(split)
    train_buys = _distinct_purchases(log, np.flatnonzero(bought & before))
    others = np.flatnonzero(before & ~log.kind_mask("purchase"))
    train = log.subset(np.concatenate([train_buys, others]))
    known_items = np.zeros(len(log.items), dtype=bool)
    known_items[log.item[train_buys]] = True
    buyers = np.zeros(len(log.shoppers), dtype=bool)
    buyers[log.shopper[train_buys]] = True
    test = np.flatnonzero(bought & ~before)
    test = test[known_items[log.item[test]] & buyers[log.shopper[test]]]
    users = np.unique(log.shopper[test])
    if max_users is not None and len(users) > max_users:
        labels = sorted(log.shoppers[u] for u in users.tolist())
        keep = np.random.default_rng(seed).choice(len(labels), size=max_users, replace=False)
        chosen = {labels[k] for k in keep.tolist()}
        users = np.asarray([u for u in users.tolist() if log.shoppers[u] in chosen])
        test = test[np.isin(log.shopper[test], users)]
    relevant_all = dict(sorted(_grouped(log, test).items()))
    train_items = _grouped(log, train_buys[np.isin(log.shopper[train_buys], users)])
    relevant_new = {}
    for user, items in relevant_all.items():
        new = items - train_items[user]
        if new:
            relevant_new[user] = new
    catalogue = sorted(log.items[i] for i in np.flatnonzero(known_items).tolist())
    return HoldOut(split, train, catalogue, relevant_all, relevant_new, train_items)


def validation_holdout(holdout, fraction=0.9, max_users=None):
    """The same protocol inside the training period, for tuning hyper-parameters."""
    return temporal_holdout(holdout.train, fraction, max_users)


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


# --- "Frequently bought together": leave-one-out within baskets ------------------------------


@dataclass
class BasketHoldOut:
    """
    The basket protocol's data: train and test baskets as binary baskets x items matrices over
    the catalogue (items bought in train, ``catalogue[c]`` is column ``c``).  ``test`` keeps the
    baskets from the split on with at least 2 distinct catalogue items; ``ages`` is each train
    basket's age in days at the split.
    """

    split: datetime
    catalogue: list
    train: object  # scipy.sparse csr, train baskets x catalogue
    test: object  # scipy.sparse csr, test baskets x catalogue
    ages: np.ndarray

    @property
    def counts(self):
        """Train baskets holding each catalogue item (its popularity)."""
        return np.asarray(self.train.sum(axis=0)).ravel()


class Baskets(NamedTuple):
    """
    Order lines as columns, one row per distinct (basket, item): ``basket`` codes (a basket's
    code is the order it first appears in), ``item`` codes into ``items`` (labels), and
    ``dated[b]``, basket ``b``'s first line in microseconds (:func:`~.eventlog.microseconds`).
    No Python object per line: the basket protocol of a log of millions of orders is arrays.
    """

    basket: np.ndarray  # int64
    item: np.ndarray  # int64
    dated: np.ndarray  # int64, one per basket code
    items: list
    naive: bool = False  # times without a time zone: split dates are given back without one

    @classmethod
    def of(cls, lines):
        """``lines`` as :class:`Baskets`: (basket, item, timestamp) tuples (a basket of None
        skipped), or already :class:`Baskets`."""
        if isinstance(lines, cls):
            return lines
        builder = Builder()  # the log's coder: labels to codes, times to microseconds
        for basket, item, when in lines:
            if basket is not None:
                builder.add("", item, "purchase", when, basket)
        return cls.of_log(builder.log())

    @classmethod
    def of_log(cls, log):
        """The purchases of an :class:`~.eventlog.EventLog` that belong to an order."""
        rows = np.flatnonzero(log.kind_mask("purchase") & (log.item >= 0) & (log.order >= 0))
        return cls._distinct(log.order[rows], log.item[rows], log.when[rows], log.items,
                             log.naive)

    @classmethod
    def _distinct(cls, basket, item, when, items, naive):
        basket, item = np.asarray(basket, np.int64), np.asarray(item, np.int64)
        n_baskets = int(basket.max()) + 1 if len(basket) else 0
        dated = np.full(n_baskets, np.iinfo(np.int64).max)
        np.minimum.at(dated, basket, when)
        width = max(len(items), 1)
        key = np.unique(basket * width + item)
        return cls(key // width, key % width, dated, items, naive)

    def before(self, split):
        """The lines of the baskets dated before ``split`` (a datetime)."""
        keep = self.dated[self.basket] < microseconds(split)
        return self._replace(basket=self.basket[keep], item=self.item[keep])

    def matrix(self, chosen, columns, width):
        """The binary ``chosen`` baskets (codes, in row order) x ``width`` matrix, item code
        ``c`` in column ``columns[c]`` (-1: left out)."""
        import scipy.sparse as sp

        row_of = np.full(len(self.dated), -1, dtype=np.int64)
        row_of[chosen] = np.arange(len(chosen))
        rows, cols = row_of[self.basket], columns[self.item]
        keep = (rows >= 0) & (cols >= 0)
        return sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])),
                             shape=(len(chosen), width))

    def catalogue(self, chosen):
        """``(labels, columns)``: the items of the ``chosen`` baskets, sorted by label, and each
        item code's column among them (-1: not among them)."""
        inside = np.zeros(len(self.dated), dtype=bool)
        inside[chosen] = True
        codes = np.unique(self.item[inside[self.basket]])
        labels = sorted(self.items[c] for c in codes.tolist())
        position = {label: p for p, label in enumerate(labels)}
        columns = np.full(max(len(self.items), 1), -1, dtype=np.int64)
        columns[codes] = [position[self.items[c]] for c in codes.tolist()]
        return labels, columns


def basket_holdout(lines, split=None, fraction=0.9):
    """
    The basket protocol of ``docs/evaluation.md`` from ``lines``: :class:`Baskets`, or
    (basket, item, timestamp) of cleaned order lines, guests included (a basket of None is
    skipped).  A basket is dated by its first line; train = baskets before ``split`` (default:
    :func:`split_time` of the baskets' dates; pass the recommendations hold-out's split to
    share it exactly).
    """
    baskets = Baskets.of(lines)
    used = np.unique(baskets.basket)
    dated = baskets.dated[used]
    if split is None:
        split = split_time([from_microseconds(int(dated.min()), baskets.naive),
                            from_microseconds(int(dated.max()), baskets.naive)], fraction)
    at = microseconds(split)
    train = used[dated < at]
    catalogue, columns = baskets.catalogue(train)
    known = np.bincount(baskets.basket[columns[baskets.item] >= 0],
                        minlength=len(baskets.dated))
    test = used[(dated >= at) & (known[used] >= 2)]
    ages = (at - baskets.dated[train]) / 86_400e6
    return BasketHoldOut(split, catalogue, baskets.matrix(train, columns, len(catalogue)),
                         baskets.matrix(test, columns, len(catalogue)), ages)


def validation_baskets(lines, holdout, fraction=0.9):
    """The basket protocol inside the training period of ``holdout`` (built from ``lines``),
    for tuning measures: its train baskets only, split again at ``fraction``."""
    return basket_holdout(Baskets.of(lines).before(holdout.split), None, fraction)


def fill_with_popular(items, counts, k=10):
    """
    ``items`` (a lists x >= 0 columns array of item indices, -1 = empty, row r the list of item
    r) cut to ``k`` and completed with the most popular items (``counts``, ties to the lower
    index) not yet listed, never the row's own item.
    """
    items = np.asarray(items, dtype=np.int64)
    popular = np.argsort(-np.asarray(counts), kind="stable")[: 2 * k + 1]
    filled = np.full((items.shape[0], k), -1, dtype=np.int64)
    for r, row in enumerate(items):
        listed = [j for j in row[:k] if j >= 0]
        if len(listed) < k:
            taken = set(listed) | {r}
            listed += [j for j in popular if j not in taken][: k - len(listed)]
        filled[r, : len(listed)] = listed
    return filled


def basket_metrics(lists, test, counts, k=10, rare_below=10):
    """
    The leave-one-out scores of ``lists`` (catalogue x k item indices, row i the list of item
    i, -1 = empty) on ``test`` (binary baskets x catalogue): for every (basket, item in it) the
    hits of the item's top ``k`` among the basket's other items; ``hit_rate`` = share of
    pairs with a hit, ``recall`` = mean hits / min(others, k), ``rare_share`` = share of listed
    items with ``counts`` < ``rare_below``; plus the numbers of ``pairs`` and ``baskets``.
    """
    import scipy.sparse as sp

    lists = np.asarray(lists, dtype=np.int64)[:, :k]
    size = lists.shape[0]
    rows, slots = np.nonzero(lists >= 0)
    listed = sp.csr_matrix((np.ones(len(rows)), (rows, lists[rows, slots])), shape=(size, size))
    test = sp.csr_matrix(test)
    pairs = test.tocoo()
    # hits[b, i] = |list(i) & basket b|; the list never holds i itself, so these are "others".
    hits = np.asarray((test @ listed.T).tocsr()[pairs.row, pairs.col]).ravel()
    others = np.diff(test.indptr)[pairs.row] - 1
    if not len(hits):
        return {"hit_rate": 0.0, "recall": 0.0, "rare_share": 0.0, "pairs": 0, "baskets": 0}
    shown = lists[lists >= 0]
    return {
        "hit_rate": float(np.mean(hits > 0)),
        "recall": float(np.mean(hits / np.minimum(others, k))),
        "rare_share": float(np.mean(np.asarray(counts)[shown] < rare_below)) if len(shown) else 0.0,
        "pairs": len(hits),
        "baskets": int(test.shape[0]),
    }


def evaluate_measure(measure, holdout, k=10):
    """
    Fit ``measure`` (an :class:`~recommendations.measures.AssociationMeasure`) on the train
    baskets of ``holdout`` (a :class:`BasketHoldOut`) and score its top ``k`` lists, filled by
    popularity as a shop's block is: :func:`basket_metrics` plus ``fit_seconds``.
    """
    import time as clock

    started = clock.perf_counter()
    measure.fit(holdout.train, holdout.ages)
    items, _scores = measure.top_n(k)
    seconds = clock.perf_counter() - started
    lists = fill_with_popular(items, holdout.counts, k)
    return {**basket_metrics(lists, holdout.test, holdout.counts, k), "fit_seconds": seconds}
