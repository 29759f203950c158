"""
Association measures between products bought in the same group (a basket, or a shopper's
history): the classes ``RECOMMENDATIONS_RELATED_MEASURES`` names, behind the related-product
lists of :mod:`.related` and the basket protocol of :mod:`.evaluation`.  No ORM.

A measure is fitted on a binary groups x items matrix ``G`` (scipy.sparse) and scores the pairs
of items that share at least ``min_support`` groups; every other pair scores nothing, so an item
that never shared a group with another has no list (the read path then falls back to catalogue
similarity, a shop's block to popularity).  Notation of the docstrings:

* ``c_ij`` groups holding both *i* and *j*, ``n_i`` groups holding *i*, ``N`` groups;
* ``w_ij`` the same sum with each group weighted (:meth:`AssociationMeasure.group_weights`).

Memory: ``fit`` keeps ``G`` and its transpose (one entry per distinct (group, item)); lists are
computed a chunk of items at a time (:meth:`AssociationMeasure.chunks`: at most ``chunk_size``
items and ``max_chunk_pairs`` candidate pairs, about 16 bytes each, several times over while a
chunk is sorted), so the peak grows with the catalogue and the chunk, never with items
squared.  Time grows with the pairs that share a group: sum over groups of their size squared.
"""

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from oscar_insights.registry import Registry

from . import conf


class AssociationMeasure:
    """
    The contract: ``__init__`` takes the hyper-parameters, :meth:`fit` learns the counts and
    returns ``self``, :meth:`score` (the hook a subclass writes) scores a chunk of pairs, and
    :meth:`top_n` ranks them.  Pairs below ``min_support`` common groups are never scored.
    """

    def __init__(self, min_support=None, chunk_size=2048, max_chunk_pairs=2**23):
        self.min_support = min_support  # None: RECOMMENDATIONS_MIN_SUPPORT, read at fit
        self.chunk_size = chunk_size
        self.max_chunk_pairs = max_chunk_pairs

    def group_weights(self, sizes, ages):
        """
        Weight of each group in ``w_ij``, or None for all 1 (``sizes``: distinct items per group;
        ``ages``: days before now, or None).  Override to weigh groups.
        """
        return None  # noqa: RET501 - the documented "no weights"

    def fit(self, groups, ages=None):
        """Learn from ``groups``: a binary groups x items matrix; ``ages`` per group, optional."""
        if self.min_support is None:
            self.min_support = conf.MIN_SUPPORT
        G = sp.csr_matrix(groups, dtype=np.float64)
        G.data[:] = 1.0
        self.groups = G
        self.groups_t = G.T.tocsr()
        self.counts = np.asarray(G.sum(axis=0)).ravel()
        self.n_groups = G.shape[0]
        sizes = np.diff(G.indptr)
        ages = None if ages is None else np.asarray(ages, dtype=np.float64)
        weights = self.group_weights(sizes, ages)
        self.weighted_t = None if weights is None else (G.T @ sp.diags(weights)).tocsr()
        return self

    def score(self, i, j, common, weighted):
        """Scores of the pairs (``i``, ``j``) with ``c_ij`` = ``common``, ``w_ij`` = ``weighted``
        (arrays; ``weighted`` is ``common`` without group weights); higher is better."""
        raise NotImplementedError

    def pairs(self, start, stop):
        """``(i, j, score, common)`` of the scored pairs of items ``start`` to ``stop``."""
        common = (self.groups_t[start:stop] @ self.groups).tocoo()
        keep = (common.data >= self.min_support) & (common.row + start != common.col)
        i, j, c = common.row[keep] + start, common.col[keep], common.data[keep]
        if self.weighted_t is None:
            w = c
        else:
            # The same sparsity as ``common`` (weights > 0), read at the kept pairs.
            weighted = (self.weighted_t[start:stop] @ self.groups).tocsr()
            w = np.asarray(weighted[i - start, j]).ravel()
        return i, j, self.score(i, j, c, w), c

    def chunks(self):
        """``(start, stop)`` item ranges whose pairs are scored together: at most
        ``chunk_size`` items, and at most ``max_chunk_pairs`` candidate pairs (a bound: the
        items of every group holding the item, so a best-seller in half the baskets of a big
        shop has a chunk to itself), so that a chunk's memory stays bounded however dense the
        co-occurrences of its items are."""
        size = len(self.counts)
        if not size:
            return []
        sizes = np.diff(self.groups.indptr).astype(np.float64)
        bound = np.minimum(self.groups_t @ sizes, size)
        ends, start, total = [], 0, 0.0
        for item, pairs in enumerate(bound.tolist()):
            if item > start and (item - start >= self.chunk_size
                                 or total + pairs > self.max_chunk_pairs):
                ends.append((start, item))
                start, total = item, 0.0
            total += pairs
        ends.append((start, size))
        return ends

    def top_n(self, n):
        """
        ``(items, scores)``: two items x ``n`` arrays, each row the best scored items of that
        item (never itself), best first; ties go to the more popular item (more groups), then to
        the lower index; rows are padded with -1 (and score 0) where fewer pairs were scored.
        """
        size = len(self.counts)
        items = np.full((size, n), -1, dtype=np.int64)
        scores = np.zeros((size, n))
        for start, stop in self.chunks():
            i, j, s, _c = self.pairs(start, stop)
            keep = s > 0
            i, j, s = i[keep], j[keep], s[keep]
            order = np.lexsort((j, -self.counts[j], -s, i))
            i, j, s = i[order], j[order], s[order]
            # Rank of each pair within its item's row: position minus the row's first position.
            first = np.searchsorted(i, i, side="left")
            rank = np.arange(len(i)) - first
            top = rank < n
            items[i[top], rank[top]] = j[top]
            scores[i[top], rank[top]] = s[top]
        return items, scores


