"""Algorithms made for implicit feedback, written to Surprise's ``AlgoBase`` contract."""

import numpy as np
from surprise import AlgoBase, PredictionImpossible

from .base import TopNMixin, confidence_matrix


def _decayed(trainset, half_life_days):
    """Users x items sparse matrix of decayed purchase confidence (weight 1 per purchase)."""
    return confidence_matrix(trainset, {"purchase": 1.0}, half_life_days)


class ItemScores(TopNMixin, AlgoBase):
    """The same list for everyone: subclasses set ``item_scores`` (one per item) in ``fit``."""

    def estimate(self, u, i):
        if not self.trainset.knows_item(i):
            raise PredictionImpossible("Unknown item.")
        return float(self.item_scores[i])

    def score_matrix(self, users):
        return np.tile(self.item_scores, (len(users), 1))


class Popularity(ItemScores):
    """Items ranked by how many users have them in the training set (the baseline to beat).

    ``estimate`` is the item's share of users; unknown items are impossible.
    """

    def fit(self, trainset):
        super().fit(trainset)
        counts = np.asarray((self.interactions() > 0).sum(axis=0)).ravel()
        self.item_scores = counts / max(trainset.n_users, 1)
        return self


# Memory accounting of the item x item fits below (bytes): what ``estimate_bytes`` adds up.
# The per-entry figures are what the code allocates at its peak, measured with tracemalloc.


class Trending(ItemScores):
    """
    Items ranked by recent buyers: each buyer counts min(1, sum of 0.5 ** (age / half_life))
    over their purchases of the item, so one recent buyer counts 1 and an old one little.
    Scores are scaled to a maximum of 1.  Needs a trainset built with events.
    """

    def __init__(self, half_life_days=7.0):
        super().__init__()
        self.half_life_days = half_life_days

    def fit(self, trainset):
        super().fit(trainset)
        capped = _decayed(trainset, self.half_life_days).minimum(1.0)
        scores = np.asarray(capped.sum(axis=0)).ravel()
        self.item_scores = scores / scores.max() if scores.max() > 0 else scores
        return self


class RepeatPurchase(TopNMixin, AlgoBase):
    """
    "Buy it again": a shopper's own purchases of an item, each weighing
    0.5 ** (age / half_life); zero for items they never bought.  Needs a trainset with events.
    """

    def __init__(self, half_life_days=60.0):
        AlgoBase.__init__(self)
        self.half_life_days = half_life_days

    def fit(self, trainset):
        super().fit(trainset)
        self.own = _decayed(trainset, self.half_life_days)
        return self

    def estimate(self, u, i):
        if not (self.trainset.knows_user(u) and self.trainset.knows_item(i)):
            raise PredictionImpossible("User or item unknown.")
        return float(self.own[u, i])

    def score_matrix(self, users):
        return self.own[users].toarray()


class Blend(TopNMixin, AlgoBase):
    """
    A weighted sum of other algorithms' scores.  ``components`` are ``(algorithm, weight,
    normalise)``; ``normalise`` divides each user's scores by that user's best score first, so
    that algorithms on different scales can be mixed.  Tune the weights on a validation split.
    Components already fitted on the trainset given to ``fit`` are not fitted again.
    """

    def __init__(self, components):
        AlgoBase.__init__(self)
        self.components = list(components)

    def fit(self, trainset):
        super().fit(trainset)
        for algo, _weight, _normalise in self.components:
            if getattr(algo, "trainset", None) is not trainset:  # not already fitted on it
                algo.fit(trainset)
        return self

    def score_matrix(self, users):
        total = None
        for algo, weight, normalise in self.components:
            scores = algo.score_matrix(users)
            if normalise:
                best = scores.max(axis=1, keepdims=True)
                scores = scores / np.where(best > 0, best, 1.0)
            total = weight * scores if total is None else total + weight * scores
        return total

    def estimate(self, u, i):
        if not (self.trainset.knows_user(u) and self.trainset.knows_item(i)):
            raise PredictionImpossible("User or item unknown.")
        return float(self.score_matrix([u])[0, i])
