"""Item x item algorithms on catalogues too big for a dense items x items matrix: blocked ItemKNN,
bounded EASE and the memory estimates the training framework budgets with."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.algorithms import EASE, ItemKNN
from recommendations.algorithms.item_item import _item_blocks, item_neighbours
from recommendations.datasets import build_trainset


def dense_neighbours(X, k, shrink):
    """The oracle: every cosine of a dense copy, then each row's ``k`` largest positive ones,
    ties to the lower column, by brute force."""
    X = np.asarray(X.toarray(), dtype=np.float64)
    n = X.shape[1]
    dots = X.T @ X
    norms = np.sqrt((X * X).sum(axis=0))
    sim = dots / (np.outer(norms, norms) + shrink + 1e-12)
    sim[dots == 0] = 0.0
    np.fill_diagonal(sim, 0.0)
    result = np.zeros((n, n))
    for i in range(n):
        ranked = sorted((j for j in range(n) if sim[i, j] > 0), key=lambda j: (-sim[i, j], j))
        for j in ranked[:k]:
            result[i, j] = sim[i, j]
    return result


def random_purchases(n_users, n_items, density, seed, weighted=False):
    """A sparse users x items matrix; the last two items have no co-buyers (one is never
    bought, the other only by a user who bought nothing else)."""
    rng = np.random.default_rng(seed)
    X = (rng.random((n_users, n_items)) < density).astype(np.float64)
    X[:, -2:] = 0.0
    X[-1, :] = 0.0
    X[-1, -1] = 1.0
    if weighted:  # continuous values: no two cosines tie
        X *= rng.uniform(0.5, 2.0, size=X.shape)
    return sp.csr_matrix(X)


@pytest.mark.parametrize("weighted", [False, True], ids=["binary-ties", "weighted-no-ties"])
@pytest.mark.parametrize("shrink", [0.0, 3.0])
@pytest.mark.parametrize("k", [1, 4, 50])  # 50: more than the items
@pytest.mark.parametrize("block_bytes", [1, 2_000, 2**28], ids=["item-blocks", "few", "one"])
def test_item_neighbours_equal_a_dense_oracle(weighted, shrink, k, block_bytes):
    X = random_purchases(60, 25, 0.15, seed=k, weighted=weighted)
    S = item_neighbours(X, k, shrink, block_bytes)
    assert sp.isspmatrix_csr(S) and S.has_sorted_indices
    expected = dense_neighbours(X, k, shrink)
    assert np.array_equal(S.toarray() != 0, expected != 0)
    np.testing.assert_allclose(S.toarray(), expected, rtol=1e-12, atol=0)
    assert S[-2:].nnz == 0 and S[:, -2:].nnz == 0  # no co-buyers, no neighbours


def test_item_neighbours_of_a_single_item_or_none():
    assert item_neighbours(sp.csr_matrix(np.ones((3, 1))), 10).shape == (1, 1)
    assert item_neighbours(sp.csr_matrix((3, 1)), 10).nnz == 0
    assert item_neighbours(sp.csr_matrix((0, 0)), 10).shape == (0, 0)


def test_item_blocks_hold_at_most_the_bound():
    X = random_purchases(300, 200, 0.05, seed=1)
    bound = 40 * 64  # bytes at 64 per pair: 40 pairs
    blocks = list(_item_blocks(X, 64, bound))
    assert blocks[0][0] == 0 and blocks[-1][1] == 200
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:], strict=False))
    by_item = X.T.tocsr()
    for start, stop in blocks:
        pairs = (by_item[start:stop] @ X).nnz
        assert pairs * 64 <= bound or stop - start == 1


@pytest.fixture(scope="module")
def shop():
    """A trainset of 80 shoppers and 30 products, with tied popularities."""
    X = random_purchases(80, 30, 0.2, seed=5)
    rows, cols = X.nonzero()
    return build_trainset({(f"u{u}", f"p{i}"): 3.0 for u, i in zip(rows, cols, strict=True)})


def test_item_knn_blocks_change_nothing(shop):
    whole = ItemKNN(k=5, shrink=1.0).fit(shop)
    blocked = ItemKNN(k=5, shrink=1.0, block_bytes=1).fit(shop)
    np.testing.assert_array_equal(whole.S.toarray(), blocked.S.toarray())
    users = list(range(shop.n_users))
    X = whole.interactions().toarray() > 0
    expected = X @ dense_neighbours(sp.csr_matrix(X * 1.0), 5, 1.0).T
    np.testing.assert_allclose(blocked.score_matrix(users), expected, rtol=1e-12)


def dense_ease(X, lambda_):
    """The oracle: EASE's closed form in float64 on a dense binary matrix."""
    X = (np.asarray(X) > 0).astype(np.float64)
    P = np.linalg.inv(X.T @ X + lambda_ * np.eye(X.shape[1]))
    B = -P / np.diag(P)
    np.fill_diagonal(B, 0.0)
    return X @ B


