"""The demo stock-level rule of inventory_forecast.demo."""

import math
import random

from inventory_forecast.demo import LOW_STOCK_SHARE, OUT_OF_STOCK_SHARE, demo_stock_level


def test_same_sku_and_seed_give_the_same_level():
    assert demo_stock_level("85123A", 40.0, seed=7) == demo_stock_level("85123A", 40.0, seed=7)


def test_level_follows_the_documented_draw():
    for sku in ("20001", "20002", "85123A", "22423", "47566"):
        rng = random.Random(f"7:{sku}")
        u = rng.random()
        stock, threshold = demo_stock_level(sku, 10.0, seed=7)
        assert threshold == 20
        if u < OUT_OF_STOCK_SHARE:
            assert stock == 0
        elif u < OUT_OF_STOCK_SHARE + LOW_STOCK_SHARE:
            assert stock == round(10.0 * rng.uniform(0.25, 2.0))
        else:
            assert stock == round(10.0 * rng.uniform(2.0, 16.0))


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
