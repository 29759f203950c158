"""Forecast-accuracy breaks (backtesting.breaks) on hand-made weekly series."""

import numpy as np
import pytest

from inventory_forecast.backtesting import breaks, forecast_panel

WEEKS = 30


def panel(*last_two):
    """Series of 10 a week whose last two weeks are ``last_two[i]``, backtested with a lead
    time of two weeks."""
    X = np.full((len(last_two), WEEKS), 10.0)
    X[:, -2:] = np.asarray(last_two, dtype=float)
    return forecast_panel(list(range(len(last_two))), X, "window_average", 8, 2, 3, 4)


def test_a_window_beyond_the_bands_and_the_minimum_breaks_either_way():
    backtest = panel((10, 10), (40, 40), (0, 0), (14, 13))
    result, forecast, demand = breaks(backtest, np.full(4, 5.0), bands=2.0, min_units=5)
    assert forecast == pytest.approx([20, 20, 20, 20])
    assert demand.tolist() == [20, 80, 0, 27]
    # 80 is 60 above (over 2 x 5 = 10); 0 is 20 below; 27 is only 7 above: within 2 x 5.
    assert result.tolist() == ["", "above", "below", ""]


def test_the_minimum_units_and_zero_bands_hold_breaks_back():
    backtest = panel((40, 40), (0, 0))
    # 60 above and 20 below: a minimum of 61 units stops both, 21 only the drop.
    assert breaks(backtest, np.zeros(2), 2.0, min_units=61)[0].tolist() == ["", ""]
    assert breaks(backtest, np.zeros(2), 2.0, min_units=21)[0].tolist() == ["above", ""]
    assert breaks(backtest, np.zeros(2), 0, min_units=1)[0].tolist() == ["", ""]


def test_a_history_too_short_for_the_window_never_breaks():
    X = np.full((1, 3), np.nan)
    X[0, -1] = 500.0
    backtest = forecast_panel([1], X, "window_average", 8, 2, 3, 4)
    result, forecast, demand = breaks(backtest, np.zeros(1), 2.0, 5)
    assert result.tolist() == [""] and np.isnan(forecast[0])
