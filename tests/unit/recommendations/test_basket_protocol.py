"""The basket protocol ("bought together", leave-one-out within baskets) and the association
measures, against hand-computed values."""

import math
from datetime import datetime

import numpy as np
import pytest
import scipy.sparse as sp
from django.test import override_settings

from recommendations import measures
from recommendations.evaluation import (
    basket_holdout,
    basket_metrics,
    fill_with_popular,
    validation_baskets,
)
from recommendations.selection import tune_measure

# Catalogue a, b, c, d = columns 0, 1, 2, 3.
A, B, C, D = range(4)


def matrix(baskets, size=4):
    rows = [r for r, items in enumerate(baskets) for _ in items]
    cols = [i for items in baskets for i in items]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(baskets), size))


def test_basket_metrics_by_hand():
    lists = np.array([[B, C], [A, D], [D, A], [B, -1]])  # d's list is short
    test = matrix([[A, B], [A, C, D]])
    counts = np.array([4, 2, 2, 2])
    m = basket_metrics(lists, test, counts, k=2, rare_below=3)
    # (s1, a): others {b}, list b c -> 1 hit / min(1, 2); (s1, b): {a} in a d -> 1 / 1;
    # (s2, a): {c, d} in b c -> 1 / 2; (s2, c): {a, d} in d a -> 2 / 2; (s2, d): {a, c} in b -> 0.
    assert m["pairs"] == 5 and m["baskets"] == 2
    assert m["hit_rate"] == pytest.approx(4 / 5)
    assert m["recall"] == pytest.approx((1 + 1 + 0.5 + 1 + 0) / 5)
    # Listed: b c | a d | d a | b: 7 items, 5 of them (b, c, d, d, b) bought < 3 times.
    assert m["rare_share"] == pytest.approx(5 / 7)


def test_recall_divides_by_k_when_the_basket_has_more_other_items():
    lists = np.array([[B, C], [A, C], [A, B], [A, B]])
    m = basket_metrics(lists, matrix([[A, B, C, D]]), np.ones(4), k=2)
    # Every list holds 2 of the 3 other items: 2 / min(3, 2) = 1 for each of the 4 pairs.
    assert m["recall"] == pytest.approx(1.0)
    m = basket_metrics(lists, matrix([[A, B, C, D]]), np.ones(4), k=1)
    assert m["recall"] == pytest.approx(1.0) and m["hit_rate"] == 1.0
    m = basket_metrics(np.array([[D], [D], [D], [C]]), matrix([[A, D]]), np.ones(4), k=1)
    assert m["hit_rate"] == pytest.approx(1 / 2)  # a lists d (a hit), d lists c (a miss)


def test_lists_are_filled_by_popularity_never_with_the_item_itself():
    counts = np.array([4, 2, 2, 3])  # popularity order a, d, b, c
    filled = fill_with_popular(np.array([[B, -1], [-1, -1], [A, D], [-1, -1]]), counts, k=3)
    assert filled.tolist() == [[B, D, C], [A, D, C], [A, D, B], [A, B, C]]


def test_basket_holdout_splits_dates_and_drops_small_test_baskets():
    day = lambda d: datetime(2011, 1, d, 10)
    lines = [
        ("o1", "a", day(1)), ("o1", "b", day(1)),
        ("o2", "a", day(5)), ("o2", "c", day(5)), ("o2", "c", day(5)),  # same item twice
        ("g3", "d", day(8)),  # a guest basket counts like any other
        (None, "b", day(8)),  # no basket: skipped
        ("o4", "a", day(10)), ("o4", "x", day(10)),  # x unseen in train: only 1 catalogue item
        ("o5", "a", day(11)), ("o5", "d", day(11)), ("o5", "x", day(11)),
    ]
    h = basket_holdout(lines)
    # t0 Jan 1 10:00, t1 Jan 11 10:00: 0.9 of the way is Jan 10 10:00, floored to midnight.
    assert h.split == datetime(2011, 1, 10)
    assert h.catalogue == ["a", "b", "c", "d"]
    assert h.train.toarray().tolist() == [[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]]
    assert h.test.toarray().tolist() == [[1, 0, 0, 1]]  # o5 only
    assert h.ages == pytest.approx([9 - 10 / 24, 5 - 10 / 24, 2 - 10 / 24])
    assert h.counts.tolist() == [2, 1, 1, 1]
    # A given split is used as it is; the validation split lies inside the training period.
    assert basket_holdout(lines, datetime(2011, 1, 6)).test.shape[0] == 0  # g3 has 1 item
    validation = validation_baskets(lines, h)
    assert validation.split == datetime(2011, 1, 7)  # Jan 1 + 0.9 * 7 days, floored
    assert validation.catalogue == ["a", "b", "c"]


