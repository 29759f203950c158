"""
Candidates that cannot run do not take the run with them: one that raises is recorded as
failed, one whose memory estimate is over ``RECOMMENDATIONS_MEMORY_BUDGET_MB`` is skipped
before it fits, and the best of the rest is chosen.  And the factorisation candidates of the
``implicit`` package learn tastes.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from recommendations import conf, evaluation, selection
from recommendations.algorithms import ALS, BPR, Popularity, top_n
from recommendations.evaluation import evaluate_algorithm, temporal_holdout

START = datetime(2011, 1, 1, 9, tzinfo=UTC)


def two_tastes(users=120, days=120, seed=5, group_size=12):
    """Shoppers buying from one of two product groups (and a best-seller everyone buys), as
    (user, item, time, basket) purchases: a recommender that learns tastes beats popularity."""
    rng = random.Random(seed)
    purchases, basket = [], 0
    groups = [[f"a{k}" for k in range(group_size)], [f"b{k}" for k in range(group_size)]]
    for day in range(days):
        for _ in range(6):
            user = rng.randrange(users)
            basket += 1
            own = groups[user % 2][user % (group_size - 4):][:4 + user % 8]
            for item in rng.sample(own, 2) + ["best"] * (day % 3 == 0):
                purchases.append((f"u{user}", item, START + timedelta(days=day), basket))
    return purchases


class Broken(Popularity):
    """A candidate whose fit raises (a bug in a shop's own algorithm, a library error)."""

    def fit(self, trainset):
        raise ValueError("singular matrix in the shop's own algorithm")


ALGORITHMS = {
    **conf.DEFAULTS["ALGORITHMS"],
    "broken": {"class": f"{__name__}.Broken"},
}


@pytest.fixture(scope="module")
def holdout():
    return temporal_holdout(two_tastes())


def test_a_candidate_that_raises_is_recorded_failed_and_the_rest_compete(holdout):
    with override_settings(RECOMMENDATIONS_ALGORITHMS=ALGORITHMS):
        results = selection.evaluate_candidates(holdout, ["broken", "item_knn"])
    assert results["broken"] == {"failed": "ValueError: singular matrix in the shop's own algorithm"}
    assert selection.evaluated(results) == ["popularity", "item_knn"]
    chosen, reason = selection.choose(results, "new")
    assert chosen == "item_knn", reason


def test_a_candidate_over_the_memory_budget_is_skipped_before_it_fits():
    holdout = temporal_holdout(two_tastes(group_size=150, days=200))
    trainset = holdout.trainset()
    shape = (trainset.n_users, trainset.n_items, trainset.n_ratings)
    # Surprise's KNNBaseline holds a dense items x items similarity: a budget between its need
    # and what the others need.
    knn = selection.registry.build("knn_baseline").estimate_bytes(*shape)
    others = selection.registry.build("item_knn").estimate_bytes(*shape)
    assert knn > 2 * others
    with override_settings(RECOMMENDATIONS_MEMORY_BUDGET_MB=(knn + others) / 2 / 2**20):
        results = selection.evaluate_candidates(holdout, ["knn_baseline", "item_knn"])
    assert "RECOMMENDATIONS_MEMORY_BUDGET_MB" in results["knn_baseline"]["skipped"]
    assert f"{trainset.n_items:,} products" in results["knn_baseline"]["skipped"]
    assert "new" in results["item_knn"]


def test_the_budget_bounds_ease_to_the_items_it_can_afford_instead_of_skipping_it():
    holdout = temporal_holdout(two_tastes(group_size=150, days=200))
    trainset = holdout.trainset()
    shape = (trainset.n_users, trainset.n_items, trainset.n_ratings)
    half = selection.registry.build("ease", {"max_items": trainset.n_items // 2})
    whole = selection.registry.build("ease").estimate_bytes(*shape)
    budget = half.estimate_bytes(*shape)
    assert budget < whole
    with override_settings(RECOMMENDATIONS_MEMORY_BUDGET_MB=budget / 2**20):
        results = selection.evaluate_candidates(holdout, ["ease"])
        algo = selection.registry.build("ease")
        selection.check_budget("ease", algo, trainset)  # raises nothing
    assert "new" in results["ease"] and "skipped" not in results["ease"]
    assert algo.fitted_items(*shape) == trainset.n_items // 2


def test_a_blend_whose_component_fails_fails_with_it(holdout):
    algorithms = {**ALGORITHMS, "blend": {
        **ALGORITHMS["blend"], "components": [["broken", 1.0, True], ["repeat", 1.0, False]]}}
    with override_settings(RECOMMENDATIONS_ALGORITHMS=algorithms):
        results = selection.evaluate_candidates(holdout, ["blend", "repeat"])
    assert "singular matrix" in results["blend"]["failed"]
    assert "all" in results["repeat"]


@pytest.mark.parametrize("make", [lambda: ALS(factors=8, iterations=15, alpha=5.0),
                                  lambda: BPR(factors=8, iterations=200, learning_rate=0.05)],
                         ids=["als", "bpr"])
def test_factorisation_learns_tastes_and_beats_popularity(make, holdout):
    algo = make()
    result = evaluate_algorithm(algo, holdout)
    baseline = evaluate_algorithm(Popularity(), holdout)
    assert result["new"]["ndcg"] > 1.5 * baseline["new"]["ndcg"]
    trainset = holdout.trainset()
    for u, items in top_n(algo, range(trainset.n_users), 5, exclude_seen=False).items():
        group = trainset.to_raw_uid(u)
        taste = "a" if int(group[1:]) % 2 == 0 else "b"
        named = [trainset.to_raw_iid(i) for i in items]
        # Mostly their own group's products (the best-seller aside).
        assert sum(item.startswith(taste) for item in named) >= 3, (group, named)


def test_als_confidence_counts_the_orders_holding_a_product(holdout):
    algo = ALS(factors=4, iterations=2).fit(holdout.trainset())
    confidence = algo.confidence()
    trainset = holdout.trainset()
    orders = {}
    for user, item, _when, basket in holdout.train.purchases():
        orders.setdefault((user, item), set()).add(basket)
    for (user, item), baskets in list(orders.items())[:200]:
        u, i = trainset.to_inner_uid(user), trainset.to_inner_iid(item)
        assert confidence[u, i] == pytest.approx(len(baskets))
    assert confidence.nnz == len(orders)


def test_a_winner_that_cannot_fit_all_events_gives_way_to_the_next(holdout):
    from recommendations import training

    metrics = {"reason": "broken NDCG@10 0.3 > popularity 0.1 (new items)"}
    with override_settings(RECOMMENDATIONS_ALGORITHMS=ALGORITHMS):
        name, params, algo = training._fit_first(
            [("broken", {}), ("item_knn", {"k": 5}), ("popularity", {})], holdout.trainset(),
            metrics)
    assert (name, params) == ("item_knn", {"k": 5}) and algo.trainset is holdout.trainset()
    assert metrics["fallbacks"] == [{"algorithm": "broken", "failed":
                                     "ValueError: singular matrix in the shop's own algorithm"}]
    assert metrics["reason"].endswith("broken could not be fitted: item_knn published")


def test_tuning_holds_only_the_model_it_measures(holdout):
    # Every grid point is fitted, but a fitted model can weigh hundreds of MB: none is kept
    # once measured (a blend tuned later refits the chosen parameters).
    validation = evaluation.validation_holdout(holdout)
    models = selection.FittedModels()
    tuned = selection.tune(["ease"], validation, models=models)
    grid = conf.DEFAULTS["ALGORITHMS"]["ease"]["tune"]["lambda_"]
    assert len({key[2] for key in models.seconds}) == len(grid)  # all of them were fitted
    assert not [key for key in models if key[1] == "ease"]
    assert set(tuned["ease"]) == {"new", "all"}


def test_the_hold_out_measures_each_blend_right_after_its_components():
    order = selection.evaluation_order(
        ["popularity", "trending", "repeat", "item_knn", "als", "ease", "baseline", "svd",
         "blend"])
    # Nothing big waits beside another candidate's fit: the blend's parts come last, with it.
    assert order == ["popularity", "item_knn", "als", "baseline", "svd", "ease", "trending",
                     "repeat", "blend"]
