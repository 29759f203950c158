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
