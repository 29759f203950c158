"""Offline metrics and the temporal hold-out, against hand-computed values."""

import math
from datetime import datetime, timezone

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.algorithms.base import top_n_from_scores
from recommendations.evaluation import evaluate_lists, split_time, temporal_holdout, user_metrics


def test_user_metrics_by_hand():
    # Relevant {a, c, x}; list a b c d: hits at ranks 1 and 3.
    m = user_metrics(["a", "b", "c", "d"], {"a", "c", "x"}, k=4)
    assert m["recall"] == pytest.approx(2 / 3)
    dcg = 1 / math.log2(2) + 1 / math.log2(4)  # 1 + 0.5
    idcg = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["ndcg"] == pytest.approx(dcg / idcg)
    assert m["hit_rate"] == 1.0
    assert m["map"] == pytest.approx((1 / 1 + 2 / 3) / 3)


def test_only_the_first_k_count_and_ideal_is_capped_at_k():
    m = user_metrics(["b", "a"], {"a", "c", "d"}, k=1)
    assert m == {"recall": 0.0, "ndcg": 0.0, "hit_rate": 0.0, "map": 0.0}
    m = user_metrics(["a"], {"a", "c", "d"}, k=1)
    assert m["ndcg"] == 1.0 and m["map"] == 1.0 and m["recall"] == pytest.approx(1 / 3)


def test_user_without_relevant_items_is_an_error():
    with pytest.raises(ValueError, match="no relevant item"):
        user_metrics(["a"], set())


def test_evaluate_lists_averages_users_and_counts_coverage():
    result = evaluate_lists({"u1": ["a", "b"], "u2": ["b"]}, {"u1": {"a"}, "u2": {"c"}, "u3": {"a"}},
                            catalogue_size=4, k=2)
    assert result["users"] == 3
    assert result["hit_rate"] == pytest.approx(1 / 3)  # only u1 hits; u3 has no list
    assert result["ndcg"] == pytest.approx(1 / 3)
    assert result["coverage"] == pytest.approx(2 / 4)  # a and b shown


def t(day, hour=12):
    return datetime(2011, 1, day, hour, tzinfo=timezone.utc)


def test_split_is_floored_to_midnight():
    # 1 Jan 12:00 .. 11 Jan 12:00: 0.9 of 10 days = 10 Jan 12:00 -> 10 Jan 00:00.
    assert split_time([t(1), t(11)]) == datetime(2011, 1, 10, tzinfo=timezone.utc)


def test_holdout_protocols():
    purchases = [
        ("u1", "a", t(1), "1"), ("u1", "b", t(2), "2"),
        ("u2", "a", t(3), "3"),
        ("u3", "c", t(4), "4"),
        ("u1", "a", t(10, 13), "5"),  # repeat purchase in test
        ("u1", "c", t(10, 14), "5"),  # new item for u1
        ("u2", "z", t(11), "6"),      # item unseen in train: dropped
        ("u4", "a", t(11), "7"),      # no train purchase: not a test user
    ]
    h = temporal_holdout(purchases)
    assert h.catalogue == ["a", "b", "c"]
    assert h.relevant_all == {"u1": {"a", "c"}}
    assert h.relevant_new == {"u1": {"c"}}
    assert h.train_items["u1"] == {"a", "b"}


def test_top_n_is_vectorised_and_respects_exclusions():
    scores = np.array([[0.1, 0.9, 0.5, 0.3], [0.4, 0.2, 0.8, 0.6]])
    assert top_n_from_scores(scores, 2).tolist() == [[1, 2], [2, 3]]
    excluded = sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 1, 0]], dtype=bool))
    assert top_n_from_scores(scores, 2, excluded).tolist() == [[2, 3], [3, 0]]
    assert top_n_from_scores(scores, 10).shape == (2, 4)
