"""Vectorised level forecasts, their learnt combination, panel backtests and calibration."""

import numpy as np
import pytest

from inventory_forecast import backtesting, calibration
from inventory_forecast.forecasters import LearntCombination, levels

nan = np.nan


def test_align_pads_on_the_left():
    X = levels.align([[1, 2, 3], [5], []])
    assert np.array_equal(X, [[1, 2, 3], [nan, nan, 5], [nan, nan, nan]], equal_nan=True)


def test_robust_levels_by_hand():
    X = np.array([[nan, nan, 1, 2, 100, 0], [3, 3, 3, 3, 3, 3]], dtype=float)
    assert np.allclose(levels.window_median(X, 4), [1.5, 3])  # median of 1, 2, 100, 0
    # Without the single largest: mean of 0, 1, 2 (4 known); the steady row stays 3.
    assert np.allclose(levels.trimmed_mean(X, 6), [1, 3])
    assert np.allclose(levels.trimmed_mean(np.array([[nan, 4, 8]]), 3), [6])  # < 3 known
    # Nonzero median 2 (of 1, 2, 100): weeks above 5 × 2 are capped at 10.
    assert np.array_equal(levels.capped(X)[0], [nan, nan, 1, 2, 10, 0], equal_nan=True)


def test_ses_picks_the_smoothing_weight_with_the_smallest_one_step_error():
    # A step from 0 to 10: the faster the level follows, the smaller the error, so α = 0.99
    # and the level after three steps is 10 - 10·(1 - 0.99)³.
    assert levels.ses(np.array([[0, 10, 10, 10]], float)) == pytest.approx([10 - 10 * 0.01 ** 3])
    # One error of 4 whatever α (the level is still 4 when 8 comes): the first α (0.01) wins.
    assert levels.ses(np.array([[nan, 4, 4, 8]], float)) == pytest.approx([4 + 0.01 * 4])


def test_convex_weights_recover_the_mix_that_made_the_targets():
    rng = np.random.default_rng(1)
    members = rng.uniform(1, 20, size=(200, 2))
    targets = np.repeat((members @ [0.3, 0.7])[:, None], 8, axis=1)
    weights = levels.fit_convex(members, targets, np.ones(200))
    assert weights == pytest.approx([0.3, 0.7], abs=1e-3)
    assert weights.sum() == pytest.approx(1)


def test_learnt_combination_forecasts_every_row_of_a_panel():
    X = levels.align([[10.0] * 20, [0, 30, 0, 0, 0, 30, 0, 0] * 3, [0.0] * 12, []])
    model = LearntCombination().fit(X)
    mean = model.predict(3)["mean"]
    assert mean.shape == (4, 3)
    assert np.allclose(mean[0], 10) and np.allclose(mean[2], 0)
    # Every robust member but smoothing says 0 for the 30-every-fourth-week row (its medians
    # and the mean without the largest week): the combination lies between 0 and the SES level.
    assert 0 <= mean[1, 0] <= levels.ses(X[1:2])[0] + 1e-9
    assert np.isnan(mean[3]).all()  # no history, no forecast
    assert model.weights_.sum() == pytest.approx(1) and (model.weights_ >= 0).all()
    with pytest.raises(ValueError, match="Unknown or no members"):
        LearntCombination(members=("magic",))


def lumpy_panel(rows, weeks, seed):
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.0, 6.0, size=rows)
    return rng.negative_binomial(1, 1 / (1 + rate[:, None]), size=(rows, weeks)).astype(float)


def test_calibrated_safety_stock_keeps_its_service_level_on_unseen_weeks():
    Y = lumpy_panel(600, 70, seed=3)
    train, test = Y[:, :-8], Y[:, -8:]
    panel = backtesting.forecast_panel(list(range(600)), train, "learnt_combination", 8, 8, 8,
                                       origins=9)
    quantiles, level, checked = calibration.calibrate(panel, 0.95)
    assert checked <= 0.05  # the older windows' quantiles covered the latest window
    assert set(quantiles) == {"*", "smooth", "erratic", "intermittent", "lumpy"}
    assert 0.95 <= level <= 0.995
    safety = calibration.safety_stocks(panel, quantiles, 0.95)
    stockouts = np.mean(test.sum(axis=1) > panel.forecast.sum(axis=1) + safety)
    assert 0.02 <= stockouts <= 0.08
    # A lower target holds less stock.
    lower = calibration.calibrate(panel, 0.80).quantiles
    assert calibration.safety_stocks(panel, lower, 0.80).mean() < safety.mean()


