"""Item-to-item lists against hand-computed values."""

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommendations.measures import Cosine, Lift, ranked
from recommendations.related import catalogue_similarity, tokens

# Baskets: a best-seller (bag) in most of them, and two pairs that go together.
BASKETS = [
    ("o1", "bag"), ("o1", "mug"), ("o1", "saucer"),
    ("o2", "bag"), ("o2", "mug"), ("o2", "saucer"),
    ("o3", "bag"), ("o3", "pen"), ("o3", "ink"),
    ("o4", "bag"), ("o4", "pen"), ("o4", "ink"),
    ("o5", "bag"), ("o5", "mug"),
    ("o6", "pen"),
]


def groups(pairs):
    """The binary groups x items matrix of (group, item) pairs, and the items' labels."""
    group_codes, _ = pd.factorize(pd.Index([g for g, _ in pairs]))
    item_codes, items = pd.factorize(pd.Index([i for _, i in pairs]))
    G = sp.csr_matrix((np.ones(len(pairs)), (group_codes, item_codes)))
    return G, list(items)


def lists_of(measure, pairs=BASKETS, n=10):
    G, items = groups(pairs)
    return ranked(measure.fit(G), items, n)


def test_cosine_divides_common_groups_by_both_counts():
    lists = lists_of(Cosine(min_support=2))
    # mug: 3 baskets, saucer: 2, both: 2 -> 2 / sqrt(6); bag: 5 baskets, with mug: 3.
    mug = dict(lists["mug"])
    assert mug["saucer"] == pytest.approx(2 / math.sqrt(3 * 2))
    assert mug["bag"] == pytest.approx(3 / math.sqrt(3 * 5))
    assert [item for item, _ in lists["mug"]] == ["saucer", "bag"]
    assert "mug" not in mug  # never the product itself


def test_lift_ranks_true_companions_above_the_best_seller():
    lists = lists_of(Lift(min_support=2))
    # lift(pen, ink) = 2 * 6 / (3 * 2) = 2; lift(pen, bag) = 2 * 6 / (3 * 5) = 0.8
    pen = dict(lists["pen"])
    assert pen["ink"] == pytest.approx(2.0)
    assert pen["bag"] == pytest.approx(0.8)
    assert lists["pen"][0][0] == "ink"
    # The best-seller's own list starts with what is bought with it more than by chance:
    # lift(bag, mug) = 3 * 6 / (5 * 3) = 1.2 ties with saucer and ink (2 * 6 / (5 * 2)); the
    # tie goes to the more popular item (mug: 3 baskets).  pen: 2 * 6 / (5 * 3) = 0.8.
    assert lists["bag"][0] == ("mug", pytest.approx(1.2))
    assert dict(lists["bag"]) == pytest.approx({"mug": 1.2, "saucer": 1.2, "ink": 1.2, "pen": 0.8})
    assert lists["bag"][-1][0] == "pen"


def test_pairs_below_min_support_are_dropped_and_lists_cut_to_n():
    lists = lists_of(Cosine(min_support=3), n=1)
    # Only bag-mug (3 baskets) and bag-pen... pen with bag: o3, o4 = 2 < 3.
    assert lists == {"mug": [("bag", pytest.approx(3 / math.sqrt(15)))],
                     "bag": [("mug", pytest.approx(3 / math.sqrt(15)))]}


def test_chunks_bounded_by_items_or_candidate_pairs_give_the_same_lists():
    pairs = BASKETS + [("o7", f"x{k}") for k in range(20)]  # a big basket of 20 items
    whole = lists_of(Lift(min_support=1), pairs, n=30)
    assert lists_of(Lift(min_support=1, chunk_size=2), pairs, n=30) == whole
    # Candidate pairs of an item: the items of every basket holding it, at most the catalogue
    # (bag 3 + 3 + 3 + 3 + 2 = 14, mug 8, saucer 6, pen 7, ink 6, each x 20).  With room for 13,
    # bag, mug and ink have a chunk each, saucer and pen share one, and so would x's of 13.
    G, items = groups(pairs)
    measure = Lift(min_support=1, max_chunk_pairs=13).fit(G)
    chunks = measure.chunks()
    assert chunks[:4] == [(0, 1), (1, 2), (2, 4), (4, 5)]
    assert chunks[4:] == [(k, k + 1) for k in range(5, 25)]
    assert ranked(measure, items, 30) == whole


def test_catalogue_similarity_prefers_shared_words_and_categories():
    products = [
        (1, "Red heart lantern", [10]),
        (2, "White heart lantern", [10]),
        (3, "Red retro notebook", [20]),
        (4, "Blue notebook", [20]),
        (5, "Zebra", []),
    ]
    lists = catalogue_similarity(products, n=3)
    assert lists[1][0][0] == 2  # two words and the category in common
    assert lists[4][0][0] == 3  # "notebook" and the category
    assert 5 not in lists  # shares nothing with anything
    assert all(other != 5 for ranked in lists.values() for other, _ in ranked)
    assert all(0 < score <= 1 + 1e-9 for ranked in lists.values() for _, score in ranked)
    assert lists == catalogue_similarity(products, n=3, chunk_size=2)


def test_tokens_are_lower_case_words_without_numbers():
    assert tokens("SET/3 RED Spotty 12cm Mugs") == ["set", "red", "spotty", "cm", "mugs"]


def test_ranked_lists_are_arrays_that_read_as_a_mapping():
    lists = lists_of(Cosine(min_support=2))
    # Two arrays, not a Python tuple per listed item.
    assert lists.codes.shape == lists.scores.shape == (5, 10)
    assert set(lists) == {"bag", "mug", "saucer", "pen", "ink"} and len(lists) == 5
    assert lists["saucer"][0] == ("mug", pytest.approx(2 / math.sqrt(6)))
    assert dict(lists.items()) == {name: lists[name] for name in lists}
    with pytest.raises(KeyError):
        lists["teapot"]
    alone = lists_of(Cosine(min_support=3))  # only bag and mug share 3 baskets
    assert set(alone) == {"bag", "mug"} and "pen" not in alone
