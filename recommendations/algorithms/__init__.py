"""
Recommendation algorithms behind one contract: Surprise's ``AlgoBase`` (``fit(trainset)``
returns self, ``estimate(u, i)`` on inner ids) plus :meth:`TopNMixin.score_matrix`, the
vectorised scores of many users at once from which top-N lists are cut.  No ORM here.
"""

from .base import TopNMixin, top_n
from .factorization import ALS, BPR
from .implicit import Blend, Popularity, RepeatPurchase, Trending
from .item_item import EASE, ItemKNN
from .surprise_models import NMF, SVD, BaselineOnly, KNNBaseline, SVDpp

__all__ = [
    "ALS",
    "BPR",
    "EASE",
    "NMF",
    "SVD",
    "BaselineOnly",
    "Blend",
    "ItemKNN",
    "KNNBaseline",
    "Popularity",
    "RepeatPurchase",
    "SVDpp",
    "TopNMixin",
    "Trending",
    "top_n",
]
