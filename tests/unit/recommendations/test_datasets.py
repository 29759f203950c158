"""Events -> confidences -> ratings, against hand-computed values."""

from datetime import datetime, timedelta, timezone

import pytest

from recommendations.datasets import confidences, ratings

NOW = datetime(2011, 12, 9, tzinfo=timezone.utc)
WEIGHTS = {"view": 1.0, "basket_add": 4.0, "purchase": 8.0}


def ago(days):
    return NOW - timedelta(days=days)


def test_confidence_weights_and_halves_with_age():
    events = [
        ("u1", "a", "view", ago(0)),       # 1
        ("u1", "a", "purchase", ago(90)),  # 8 * 0.5 = 4
        ("u1", "a", "basket_add", ago(180)),  # 4 * 0.25 = 1
        ("u1", "b", "search", ago(0)),     # no weight: ignored
        ("u2", None, "view", ago(0)),      # no item: ignored
        ("u2", "b", "view", ago(45)),      # 0.5 ** 0.5
    ]
    result = confidences(events, NOW, WEIGHTS, half_life_days=90)
    assert result == pytest.approx({("u1", "a"): 6.0, ("u2", "b"): 2 ** -0.5})


def test_future_events_count_as_now():
    assert confidences([("u", "a", "view", NOW + timedelta(days=3))], NOW, WEIGHTS, 90) == {("u", "a"): 1.0}


def test_ratings_saturate_around_the_median_and_blend_reviews():
    confidence = {("u1", "a"): 1.0, ("u1", "b"): 3.0, ("u2", "a"): 9.0}  # median k = 3
    reviews = {("u1", "a"): 5, ("u3", "c"): 2}
    result = ratings(confidence, reviews, scale=(1, 5), review_weight=0.5)
    # implicit = 1 + 4 * c / (c + 3)
    assert result[("u1", "b")] == pytest.approx(3.0)           # the median maps to mid-scale
    assert result[("u2", "a")] == pytest.approx(1 + 4 * 9 / 12)  # 4.0
    assert result[("u1", "a")] == pytest.approx(0.5 * (1 + 4 * 1 / 4) + 0.5 * 5)  # 3.5
    assert result[("u3", "c")] == 2.0                          # a review alone
    # No other pair: every rating is one of the four above, so all lie on the 1-5 scale.
    assert set(result) == {("u1", "a"), ("u1", "b"), ("u2", "a"), ("u3", "c")}
    # The map saturates: a confidence far above the median stays just under the top.
    huge = ratings({("u", "a"): 1.0, ("v", "a"): 1.0, ("u", "b"): 1e3}, scale=(1, 5))[("u", "b")]
    assert huge == pytest.approx(1 + 4 * 1e3 / (1e3 + 1)) and huge < 5  # median k = 1: 4.996
