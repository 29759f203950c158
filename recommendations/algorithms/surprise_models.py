"""Surprise's own rating-prediction algorithms, with vectorised scores for top-N."""

import numpy as np
from surprise import prediction_algorithms as surprise_algorithms

from .base import TopNMixin


class _BiasedFactors(TopNMixin):
    """global mean + b_u + b_i + p_u . q_i (biased SVD / NMF), for known users and items."""

    def score_matrix(self, users):
        users = np.asarray(users)
        biased = getattr(self, "biased", True)
        scores = self._factors(users) @ self.qi.T
        if biased:
            scores = scores + self.trainset.global_mean + self.bu[users][:, None] + self.bi[None, :]
        return scores

    def _factors(self, users):
        return self.pu[users]

    def estimate_bytes(self, n_users, n_items, n_ratings):
        factors = getattr(self, "n_factors", 100)
        return (super().estimate_bytes(n_users, n_items, n_ratings)
                + 2 * (n_users + n_items) * (factors + 1) * 8)


class SVD(_BiasedFactors, surprise_algorithms.SVD):
    """Surprise's SVD (Funk); ``score_matrix`` equals ``estimate`` for known users and items."""


class NMF(_BiasedFactors, surprise_algorithms.NMF):
    """Surprise's non-negative matrix factorisation."""


class SVDpp(_BiasedFactors, surprise_algorithms.SVDpp):
    """Surprise's SVD++: user factors plus |N(u)|^-1/2 times the sum of y_j over u's items."""

    def _factors(self, users):
        X = self.interactions()[users].copy()
        X.data[:] = 1.0
        counts = np.asarray(X.sum(axis=1)).ravel()
        implicit = (X @ self.yj) / np.sqrt(np.maximum(counts, 1))[:, None]
        return self.pu[users] + implicit


class BaselineOnly(TopNMixin, surprise_algorithms.BaselineOnly):
    """Surprise's baseline: global mean + b_u + b_i."""

    def score_matrix(self, users):
        users = np.asarray(users)
        return self.trainset.global_mean + self.bu[users][:, None] + self.bi[None, :]


class KNNBaseline(TopNMixin, surprise_algorithms.KNNBaseline):
    """
    Surprise's KNNBaseline, item-based by default (``sim_options={"user_based": False,
    "name": "pearson_baseline"}``): baseline + the similarity-weighted mean of the user's
    deviations from baseline on the ``k`` most similar items they rated (positive similarities
    only).  ``score_matrix`` computes that for every item at once, one user at a time.
    """

    def __init__(self, k=40, min_k=1, sim_options=None, bsl_options=None, verbose=False, **kwargs):
        sim_options = {"name": "pearson_baseline", "user_based": False, **(sim_options or {})}
        super().__init__(k=k, min_k=min_k, sim_options=sim_options,
                         bsl_options=bsl_options or {}, verbose=verbose, **kwargs)

    def estimate_bytes(self, n_users, n_items, n_ratings):
        """Surprise's dense similarity matrix (items² or users² float64) and its temporaries."""
        side = n_users if self.sim_options["user_based"] else n_items
        return super().estimate_bytes(n_users, n_items, n_ratings) + 3 * side * side * 8

    def score_matrix(self, users):
        if self.sim_options["user_based"]:
            raise NotImplementedError("Vectorised scores are written for the item-based variant.")
        ts = self.trainset
        base_items = self.bi  # by = item biases when item-based (x = items, y = users)
        result = np.empty((len(users), ts.n_items))
        for row, u in enumerate(users):
            rated = ts.ur[u]
            items = np.fromiter((j for j, _ in rated), dtype=np.int64, count=len(rated))
            ratings = np.fromiter((r for _, r in rated), dtype=np.float64, count=len(rated))
            deviation = ratings - (ts.global_mean + base_items[items] + self.bu[u])
            sim = self.sim[:, items]  # n_items x |R_u|, columns in ts.ur order like estimate()
            if len(items) > self.k:
                # The k largest similarities per item (stable on ties, as heapq.nlargest).
                order = np.argsort(-sim, axis=1, kind="stable")[:, : self.k]
                sim = np.take_along_axis(sim, order, axis=1)
                dev = deviation[order]
            else:
                dev = np.broadcast_to(deviation, sim.shape)
            positive = sim > 0
            weights = np.where(positive, sim, 0.0)
            sum_sim = weights.sum(axis=1)
            sum_ratings = (weights * dev).sum(axis=1)
            actual_k = positive.sum(axis=1)
            sum_ratings[actual_k < self.min_k] = 0.0
            neighbourhood = np.divide(sum_ratings, sum_sim, out=np.zeros_like(sum_sim),
                                      where=sum_sim != 0)
            result[row] = ts.global_mean + self.bu[u] + base_items + neighbourhood
        return result
