"""
Safety stock calibrated on backtest errors (:mod:`.backtesting`): errors divided by each SKU's
scale are pooled per demand class, and the safety stock of a SKU is its class's quantile times
its scale today.  Too few errors (a young shop): the textbook formula
(:func:`replenishment.textbook_safety_stock`).  Pure numpy; no ORM.
"""

from typing import NamedTuple

import numpy as np

from . import forecasters, replenishment


class Calibration(NamedTuple):
    """What :func:`calibrate` found."""

    quantiles: dict | None  # per demand class and "*"; None: too few errors (textbook)
    level: float  # the quantile level used
    # Out of sample: share of SKUs whose latest window the older windows' quantiles (at
    # ``level``) did not cover; None without such a window.
    checked_stockout_share: float | None


def calibrate(backtest, service_level, window="lead", origins=None, min_pool=30, step=0.005,
              ceiling=0.995):
    """
    A :class:`Calibration` for a service level, from the ``window`` ("lead" or
    "protection") backtests of ``backtest``: errors (actual − forecast total) divided by each
    SKU's :func:`error_scale` are pooled per demand class (a class with fewer than
    ``min_pool`` errors uses all classes' pool, key ``"*"``).

    The level is chosen first, on the past: quantiles of the *inner* windows at a level
    starting from ``service_level`` and raised by ``step`` (at most ``ceiling``) until the most
    recent window, which none of them overlaps, stocks out no more often than the target
    allows (demand drifts; the textbook normal safety stock promises 5 % and delivers about
    25 % on lumpy demand).  The quantiles returned are those of the *recent* windows at that
    level: the errors closest to the weeks being planned.  No quantiles when there are fewer
    than ``min_pool`` errors in all: the caller falls back to the textbook formula.
    """
    predicted = getattr(backtest, f"{window}_predicted")
    actual = getattr(backtest, f"{window}_actual")
    scale = getattr(backtest, f"{window}_window_scale")
    origins = origins or predicted.shape[1] // 2
    errors = (actual - predicted) / scale
    classes = backtest.demand_class

    def quantiles(columns, level):
        pool = errors[:, columns]
        everything = pool[np.isfinite(pool)]
        if len(everything) < min_pool:
            return None
        result = {"*": float(np.quantile(everything, level))}
        for name in forecasters.DEMAND_CLASSES:
            mine = pool[classes == name]
            mine = mine[np.isfinite(mine)]
            result[name] = float(np.quantile(mine, level)) if len(mine) >= min_pool \
                else result["*"]
        return result

    recent, inner = slice(0, origins), slice(origins, 2 * origins)
    check = np.isfinite(errors[:, 0])
    level, misses = service_level, None
    while check.any():
        q = quantiles(inner, level)
        if q is None:
            break
        cover = np.maximum([q[c] for c in classes[check]], 0)
        misses = float(np.mean(errors[check, 0] > cover + 1e-9))
        if misses <= 1 - service_level + 1e-12 or level >= ceiling:
            break
        level = min(round(level + step, 6), ceiling)
    return Calibration(quantiles(recent, level), level, misses)


def safety_stocks(backtest, quantiles, service_level, window="lead"):
    """
    Per SKU: the safety stock over its ``window`` (periods): its class's quantile (from
    :func:`calibrate`) times its error scale; without quantiles (too little history anywhere)
    the textbook ``z · σ · √periods`` with σ² = half the RMSSE scale (a one-step difference of
    independent demands has twice their variance).
    """
    scale = getattr(backtest, f"{window}_scale")
    if quantiles is None:
        return replenishment.textbook_safety_stock(np.sqrt(backtest.rmsse_scale / 2),
                                                   getattr(backtest, window), service_level)
    return np.maximum([quantiles[c] for c in backtest.demand_class], 0) * scale