# Train baskets of the measures' toy: b1 {a, b, c} today, b2 {a, b} 10 days old,
# b3 {a, d} today, b4 {c, d} 20 days old.  n_a = 3, n_b = n_c = n_d = 2, N = 4.
GROUPS = matrix([[A, B, C], [A, B], [A, D], [C, D]])
AGES = np.array([0.0, 10.0, 0.0, 20.0])


def test_recent_co_occurrence_by_hand():
    measure = measures.RecentCoOccurrence(half_life_days=10, size_exponent=1.0,
                                          rarity_shrinkage=2.0, min_support=1)
    items, scores = measure.fit(GROUPS, AGES).top_n(3)
    # Basket weights: b1 1/2 (3 items), b2 1 * 0.5 (10 days), b3 1, b4 1 * 0.25 (20 days).
    # a: w_ab = 0.5 + 0.5 = 1, w_ac = 0.5, w_ad = 1; shrinkage n / (n + 2) = 1/2 for b, c, d.
    # b and d tie at 0.5 and are equally popular: the lower index first.
    assert items[A].tolist() == [B, D, C]
    assert scores[A] == pytest.approx([0.5, 0.5, 0.25])
    # b: w_ba = 1 times 3 / (3 + 2), w_bc = 0.5 times 1/2; nothing else.
    assert items[B].tolist() == [A, C, -1]
    assert scores[B] == pytest.approx([0.6, 0.25, 0.0])
    # d: w_da = 1 * 3/5 = 0.6, w_dc = 0.25 * 1/2 = 0.125.
    assert scores[D][:2] == pytest.approx([0.6, 0.125])
    # At support 2 only a-b (2 common baskets) is left; c and d have no list at all.
    items, scores = measures.RecentCoOccurrence(10, 1.0, 2.0, min_support=2).fit(
        GROUPS, AGES).top_n(2)
    assert items.tolist() == [[B, -1], [A, -1], [-1, -1], [-1, -1]]


def test_recent_co_occurrence_without_its_parameters_is_the_co_occurrence_count():
    plain = measures.RecentCoOccurrence(None, 0.0, 0.0, min_support=1).fit(GROUPS, AGES).top_n(3)
    count = measures.CoOccurrence(min_support=1).fit(GROUPS).top_n(3)
    assert plain[0].tolist() == count[0].tolist()
    assert plain[1] == pytest.approx(count[1])
    # Ties go to the more popular item: a's count is 2 with b, 1 with c and d (c before d).
    assert count[0][A].tolist() == [B, C, D]
    assert count[0][C].tolist() == [A, B, D]  # all 1: a (3 baskets) first, then b before d
    # a shares one basket with b and with c; c is in 3 baskets, b in 1: c first.
    ties = measures.CoOccurrence(min_support=1).fit(matrix([[A, B, C], [C, D], [C]])).top_n(2)
    assert ties[0][A].tolist() == [C, B]


