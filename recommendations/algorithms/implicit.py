"""Algorithms made for implicit feedback, written to Surprise's ``AlgoBase`` contract."""

import numpy as np
from surprise import AlgoBase, PredictionImpossible

from .base import TopNMixin


class Popularity(TopNMixin, AlgoBase):
    """Items ranked by how many users have them in the training set (the baseline to beat).

    ``estimate`` is the item's share of users; unknown items are impossible.
    """

    def fit(self, trainset):
        super().fit(trainset)
        counts = np.asarray((self.interactions() > 0).sum(axis=0)).ravel()
        self.item_scores = counts / max(trainset.n_users, 1)
        return self

    def estimate(self, u, i):
        if not self.trainset.knows_item(i):
            raise PredictionImpossible("Unknown item.")
        return float(self.item_scores[i])

    def score_matrix(self, users):
        return np.tile(self.item_scores, (len(users), 1))


class EASE(TopNMixin, AlgoBase):
    """
    Embarrassingly Shallow Autoencoder (Steck, 2019): an item-item weight matrix ``B`` with a
    zero diagonal, in closed form ``B = I - P / diag(P)`` with ``P = (X'X + lambda I)^-1``, on
    the binary user x item matrix ``X``.  Scores are ``X B``.

    ``lambda_`` is the L2 regularisation (tune it on a validation split).  Memory and time grow
    with the square and cube of the number of items (3,600 items: ~100 MB, a few seconds).
    """

    def __init__(self, lambda_=400.0, binary=True):
        AlgoBase.__init__(self)
        self.lambda_ = lambda_
        self.binary = binary

    def fit(self, trainset):
        super().fit(trainset)
        self.X = X = self._input()
        gram = (X.T @ X).toarray()
        gram[np.diag_indices_from(gram)] += self.lambda_
        P = np.linalg.inv(gram)
        self.B = P / (-np.diag(P))
        np.fill_diagonal(self.B, 0.0)
        return self

    def _input(self):
        X = self.interactions()
        if self.binary:
            X = X.copy()
            X.data[:] = 1.0
        return X

    def estimate(self, u, i):
        if not (self.trainset.knows_user(u) and self.trainset.knows_item(i)):
            raise PredictionImpossible("User or item unknown.")
        return float((self.X[u] @ self.B[:, i])[0])

    def score_matrix(self, users):
        return np.asarray(self.X[users] @ self.B)
