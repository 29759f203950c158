"""Every registered forecaster on toy series; demand classes; combinations."""

import numpy as np
import pytest

from inventory_forecast import conf
from inventory_forecast.forecasters import Combination, build, classify
from inventory_forecast.forecasters.classification import demand_stats
from oscar_insights.registry import UnknownComponent

WEEKS = 104
TOYS = {
    "all zero": np.zeros(WEEKS),
    "one sale": np.r_[np.zeros(WEEKS - 10), 5.0, np.zeros(9)],
    "trend": np.arange(1, WEEKS + 1, dtype=float),
    "seasonal": 10 + 5 * np.sin(2 * np.pi * np.arange(WEEKS) / 52),
}
NAMES = list(conf.DEFAULTS["FORECASTERS"])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("toy", list(TOYS))
def test_every_forecaster_fits_and_predicts_toy_series(name, toy):
    y = TOYS[toy]
    model = build(name)
    assert model.fit(y) is model
    mean = np.asarray(model.predict(4)["mean"])
    assert mean.shape == (4,)
    assert np.all(np.isfinite(mean))
    if toy == "all zero":
        assert np.allclose(mean, 0.0)
    if toy == "one sale":  # a single sale long ago: a small forecast, never above the sale
        assert np.all(mean <= 5.0 + 1e-9)
    if toy == "trend" and name in ("naive", "auto_ets"):
        assert mean[0] >= WEEKS - 1e-6  # at least the last value
    if toy == "seasonal" and name == "seasonal_naive":
        assert np.allclose(mean, y[WEEKS - 52 : WEEKS - 48])


def test_classification_by_adi_and_cv2():
    # Demand every period, steady sizes: smooth.  ADI = 4/4 = 1, CV² = 0.
    assert classify([3, 3, 3, 3]) == "smooth"
    # Every period, sizes 1 and 9: CV² = (4/5)² = 0.64 -> erratic.
    assert demand_stats([1, 9, 1, 9]) == (1.0, pytest.approx(0.64))
    assert classify([1, 9, 1, 9]) == "erratic"
    # One period in two (ADI 2), steady sizes: intermittent; varying sizes: lumpy.
    assert classify([0, 4, 0, 4, 0, 4]) == "intermittent"
    assert classify([0, 1, 0, 9, 0, 1]) == "lumpy"
    assert demand_stats([0, 0]) == (float("inf"), 0.0)
    assert demand_stats([np.nan, 2, 2]) == (1.0, 0.0)  # missing periods are ignored


def test_combination_is_the_weighted_mean_of_its_members():
    y = np.array([1, 2, 3, 4, 8], dtype=float)
    naive, average = build("naive"), build("historic_average")
    combined = Combination([(naive, 3.0), (average, 1.0)]).fit(y).predict(2)["mean"]
    assert np.allclose(combined, 0.75 * 8 + 0.25 * 3.6)
    with pytest.raises(ValueError, match="at least one member"):
        Combination([])
    with pytest.raises(UnknownComponent, match="Unknown forecaster 'magic'"):
        build("magic")
