"""ABC classes by revenue share and revenue at risk (pure functions)."""

import pytest

from inventory_forecast.valuation import abc_classes, revenue_at_risk


def test_classes_go_by_the_share_of_revenue_each_key_starts_in():
    # 1,000 in all: 500 starts at 0 % (A), 300 at 50 % (A), 120 at 80 % (B), 50 at 92 % (B),
    # 30 at 97 % (C); nothing sold: C.
    revenue = {"a": 120, "b": 500, "c": 30, "d": 300, "e": 50, "f": 0}
    assert abc_classes(revenue, (0.8, 0.95)) == {
        "b": "A", "d": "A", "a": "B", "e": "B", "c": "C", "f": "C"}


def test_a_single_best_seller_is_a_even_beyond_the_a_share():
    assert abc_classes({"x": 990, "y": 10}, (0.8, 0.95)) == {"x": "A", "y": "C"}


def test_a_shop_without_revenue_is_all_c():
    assert abc_classes({"x": 0, "y": 0}, (0.8, 0.95)) == {"x": "C", "y": "C"}
    assert abc_classes({}, (0.8, 0.95)) == {}


@pytest.mark.parametrize("lost, price, expected", [(3.5, 2.0, 7.0), (3.5, None, 0.0),
                                                   (0.0, 9.99, 0.0)])
def test_revenue_at_risk_prices_the_expected_lost_sales(lost, price, expected):
    assert revenue_at_risk(lost, price) == pytest.approx(expected)
