"""Every algorithm on one toy dataset: fit, estimate, unknown users and items, vectorised top-N."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from surprise import PredictionImpossible

from oscar_insights.registry import UnknownComponent
from recommendations import conf
from recommendations.algorithms import (
    EASE,
    ItemKNN,
    KNNBaseline,
    RepeatPurchase,
    Trending,
    registry,
    top_n,
)
from recommendations.datasets import build_trainset

# Six shoppers, five products; ratings on 1-5 (e.g. from datasets.ratings).
TOY = [
    ("ann", "mug", 5), ("ann", "tea", 4), ("ann", "pot", 4),
    ("bob", "mug", 4), ("bob", "tea", 5),
    ("cat", "mug", 4), ("cat", "pot", 5), ("cat", "cup", 3),
    ("dan", "tea", 4), ("dan", "pot", 4),
    ("eve", "cup", 5), ("eve", "jar", 4),
    ("fay", "jar", 5), ("fay", "cup", 4), ("fay", "mug", 2),
]

# Every registered algorithm, with parameters sized for six shoppers where that matters.
TOY_PARAMS = {
    "ease": {"lambda_": 1.0},
    "item_knn": {"k": 2},
    "svd": {"n_factors": 3, "n_epochs": 30},
    "svdpp": {"n_factors": 3, "n_epochs": 20},
    "nmf": {"n_factors": 3, "n_epochs": 30},
    "knn_baseline": {"k": 2},
    "repeat": {"half_life_days": 30},
    "blend": {"components": {"ease": {"lambda_": 1.0}}},
    "als": {"factors": 3, "iterations": 10},
    "bpr": {"factors": 3, "iterations": 50},
}
ALGORITHMS = [
    pytest.param(lambda name=name: registry.build(name, TOY_PARAMS.get(name)), id=name)
    for name in conf.DEFAULTS["ALGORITHMS"]
]
NOW = datetime(2011, 12, 1, tzinfo=UTC)


def estimated(algo, u, i):
    """``estimate`` without the details some Surprise algorithms return next to it."""
    value = algo.estimate(u, i)
    return value[0] if isinstance(value, tuple) else value


@pytest.fixture(scope="module")
def trainset():
    # The k-th row was bought k days before NOW.
    events = [(u, i, "purchase", NOW - timedelta(days=k)) for k, (u, i, _r) in enumerate(TOY)]
    ratings = {(u, i): r for u, i, r in TOY}
    return build_trainset(ratings, events=events, now=NOW)


@pytest.mark.parametrize("make", ALGORITHMS)
def test_fit_returns_self_and_scores_match_estimate(make, trainset):
    algo = make()
    assert algo.fit(trainset) is algo
    users = list(range(trainset.n_users))
    scores = algo.score_matrix(users)
    assert scores.shape == (trainset.n_users, trainset.n_items)
    for u in users:
        for i in range(trainset.n_items):
            assert scores[u, i] == pytest.approx(estimated(algo, u, i), rel=1e-9, abs=1e-9)


# What each algorithm documents for an unknown user or item: Surprise's fallback (the global
# mean, ``was_impossible``); the baseline part of the biased models (global mean + the known
# side's bias); the shared list of the item-score algorithms, which ignore the user.
FALLBACK = {
    "popularity": "same list", "trending": "same list", "baseline": "biases", "svd": "biases",
    "svdpp": "biases", "knn_baseline": "biases", "nmf": "impossible", "repeat": "impossible",
    "item_knn": "impossible", "ease": "impossible", "blend": "impossible",
    "als": "impossible", "bpr": "impossible",
}


@pytest.mark.parametrize("make", ALGORITHMS)
def test_unknown_users_and_items_fall_back(make, trainset, request):
    algo = make().fit(trainset)
    unknown_item = algo.predict("ann", "no-such-item", clip=False)
    unknown_user = algo.predict("no-such-user", "mug", clip=False)
    global_mean = sum(r for _u, _i, r in TOY) / len(TOY)  # 62 / 15
    ann, mug = trainset.to_inner_uid("ann"), trainset.to_inner_iid("mug")
    fallback = FALLBACK[request.node.callspec.id]
    if fallback == "biases":
        assert not unknown_item.details["was_impossible"]
        assert unknown_item.est == pytest.approx(global_mean + algo.bu[ann])
        assert not unknown_user.details["was_impossible"]
        assert unknown_user.est == pytest.approx(global_mean + algo.bi[mug])
    else:
        assert unknown_item.details["was_impossible"]
        assert unknown_item.est == pytest.approx(global_mean)
        with pytest.raises(PredictionImpossible):  # what predict() turned into the fallback
            algo.estimate(ann, "UKN__no-such-item")
        if fallback == "same list":  # what every known shopper gets for the mug
            assert not unknown_user.details["was_impossible"]
            assert unknown_user.est == pytest.approx(algo.predict("ann", "mug", clip=False).est)
        else:
            assert unknown_user.details["was_impossible"]
            assert unknown_user.est == pytest.approx(global_mean)
    with pytest.raises(ValueError, match="not part of the trainset"):
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


def test_trending_counts_recent_buyers_most(trainset):
    algo = Trending(half_life_days=1).fit(trainset)
    scores = {trainset.to_raw_iid(i): s for i, s in enumerate(algo.item_scores)}
    # "mug" was bought 0, 3, 5 and 14 days ago, "jar" 11 and 12 days ago.
    assert scores["mug"] == 1.0
    assert scores["jar"] == pytest.approx((0.5 ** 11 + 0.5 ** 12) / (1 + 0.5 ** 3 + 0.5 ** 5 + 0.5 ** 14))


def test_repeat_purchase_is_the_shoppers_own_decayed_history(trainset):
    algo = RepeatPurchase(half_life_days=10).fit(trainset)
    ann, mug, jar = (trainset.to_inner_uid("ann"), trainset.to_inner_iid("mug"),
                     trainset.to_inner_iid("jar"))
    assert algo.estimate(ann, mug) == pytest.approx(1.0)  # bought today
    assert algo.estimate(ann, jar) == 0.0


def test_time_aware_algorithms_need_events():
    from recommendations.datasets import build_trainset as build

    plain = build({("a", "x"): 3})
    with pytest.raises(ValueError, match="weighs time"):
        Trending().fit(plain)


def test_item_knn_sums_cosine_similarities_of_the_shoppers_items(trainset):
    algo = ItemKNN(k=4).fit(trainset)
    inner = trainset.to_inner_iid
    # Buyers: mug {ann, bob, cat, fay}, tea {ann, bob, dan}, pot {ann, cat, dan}.
    # cos(mug, tea) = 2 / sqrt(4 * 3); cos(mug, pot) = 2 / sqrt(4 * 3).
    dan = trainset.to_inner_uid("dan")  # tea + pot
    expected = 2 / np.sqrt(12) + 2 / np.sqrt(12)
    assert algo.estimate(dan, inner("mug")) == pytest.approx(expected)
    one = ItemKNN(k=1).fit(trainset)  # a single neighbour per item
    assert one.S.getnnz(axis=1).max() == 1


def test_knn_baseline_uses_only_the_k_most_similar_rated_items(trainset):
    wide = KNNBaseline(k=40).fit(trainset)
    narrow = KNNBaseline(k=1).fit(trainset)
    ann = trainset.to_inner_uid("ann")  # three rated items: k=1 must pick one of them
    scores_wide, scores_narrow = wide.score_matrix([ann])[0], narrow.score_matrix([ann])[0]
    assert not np.allclose(scores_wide, scores_narrow)
    for i in range(trainset.n_items):
        assert scores_narrow[i] == pytest.approx(estimated(narrow, ann, i))


def test_registry_names_unknown_algorithms_and_overrides_parameters():
    with pytest.raises(UnknownComponent, match="Unknown algorithm 'nope'"):
        registry.build("nope")
    blend = registry.build("blend", {"trending": 0.5, "components": {"ease": {"lambda_": 9.0}}})
    weights = {type(a).__name__: w for a, w, _n in blend.components}
    assert weights["Trending"] == 0.5
    assert next(a for a, _w, _n in blend.components if isinstance(a, EASE)).lambda_ == 9.0