def test_reference_measures_by_hand():
    items, scores = measures.Lift(min_support=1).fit(GROUPS).top_n(3)
    # lift(b, a) = 2 * 4 / (2 * 3) = 4/3, lift(b, c) = 1 * 4 / (2 * 2) = 1.
    assert items[B].tolist()[:2] == [A, C] and scores[B][:2] == pytest.approx([4 / 3, 1.0])
    items, scores = measures.Cosine(min_support=1).fit(GROUPS).top_n(3)
    assert scores[B][0] == pytest.approx(2 / math.sqrt(6))
    items, scores = measures.SharedCosine(min_support=1).fit(GROUPS).top_n(3)
    # w_ab = 1/2 (b1, 3 items) + 1 (b2) over sqrt(3 * 2).
    assert items[B][0] == A and scores[B][0] == pytest.approx(1.5 / math.sqrt(6))
    # G² of b with a: table [[2, 0], [1, 1]] (b and a, b not a; a not b, neither).
    table = np.array([[2, 0], [1, 1]], dtype=float)
    rows, cols, n = table.sum(1), table.sum(0), table.sum()
    g2 = 2 * sum(table[r, c] * math.log(table[r, c] * n / (rows[r] * cols[c]))
                 for r in range(2) for c in range(2) if table[r, c])
    items, scores = measures.LogLikelihood(min_support=1).fit(GROUPS).top_n(3)
    assert items[B][0] == A and scores[B][0] == pytest.approx(g2)
    # b and c share 1 basket where chance expects 2 * 2 / 4 = 1: no positive association.
    assert C not in items[B].tolist()
    assert (measures.Popularity().fit(GROUPS).top_n(3)[0] == -1).all()


@pytest.mark.parametrize("name", sorted(measures.measures.entries()))
def test_every_registered_measure_lists_others_best_first(name):
    items, scores = measures.build(name).fit(GROUPS, AGES).top_n(3)
    for r, (row, values) in enumerate(zip(items, scores)):
        assert r not in row.tolist()
        listed = values[row >= 0]
        assert (listed > 0).all() and (np.diff(listed) <= 1e-12).all()


def test_min_support_none_reads_the_setting():
    with override_settings(RECOMMENDATIONS_MIN_SUPPORT=2):
        items, _ = measures.CoOccurrence().fit(GROUPS).top_n(3)
    assert items.tolist() == [[B, -1, -1], [A, -1, -1], [-1, -1, -1], [-1, -1, -1]]


def test_ranked_names_the_lists_and_leaves_out_items_without_one():
    measure = measures.CoOccurrence(min_support=2).fit(GROUPS)
    assert measures.ranked(measure, ["a", "b", "c", "d"], 5) == {
        "a": [("b", 2.0)], "b": [("a", 2.0)]}


def test_tuning_keeps_the_best_recall_among_settings_listing_no_more_rarities():
    from recommendations.evaluation import BasketHoldOut

    # The toy plus a second old {c, d}: without decay d's top 1 is c (2 baskets against 1 with
    # a); with a 10-day half-life c-d weighs 0.25 + 0.25 and a-d 1, so d lists a.  a lists b
    # either way (2 baskets; decayed 1 + 0.5 against 1 for c and d).
    groups = matrix([[A, B, C], [A, B], [A, D], [C, D], [C, D]])
    ages = np.array([0.0, 10.0, 0.0, 20.0, 20.0])
    validation = BasketHoldOut(datetime(2011, 1, 1), list("abcd"), groups,
                               matrix([[A, D]]), ages)
    grid = {"half_life_days": [None, 10.0]}
    entries = {"recent": {"class": "recommendations.measures.RecentCoOccurrence",
                          "params": {"min_support": 1, "size_exponent": 0.0,
                                     "rarity_shrinkage": 0.0}, "tune": grid}}
    with override_settings(RECOMMENDATIONS_RELATED_MEASURES=entries):
        params, tried = tune_measure("recent", validation, k=1)
    # (basket, a): b listed, a miss; (basket, d): c (miss) undecayed, a (hit) decayed.
    recalls = {p["half_life_days"]: m["recall"] for p, m in tried}
    assert recalls == {None: 0.0, 10.0: 0.5}
    assert params == {"half_life_days": 10.0}
    # Every item here is bought < 10 times: both settings list as many rarities as raw
    # co-occurrence does (all), so both were allowed.
    assert all(m["rare_share"] == 1.0 for _p, m in tried)


def test_an_unregistered_bought_together_measure_is_a_system_check_error():
    from recommendations.checks import check_related_measure_settings

    assert check_related_measure_settings(None) == []
    with override_settings(RECOMMENDATIONS_BOUGHT_TOGETHER_MEASURE="magic"):
        errors = check_related_measure_settings(None)
    assert [e.id for e in errors] == ["recommendations.E006"]
    assert "'magic' is not in RECOMMENDATIONS_RELATED_MEASURES" in errors[0].msg
