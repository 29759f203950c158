"""A forecast chunk's backtest as stored between the chunk's task and the run's calibration."""

import numpy as np

from inventory_forecast import backtesting, chunks


def test_chunks_cover_every_record_once_and_a_small_last_one_joins_the_one_before():
    assert chunks.chunk_bounds(9, 4) == [(0, 4), (4, 9)]  # 1 left over: under half of 4
    assert chunks.chunk_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]  # 2: half, a chunk
    assert chunks.chunk_bounds(11, 4) == [(0, 4), (4, 8), (8, 11)]
    assert chunks.chunk_bounds(0, 4) == []


def test_a_stored_backtest_reads_back_equal_and_concatenates_like_the_original():
    rng = np.random.default_rng(3)
    X = rng.poisson(rng.gamma(1.0, 2.0, size=(40, 1)), size=(40, 60)).astype(float)
    X[:5, :30] = np.nan  # young SKUs
    first = backtesting.forecast_panel(list(range(20)), X[:20], "learnt_combination", 8, 2, 3, 4)
    second = backtesting.forecast_panel(list(range(20, 40)), X[20:], "learnt_combination", 8, 2,
                                        3, 4)
    stored = [backtesting.Backtest.from_bytes(part.to_bytes()) for part in (first, second)]
    original = backtesting.Backtest.concat([first, second])
    again = backtesting.Backtest.concat(stored)
    assert again.keys == original.keys == list(range(40))
    for name in backtesting.Backtest.ARRAYS:
        np.testing.assert_array_equal(getattr(again, name), getattr(original, name))
    for group in ("accuracy", "totals"):
        assert set(getattr(again, group)) == set(getattr(original, group))
        for name, values in getattr(original, group).items():
            np.testing.assert_array_equal(getattr(again, group)[name], values)
    assert all(isinstance(c, str) for c in again.demand_class)
