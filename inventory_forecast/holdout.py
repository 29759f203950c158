"""
Forecast accuracy and inventory calibration: the hold-out protocol of ``docs/evaluation.md`` and
the baselines' textbook safety stock.  Pure functions over numpy arrays; no ORM.  (The engine's
rolling-origin backtests are :mod:`.backtesting`.)

* RMSSE (M5): ``sqrt(mean((y - f)^2) / scale)``, ``scale`` = mean squared one-step difference
  of the series' own history; reported as a mean over series and relative to Naive's.
* WAPE = sum |y - f| / sum y;  bias = (sum f - sum y) / sum y;  MAE = mean |y - f|.
* Calibration: a series *stocks out* in a window when demand over the window exceeds the
  forecast total plus the safety stock; the realised stock-out share should be near
  ``1 - service level``.
"""

import numpy as np

from . import replenishment
from .forecasters import levels


def holdout(series, h=8, min_history=8, min_selling=2):
    """
    ``[(key, train, test)]``: the last ``h`` periods of each series held out, for series with
    at least ``min_history`` periods and ``min_selling`` periods with demand before them.
    ``series``: ``{key: 1-d array}`` (or objects with ``.values``), missing values filled.
    """
    result = []
    for key, values in series.items():
        values = np.asarray(getattr(values, "values", values), dtype=float)
        train, test = values[:-h], values[-h:]
        if len(test) == h and len(train) >= min_history and (train > 0).sum() >= min_selling:
            result.append((key, train, test))
    return result


def accuracy(trains, tests, forecasts):
    """``{"rmsse", "wape", "bias", "mae", "series"}`` over series (RMSSE: mean of series)."""
    tests = np.asarray(tests, dtype=float)
    forecasts = np.asarray(forecasts, dtype=float)
    scale = levels.rmsse_scale(levels.align(trains))
    scale = np.where(scale > 0, scale, np.nan)  # a series that never changed: no RMSSE
    scores = np.sqrt(np.mean((tests - forecasts) ** 2, axis=1) / scale)
    total = tests.sum()
    return {
        "rmsse": float(np.nanmean(scores)),
        "wape": float(np.abs(tests - forecasts).sum() / total) if total else float("nan"),
        "bias": float((forecasts.sum() - total) / total) if total else float("nan"),
        "mae": float(np.abs(tests - forecasts).mean()),
        "series": int(np.sum(~np.isnan(scores))),
    }


def stockout_share(tests, forecasts, safety):
    """Share of series whose demand over the window exceeded forecast total + safety stock."""
    demand = np.asarray(tests, dtype=float).sum(axis=1)
    cover = np.asarray(forecasts, dtype=float).sum(axis=1) + np.asarray(safety, dtype=float)
    return float(np.mean(demand > cover + 1e-9))


def textbook_safety_stock(fitted_residuals, h, service_level=0.95):
    """The baseline's safety stock over ``h`` periods:
    :func:`replenishment.textbook_safety_stock` with σ = RMS of one-step in-sample residuals."""
    residuals = np.asarray(fitted_residuals, dtype=float)
    residuals = residuals[~np.isnan(residuals)]
    sigma = float(np.sqrt(np.mean(residuals ** 2))) if len(residuals) else 0.0
    return float(replenishment.textbook_safety_stock(sigma, h, service_level))