class Popularity(AssociationMeasure):
    """Scores no pair: every list is the popularity fill (the baseline to beat)."""

    def pairs(self, start, stop):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)


class CoOccurrence(AssociationMeasure):
    """``c_ij``: the items most often in the same groups (best-sellers first)."""

    def score(self, i, j, common, weighted):
        return common.astype(np.float64)


class Cosine(AssociationMeasure):
    """``c_ij / sqrt(n_i n_j)``: a best-seller shared by everyone is damped by its own count."""

    def score(self, i, j, common, weighted):
        return common / np.sqrt(self.counts[i] * self.counts[j])


class Lift(AssociationMeasure):
    """``c_ij N / (n_i n_j)``: how many times more often than chance; ranks rarities first
    unless ``min_support`` is high."""

    def score(self, i, j, common, weighted):
        return common * self.n_groups / (self.counts[i] * self.counts[j])


def _xlogx(x):
    return x * np.log(np.where(x > 0, x, 1.0))


class LogLikelihood(AssociationMeasure):
    """Dunning's G² of the 2 x 2 table of *i* and *j*, for pairs seen together more often than
    chance (positive association only; the others score 0)."""

    def score(self, i, j, common, weighted):
        k11 = common.astype(np.float64)
        k12 = self.counts[i] - k11
        k21 = self.counts[j] - k11
        k22 = self.n_groups - k11 - k12 - k21

        def entropy(*cells):
            return _xlogx(sum(cells)) - sum(_xlogx(c) for c in cells)

        g2 = 2 * (entropy(k11 + k12, k21 + k22) + entropy(k11 + k21, k12 + k22)
                  - entropy(k11, k12, k21, k22))
        positive = k11 * self.n_groups > self.counts[i] * self.counts[j]
        return np.where(positive, np.maximum(g2, 0.0), 0.0)


class SharedCosine(Cosine):
    """``w_ij / sqrt(n_i n_j)`` with each group's weight 1 / (its items - 1) shared among its
    pairs, so that a wholesale order of 300 items does not tie all of them together."""

    def group_weights(self, sizes, ages):
        return 1.0 / np.maximum(sizes - 1, 1)

    def score(self, i, j, common, weighted):
        return weighted / np.sqrt(self.counts[i] * self.counts[j])


class RecentCoOccurrence(AssociationMeasure):
    """
    The co-occurrence count with each basket weighted by its recency and its size, shrunk for
    rarely bought items::

        score(i, j) = w_ij * n_j / (n_j + rarity_shrinkage)
        w_ij = sum over groups b holding i and j of 0.5 ** (age_b / half_life_days)
                                                     / (|b| - 1) ** size_exponent

    Recent baskets say more about what sells together next (ranges and seasons change); a big
    wholesale order ties every pair of its items together once, so its weight is spread; and an
    item bought in a handful of baskets (``n_j`` small) needs more common baskets to be listed
    than a staple does, so lists do not fill with rarities that shared one big order.  With
    ``half_life_days=None`` and both other parameters 0 this is :class:`CoOccurrence`.
    """

    def __init__(self, half_life_days=90.0, size_exponent=0.25, rarity_shrinkage=5.0, **kwargs):
        super().__init__(**kwargs)
        self.half_life_days = half_life_days
        self.size_exponent = size_exponent
        self.rarity_shrinkage = rarity_shrinkage

    def group_weights(self, sizes, ages):
        weights = 1.0 / np.maximum(sizes - 1, 1).astype(np.float64) ** self.size_exponent
        if self.half_life_days and ages is not None:
            weights = weights * 0.5 ** (np.maximum(ages, 0.0) / self.half_life_days)
        return weights

    def score(self, i, j, common, weighted):
        counts = self.counts[j]
        return weighted * counts / (counts + self.rarity_shrinkage)


class RankedLists(Mapping):
    """
    ``{name: [(name, score), ...]}``, best first, held as two rows x ``n`` arrays (column codes
    into ``names``, -1 past a row's end, and their scores) rather than a Python tuple per
    listed item: 100,000 products' lists of 50 take 60 MB, not 1 GB.  Rows without an item
    are absent.  Read-only; each list is made when asked.
    """

    def __init__(self, names, items, scores):
        self.names = list(names)
        self.codes = np.asarray(items, dtype=np.int32)  # 4 + 8 bytes per listed item
        self.scores = np.asarray(scores, dtype=np.float64)
        self._listed = np.flatnonzero(self.codes[:, 0] >= 0) if self.codes.size else \
            np.zeros(0, dtype=np.int64)
        self._rows = None

    def _list(self, r):
        keep = self.codes[r] >= 0
        return [(self.names[j], s) for j, s in
                zip(self.codes[r][keep].tolist(), self.scores[r][keep].tolist(), strict=True)]

    def __getitem__(self, name):
        if self._rows is None:
            self._rows = {self.names[r]: r for r in self._listed.tolist()}
        return self._list(self._rows[name])

    def __iter__(self):
        return (self.names[r] for r in self._listed.tolist())

    def __len__(self):
        return len(self._listed)

    def items(self):
        return ((self.names[r], self._list(r)) for r in self._listed.tolist())


def ranked(measure, names, n):
    """:class:`RankedLists` of a fitted ``measure``'s top ``n`` (``names[c]`` is column
    ``c``), best first; items without a scored pair are absent."""
    if not len(names):
        return {}
    return RankedLists(names, *measure.top_n(n))


def measure_entries():
    return conf.RELATED_MEASURES


measures = Registry("RECOMMENDATIONS_RELATED_MEASURES", measure_entries, "related-products measure",
                    nested="components")
spec = measures.spec
build = measures.build
