"""The demo stock-level rule of inventory_forecast.demo."""

import math

from inventory_forecast.demo import LOW_STOCK_SHARE, OUT_OF_STOCK_SHARE, demo_stock_level


def test_same_sku_and_seed_give_the_same_level():
    assert demo_stock_level("85123A", 40.0, seed=7) == demo_stock_level("85123A", 40.0, seed=7)


def test_level_follows_the_documented_draw():
    levels = [demo_stock_level(f"{code:05d}", 10.0, seed=7) for code in range(2000)]
    assert all(threshold == 20 for _stock, threshold in levels)  # ceil(2 weeks x 10)
    # Out of stock, or 0.25 to 16 weeks of 10 a week in whole units: 2 (2.5 rounded) to 160.
    stocked = [stock for stock, _threshold in levels if stock]
    assert all(2 <= stock <= 160 for stock in stocked)
    assert min(stocked) <= 3 and max(stocked) >= 155  # the bands reach both ends
    # Another seed draws other levels for almost every SKU.
    other = [demo_stock_level(f"{code:05d}", 10.0, seed=8) for code in range(2000)]
    assert sum(a != b for a, b in zip(levels, other)) > 0.9 * len(levels)


def test_no_recent_demand_means_no_threshold():
    levels = [demo_stock_level(str(code), 0.0, seed=1) for code in range(200)]
    assert all(threshold is None for _stock, threshold in levels)
    assert all(0 <= stock <= 48 for stock, _threshold in levels)


def test_shares_of_out_of_stock_and_low_stock_over_many_skus():
    weekly = 12.0
    levels = [demo_stock_level(f"{code:05d}", weekly, seed=3) for code in range(20000)]
    out = sum(1 for stock, _ in levels if stock == 0) / len(levels)
    low = sum(1 for stock, threshold in levels if 0 < stock < threshold) / len(levels)
    assert math.isclose(out, OUT_OF_STOCK_SHARE, abs_tol=0.01)
    # Low = under two weeks of cover: the 'low' band lies wholly below, the others above.
    assert math.isclose(low, LOW_STOCK_SHARE, abs_tol=0.015)