def test_the_level_is_raised_when_the_latest_window_beats_the_older_ones():
    rows = 200
    panel = backtesting.forecast_panel(list(range(rows)), lumpy_panel(rows, 40, seed=4),
                                       "learnt_combination", 8, 2, 2, origins=4)
    steady_level = calibration.calibrate(panel, 0.9).level
    panel.lead_actual[:, 0] *= 3  # demand trebled in the latest window
    raised = calibration.calibrate(panel, 0.9).level
    assert raised > steady_level and raised <= 0.995


def test_vectorised_demand_classes_match_the_per_series_classification():
    from inventory_forecast.forecasters import DEMAND_CLASSES, classify

    rows = [[3, 3, 3, 3], [1, 9, 1, 9], [0, 4, 0, 4, 0, 4], [0, 1, 0, 9, 0, 1], [0, 0], [5]]
    X = levels.align(rows)
    assert [DEMAND_CLASSES[k] for k in levels.demand_classes(X)] == [classify(r) for r in rows]


def test_each_demand_class_learns_its_own_weights():
    # Smooth series whose future is their 4-week median, intermittent ones whose future is
    # their 6-week trimmed mean: each class's weights favour its own member.
    rng = np.random.default_rng(7)
    smooth = rng.poisson(20, size=(120, 30)).astype(float)
    smooth[:, -8:] = np.median(smooth[:, -12:-8], axis=1)[:, None]
    sparse = rng.poisson(30, size=(120, 30)) * (rng.random((120, 30)) < 0.3)
    sparse = sparse.astype(float)
    sparse[:, -8:] = levels.trimmed_mean(sparse[:, :-8], 6)[:, None]
    model = LearntCombination(fit_origins=1).fit(np.vstack([smooth, sparse]))
    members = model.members
    smooth_w, intermittent_w = model.class_weights_[0], model.class_weights_[2]
    assert smooth_w[members.index("median_4")] > 0.5
    assert intermittent_w[members.index("trimmed_mean_6")] > 0.5


def test_backtests_never_see_the_weeks_they_forecast():
    Y = lumpy_panel(120, 40, seed=5)
    before = backtesting.forecast_panel(list(range(120)), Y, "learnt_combination", 8, 2, 3,
                                        origins=4)
    Y[:, -2:] *= 10  # a shock in the last two weeks: after every backtest origin
    after = backtesting.forecast_panel(list(range(120)), Y, "learnt_combination", 8, 2, 3,
                                       origins=4)
    for name in ("lead_predicted", "protection_predicted", "lead_window_scale"):
        assert np.array_equal(getattr(before, name), getattr(after, name), equal_nan=True)
    assert (after.lead_actual[:, 0] >= before.lead_actual[:, 0]).all()
    assert (after.lead_actual[:, 0] > before.lead_actual[:, 0]).any()


def test_inner_windows_end_before_every_rows_latest_window_starts():
    # Each week's demand is its index, so a one-week window's actual names its week.
    weeks = 30
    X = np.tile(np.arange(weeks, dtype=float), (2, 1))
    panel = backtesting.forecast_panel(["1 week", "4 weeks"], X, "learnt_combination", 8,
                                       [1, 4], [1, 4], origins=3)
    assert list(panel.lead_actual[0]) == [29, 28, 27, 25, 24, 23]  # recent, then before 26
    # The 4-week row: recent windows end at 30, 29, 28; inner ones at 26, 25, 24.
    assert list(panel.lead_actual[1]) == [26 + 27 + 28 + 29, 25 + 26 + 27 + 28,
                                          24 + 25 + 26 + 27, 22 + 23 + 24 + 25,
                                          21 + 22 + 23 + 24, 20 + 21 + 22 + 23]