def test_ease_unbounded_equals_the_closed_form(shop):
    algo = EASE(lambda_=5.0).fit(shop)
    assert algo.items is None
    X = algo.interactions().toarray()
    np.testing.assert_allclose(algo.score_matrix(list(range(shop.n_users))),
                               dense_ease(X, 5.0), rtol=1e-4, atol=1e-5)


def test_bounded_ease_fits_the_most_bought_items_and_scores_others_zero(shop):
    algo = EASE(lambda_=5.0, max_items=12).fit(shop)
    X = algo.interactions().toarray()
    buyers = (X > 0).sum(axis=0)
    expected_items = sorted(sorted(range(shop.n_items), key=lambda i: (-buyers[i], i))[:12])
    assert list(algo.items) == expected_items
    assert len(set(buyers[expected_items]) & set(np.delete(buyers, expected_items))) > 0  # ties
    users = list(range(shop.n_users))
    scores = algo.score_matrix(users)
    assert scores.shape == (shop.n_users, shop.n_items)
    others = [i for i in range(shop.n_items) if i not in expected_items]
    assert not scores[:, others].any()
    np.testing.assert_allclose(scores[:, expected_items], dense_ease(X[:, expected_items], 5.0),
                               rtol=1e-4, atol=1e-5)
    for u in users[:10]:
        for i in range(shop.n_items):
            assert algo.estimate(u, i) == pytest.approx(scores[u, i], rel=1e-9, abs=1e-9)


def test_ease_budget_picks_the_most_items_that_fit():
    X = random_purchases(200, 400, 0.03, seed=2)
    rows, cols = X.nonzero()
    trainset = build_trainset({(f"u{u}", f"p{i}"): 3.0 for u, i in zip(rows, cols, strict=True)})
    shape = (trainset.n_users, trainset.n_items, trainset.n_ratings)
    assert EASE.memory_budget_bytes is None and EASE().fitted_items(*shape) == trainset.n_items
    algo = EASE()
    algo.memory_budget_bytes = EASE(max_items=300).estimate_bytes(*shape)
    assert algo.fitted_items(*shape) == 300
    assert len(algo.fit(trainset).items) == 300
    assert algo.estimate_bytes(*shape) <= algo.memory_budget_bytes
    algo.max_items = 100  # an explicit bound wins over the budget
    assert algo.fitted_items(*shape) == 100
    tiny = EASE()
    tiny.memory_budget_bytes = 1_000  # less than the data: nothing is fitted, nothing fails
    assert not tiny.fit(trainset).score_matrix([0, 1]).any()


@pytest.fixture(scope="module")
def catalogue():
    """3,000 products with a long tail of popularity; 20,000 shoppers of 1-6 products each."""
    rng = np.random.default_rng(11)
    popularity = 1.0 / np.arange(1, 3001) ** 0.6
    popularity /= popularity.sum()
    ratings = {}
    for user in range(20_000):
        for item in rng.choice(3000, size=rng.integers(1, 7), p=popularity):
            ratings[(f"u{user}", f"p{item}")] = 3.0
    return build_trainset(ratings)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make", [lambda: ItemKNN(k=100), lambda: EASE(), lambda: EASE(max_items=1500)],
    ids=["item_knn", "ease", "ease-1500"],
)
def test_estimates_are_within_a_factor_two_of_the_measured_peak(make, catalogue):
    algo = make()
    estimate = algo.estimate_bytes(catalogue.n_users, catalogue.n_items, catalogue.n_ratings)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        algo.fit(catalogue)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak / 2 <= estimate <= peak * 2, (estimate, peak)
