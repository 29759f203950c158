"""Every algorithm on one toy dataset: fit, estimate, unknown users and items, vectorised top-N."""

import numpy as np
import pandas as pd
import pytest
from surprise import Dataset, PredictionImpossible, Reader

from recommendations.algorithms import EASE, NMF, SVD, BaselineOnly, Popularity, SVDpp, top_n

# Six shoppers, five products; ratings on 1-5 (e.g. from datasets.ratings).
TOY = [
    ("ann", "mug", 5), ("ann", "tea", 4), ("ann", "pot", 4),
    ("bob", "mug", 4), ("bob", "tea", 5),
    ("cat", "mug", 4), ("cat", "pot", 5), ("cat", "cup", 3),
    ("dan", "tea", 4), ("dan", "pot", 4),
    ("eve", "cup", 5), ("eve", "jar", 4),
    ("fay", "jar", 5), ("fay", "cup", 4), ("fay", "mug", 2),
]

ALGORITHMS = [
    pytest.param(lambda: Popularity(), id="popularity"),
    pytest.param(lambda: EASE(lambda_=1.0), id="ease"),
    pytest.param(lambda: SVD(n_factors=3, n_epochs=30, random_state=1), id="svd"),
    pytest.param(lambda: SVDpp(n_factors=3, n_epochs=20, random_state=1), id="svdpp"),
    pytest.param(lambda: NMF(n_factors=3, n_epochs=30, random_state=1), id="nmf"),
    pytest.param(lambda: BaselineOnly(verbose=False), id="baseline"),
]


@pytest.fixture(scope="module")
def trainset():
    frame = pd.DataFrame(TOY, columns=["user", "item", "rating"])
    return Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()


@pytest.mark.parametrize("make", ALGORITHMS)
def test_fit_returns_self_and_scores_match_estimate(make, trainset):
    algo = make()
    assert algo.fit(trainset) is algo
    users = list(range(trainset.n_users))
    scores = algo.score_matrix(users)
    assert scores.shape == (trainset.n_users, trainset.n_items)
    for u in users:
        for i in range(trainset.n_items):
            assert scores[u, i] == pytest.approx(algo.estimate(u, i), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("make", ALGORITHMS)
def test_unknown_users_and_items_fall_back(make, trainset):
    algo = make().fit(trainset)
    unknown_item = algo.predict("ann", "no-such-item")
    unknown_user = algo.predict("no-such-user", "mug")
    for prediction in (unknown_item, unknown_user):
        assert 1 <= prediction.est <= 5  # Surprise's fallback (or the biases) on the scale
    with pytest.raises((PredictionImpossible, ValueError)):
        algo.trainset.to_inner_uid("no-such-user")


@pytest.mark.parametrize("make", ALGORITHMS)
def test_top_n_excludes_seen_items_and_follows_predict(make, trainset):
    algo = make().fit(trainset)
    lists = top_n(algo, range(trainset.n_users), n=3)
    for u, items in lists.items():
        seen = {i for i, _ in trainset.ur[u]}
        assert not seen & set(items)
        unseen = [i for i in range(trainset.n_items) if i not in seen]
        # The same ranking as predict(), pair by pair, with clipping off.
        raw_u = trainset.to_raw_uid(u)
        by_predict = sorted(
            unseen,
            key=lambda i: -algo.predict(raw_u, trainset.to_raw_iid(i), clip=False).est,
        )
        expected = [algo.predict(raw_u, trainset.to_raw_iid(i), clip=False).est for i in by_predict[:3]]
        got = [algo.predict(raw_u, trainset.to_raw_iid(i), clip=False).est for i in items]
        assert got == pytest.approx(expected)
        assert len(items) == min(3, len(unseen))


def test_ease_recommends_what_similar_shoppers_bought(trainset):
    algo = EASE(lambda_=0.5).fit(trainset)
    dan = trainset.to_inner_uid("dan")  # tea + pot, like ann, who also bought a mug
    best = top_n(algo, [dan], n=1)[dan]
    assert trainset.to_raw_iid(best[0]) == "mug"
    assert np.allclose(np.diag(algo.B), 0.0)
