"""
Matrix factorisation made for implicit feedback, from the ``implicit`` package (Frederickson,
BSD licence): alternating least squares (Hu, Koren & Volinsky, 2008) and Bayesian personalised
ranking (Rendle et al., 2009), behind Surprise's ``AlgoBase`` contract.

Memory and time grow with the data, not with items²: the shoppers x products confidence
matrix (sparse, one cell per pair) and ``(shoppers + products) x factors`` floats.
"""

import math

import numpy as np
from surprise import AlgoBase, PredictionImpossible

from .base import TopNMixin, confidence_matrix

FLOAT32 = 4


class ImplicitFactors(TopNMixin, AlgoBase):
    """
    Shared by :class:`ALS` and :class:`BPR`: the confidence matrix from the trainset's events,
    a model of ``implicit``'s fitted on it, and scores ``user_factors . item_factors``.

    Confidence of shopper *u* in product *i* is ``sum of weights[type] * 0.5 ** (age /
    half_life_days)`` over their events on *i* (``weights`` default: 1 per purchase, i.e. the
    number of orders holding the product; ``half_life_days=None``: no decay).  Trainsets
    without events (plain Surprise ones) use their ratings.
    """

    def __init__(self, factors=64, iterations=15, regularization=0.01, weights=None,
                 half_life_days=None, random_state=1, num_threads=0):
        AlgoBase.__init__(self)
        self.factors = factors
        self.iterations = iterations
        self.regularization = regularization
        self.weights = weights or {"purchase": 1.0}
        self.half_life_days = half_life_days
        self.random_state = random_state
        self.num_threads = num_threads

    def model(self):
        """The unfitted ``implicit`` model."""
        raise NotImplementedError

    def confidence(self):
        """Users x items CSR matrix (float32) of confidence in the trainset's inner ids."""
        if getattr(self.trainset, "log", None) is None:
            return self.interactions().astype(np.float32)
        return confidence_matrix(self.trainset, self.weights, self.half_life_days or math.inf,
                                 np.float32)

    def fit(self, trainset):
        from threadpoolctl import threadpool_limits

        super().fit(trainset)
        model = self.model()
        # implicit runs its own threads; BLAS threads on top of them only contend.
        with threadpool_limits(1, "blas"):
            model.fit(self.confidence(), show_progress=False)
        self.user_factors = np.asarray(model.user_factors, dtype=np.float32)
        # Scores in float64: a shopper's score is the same alone or in any batch.
        self.item_factors = np.asarray(model.item_factors, dtype=np.float64)
        return self

    def estimate(self, u, i):
        if not (self.trainset.knows_user(u) and self.trainset.knows_item(i)):
            raise PredictionImpossible("User or item unknown.")
        return float(self.score_matrix([u])[0, i])

    def score_matrix(self, users):
        return self.user_factors[np.asarray(users)].astype(np.float64) @ self.item_factors.T

    def estimate_bytes(self, n_users, n_items, n_ratings):
        """Peak bytes of ``fit``: the confidence pairs (Python dict and CSR) and the factors
        with the solver's copies."""
        pairs = n_ratings * (120 + 3 * 8)  # the dict of pairs, then the CSR's arrays
        factors = 3 * (n_users + n_items) * (self.factors + 1) * FLOAT32
        return pairs + factors


class ALS(ImplicitFactors):
    """
    ``implicit``'s alternating least squares: preference 1 for every pair with confidence,
    weighed by ``1 + alpha * confidence``; ``regularization`` the L2 penalty.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def model(self):
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(
            factors=self.factors, regularization=self.regularization, alpha=self.alpha,
            iterations=self.iterations, random_state=self.random_state,
            num_threads=self.num_threads, calculate_training_loss=False)


class BPR(ImplicitFactors):
    """``implicit``'s Bayesian personalised ranking: sampled (bought, not bought) pairs ranked
    by stochastic gradient descent (``learning_rate``)."""

    def __init__(self, learning_rate=0.01, iterations=100, **kwargs):
        super().__init__(iterations=iterations, **kwargs)
        self.learning_rate = learning_rate

    def model(self):
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking(
            factors=self.factors, learning_rate=self.learning_rate,
            regularization=self.regularization, iterations=self.iterations,
            random_state=self.random_state, num_threads=self.num_threads)
