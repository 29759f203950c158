"""Replenishment maths against hand-computed values."""

import math
from datetime import date

import pytest

from inventory_forecast import replenishment as r

TODAY = date(2026, 11, 23)


def test_safety_stock_reorder_point_and_order_up_to():
    # 10 units a day, lead time 7 days, review every 14 days.
    # Lead-time demand mean 70, its 95 % quantile 95 -> safety 25, reorder point 95.
    assert r.safety_stock(95, 70) == 25
    assert r.safety_stock(60, 70) == 0  # a quantile below the mean holds no safety stock
    assert r.reorder_point(10, 7, 25) == 95
    # Protection interval 21 days: mean 210, safety 40 -> up to 250.
    assert r.order_up_to(10, 7, 14, 40) == 250


def test_textbook_safety_stock_is_z_sigma_root_periods():
    assert r.textbook_safety_stock(10, 1, 0.95) == pytest.approx(1.644854 * 10, abs=1e-4)
    assert r.textbook_safety_stock(10, 4, 0.95) == pytest.approx(1.644854 * 10 * 2, abs=1e-4)
    assert r.textbook_safety_stock(0, 4, 0.95) == 0
    assert list(r.textbook_safety_stock([10, 20], [1, 9], 0.5)) == [0, 0]  # z(0.5) = 0


def test_orders_are_whole_packs_and_at_least_the_minimum():
    assert r.round_order(0) == 0
    assert r.round_order(-5, 12) == 0
    assert r.round_order(13, 12) == 24
    assert r.round_order(24, 12) == 24
    assert r.round_order(5, 1, minimum=10) == 10
    assert r.round_order(5, 4, minimum=10) == 12  # the minimum, in whole packs
    # Position 80 <= reorder point 95: order up to 250 -> 170, in packs of 25 -> 175.
    assert r.suggested_order(80, 95, 250, pack_size=25) == 175
    assert r.suggested_order(96, 95, 250) == 0  # above the reorder point: nothing yet


def test_cover_stockout_date_and_lost_sales():
    assert r.days_of_cover(45, 10) == 4.5
    assert r.days_of_cover(0, 10) == 0
    assert r.days_of_cover(5, 0) == math.inf
    assert r.stockout_date(TODAY, 4.5) == date(2026, 11, 27)
    assert r.stockout_date(TODAY, math.inf) is None
    assert r.stockout_date(TODAY, 1e12) is None  # beyond ten years: not a date to act on
    # Scenarios 50, 70, 90, 110 against 80 in stock: shortages 0, 0, 10, 30 -> 10.
    assert r.expected_shortage(80, [50, 70, 90, 110]) == 10
    # Normal loss at z = 0: sd * phi(0) = 10 * 0.398942.
    assert r.expected_shortage_normal(70, 70, 10) == pytest.approx(3.98942, abs=1e-4)
    assert r.expected_shortage_normal(50, 70, 0) == 20


@pytest.mark.parametrize(
    ("available", "on_order", "expected"),
    [
        (0, 500, r.OUT_OF_STOCK),
        (60, 500, r.STOCKOUT_BEFORE_DELIVERY),  # 6 days of cover, lead time 7
        (90, 0, r.REORDER_NOW),  # position 90 <= reorder point 95
        (200, 0, r.REORDER_SOON),  # 200 - 14 days x 10 = 60 <= 95
        (300, 0, r.OK),
    ],
)
def test_risk_status(available, on_order, expected):
    result = r.plan(TODAY, available, mean_daily=10, lead_time_days=7, review_days=14,
                    lead_quantile=95, protection_quantile=250, on_order=on_order)
    assert result.risk == expected


def test_plan_puts_it_together():
    result = r.plan(TODAY, available=80, mean_daily=10, lead_time_days=7, review_days=14,
                    lead_quantile=95, protection_quantile=250, pack_size=25,
                    lead_scenarios=[50, 70, 90, 110])
    assert result.safety_stock == 25
    assert result.reorder_point == 95
    assert result.order_up_to == 250  # 210 + (250 - 210)
    assert result.suggested_order == 175
    assert result.days_of_cover == 8
    assert result.stockout_date == date(2026, 12, 1)
    assert result.expected_lost_sales == 10
    assert result.risk == r.REORDER_NOW


def test_a_quantile_moves_to_a_longer_lead_time_and_a_higher_service_level():
    from statistics import NormalDist

    from inventory_forecast.replanning import rescale

    # 2 units a day over 14 days: mean 28, safety 12.  Over 56 days: mean 112, safety 12 x 2.
    assert rescale(40, 2, 14, 56, 0.95, 0.95) == pytest.approx(112 + 24)
    z95, z99 = NormalDist().inv_cdf(0.95), NormalDist().inv_cdf(0.99)
    assert rescale(40, 2, 14, 14, 0.95, 0.99) == pytest.approx(28 + 12 * z99 / z95)
    assert rescale(20, 2, 14, 7, 0.95, 0.95) == pytest.approx(14)  # no safety stock: none
