"""
Rolling-origin backtests of a panel of SKUs: the forecaster refitted on the history before each
origin, the errors of its forecast totals over each SKU's lead time and protection interval,
and per-SKU accuracy.  Pure numpy; no ORM.  (The hold-out table of ``forecast_backtest`` is
:mod:`.holdout`.)
"""

import io
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import forecasters
from .forecasters import levels


def error_scale(forecast_total, rmsse_scale_value, periods):
    """
    The scale dividing a SKU's backtest errors before they are pooled with other SKUs'.  It
    grows with the forecast and with the series' own period-to-period variation, but less than
    proportionally, so that the pooled quantile does not hand big sellers huge safety stocks.
    Vectorised: arrays in, array out.
    """
    spread = np.sqrt(periods * np.where(rmsse_scale_value > 0, rmsse_scale_value, 0.0))
    return (np.maximum(forecast_total, 0.0) + 1) ** 0.25 * (spread + 1) ** 0.25


def forecast_matrix(method, X, h, fallback=True):
    """
    ``(rows, h)`` forecasts of the right-aligned series ``X`` (``levels.align``) by forecaster
    ``method``, clipped at 0; ``nan`` for a row without history.  A panel forecaster (one with
    ``panel = True``) is fitted once on all rows; any other once per row, and where its
    history is too short for the method (a 52-week season in 30 weeks) the row's mean, unless
    ``fallback`` is false (then ``nan``).
    """
    X = np.asarray(X, dtype=float)
    model = forecasters.build(method)
    if getattr(model, "panel", False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean = np.asarray(model.fit(X).predict(h)["mean"], dtype=float)
        return np.clip(mean, 0, None)
    result = np.full((len(X), h), np.nan)
    for i, row in enumerate(X):
        y = row[~np.isnan(row)]
        if len(y) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean = np.asarray(forecasters.build(method).fit(y).predict(h)["mean"], dtype=float)
        # Too short a history for the method: its mean.
        result[i] = (np.clip(mean, 0, None) if np.all(np.isfinite(mean))
                     else y.mean() if fallback else np.nan)
    return result


@dataclass
class Backtest:
    """
    Forecasts and backtests of a panel of SKUs, row ``i`` for ``keys[i]``.

    Window arrays are ``(rows, 2 × origins)`` forecast / actual demand totals over the lead
    time (``lead_*``) or the protection interval (``protection_*``): column ``j < origins``
    is the window ending ``j`` periods before the history's end (*recent*); column
    ``origins + j`` the window ending ``j`` periods before the longest most recent window of the
    panel starts (*inner*: it overlaps no row's most recent one).  ``nan`` where the history is
    too short.
    """

    keys: list
    demand_class: np.ndarray
    forecast: np.ndarray  # (rows, horizon) per period
    rmsse_scale: np.ndarray
    lead: np.ndarray  # periods
    protection: np.ndarray
    lead_scale: np.ndarray
    protection_scale: np.ndarray
    lead_predicted: np.ndarray
    lead_actual: np.ndarray
    lead_window_scale: np.ndarray  # error_scale at each window's origin
    protection_predicted: np.ndarray
    protection_actual: np.ndarray
    protection_window_scale: np.ndarray
    accuracy: dict = field(default_factory=dict)  # name: (rows,) over recent windows
    totals: dict = field(default_factory=dict)  # error, absolute error, demand: (rows,) sums

    ARRAYS = ("demand_class", "forecast", "rmsse_scale", "lead", "protection", "lead_scale",
              "protection_scale", "lead_predicted", "lead_actual", "lead_window_scale",
              "protection_predicted", "protection_actual", "protection_window_scale")

    def __len__(self):
        return len(self.keys)

    def to_bytes(self):
        """The backtest as a compressed ``.npz`` (numpy's format, no pickle): a forecast
        chunk's result, stored until its run is calibrated (:mod:`.chunks`)."""
        arrays = {name: getattr(self, name) for name in self.ARRAYS}
        arrays = {name: v.astype(str) if v.dtype == object else v for name, v in arrays.items()}
        arrays.update({f"accuracy.{name}": v for name, v in self.accuracy.items()})
        arrays.update({f"totals.{name}": v for name, v in self.totals.items()})
        buffer = io.BytesIO()
        np.savez_compressed(buffer, keys=np.asarray(self.keys, dtype=np.int64), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data):
        """The backtest :meth:`to_bytes` wrote."""
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as stored:
            grouped = {"accuracy": {}, "totals": {}}
            for name in stored.files:
                group, _dot, key = name.partition(".")
                if key:
                    grouped[group][key] = stored[name]
            return cls(keys=stored["keys"].tolist(),
                       **{name: stored[name] for name in cls.ARRAYS}, **grouped)

    @classmethod
    def concat(cls, parts):
        parts = [p for p in parts if len(p)]
        if not parts:
            return None
        return cls(
            keys=[k for p in parts for k in p.keys],
            **{name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.ARRAYS},
            accuracy={name: np.concatenate([p.accuracy[name] for p in parts])
                      for name in parts[0].accuracy},
            totals={name: np.concatenate([p.totals[name] for p in parts])
                    for name in parts[0].totals},
        )


def _windows(X, method, lengths, origins, min_history=4):
    """
    Backtest forecasts per window length: ``{length: (predicted, actual, scale, per-period
    errors of the recent windows)}`` with ``predicted`` / ``actual`` / ``scale`` (the
    :func:`error_scale` known at the window's origin) shaped ``(rows, 2 × origins)`` as in
    :class:`Backtest`.  The forecaster is fitted once per origin, on the history before it.
    """
    T = X.shape[1]
    known_before = np.cumsum(~np.isnan(X), axis=1)  # known periods up to each column
    # Inner windows end before the *longest* latest window starts: pooled with rows of other
    # lengths, none of them may overlap any row's latest window.
    span = max(lengths)
    plans = {w: [j for j in range(origins)] + [span + j for j in range(origins)] for w in lengths}
    starts = sorted({T - w - offset for w, offsets in plans.items() for offset in offsets},
                    reverse=True)
    longest = max(lengths)
    forecasts, scales = {}, {}
    for origin in starts:
        if origin < min_history:
            continue
        past = X[:, :origin]
        past = past[:, (~np.isnan(past)).any(axis=0)]
        forecast = forecast_matrix(method, past, longest)
        forecast[known_before[:, origin - 1] < min_history] = np.nan
        forecasts[origin] = forecast
        scales[origin] = levels.rmsse_scale(past)
    result = {}
    rows = len(X)
    for w, offsets in plans.items():
        predicted = np.full((rows, len(offsets)), np.nan)
        actual = np.full((rows, len(offsets)), np.nan)
        scale = np.full((rows, len(offsets)), np.nan)
        errors = []
        for column, offset in enumerate(offsets):
            origin = T - w - offset
            if origin not in forecasts:
                continue
            future = X[:, origin:origin + w]
            forecast = forecasts[origin][:, :w]
            predicted[:, column] = forecast.sum(axis=1)
            actual[:, column] = future.sum(axis=1)
            scale[:, column] = error_scale(predicted[:, column], scales[origin], w)
            if column < origins:
                errors.append(future - forecast)
        bad = np.isnan(predicted) | np.isnan(actual)
        predicted[bad] = actual[bad] = scale[bad] = np.nan
        result[w] = (predicted, actual, scale, np.concatenate(errors, axis=1) if errors
                     else np.full((rows, 0), np.nan))
    return result


def forecast_panel(keys, X, method, horizon, lead, protection, origins):
    """
    Forecast the right-aligned weekly series ``X`` (one row per key, missing periods filled,
    ``nan`` before each SKU's first period) and backtest them: ``lead`` and ``protection`` are
    each SKU's lead time and protection interval in periods (arrays or one number).
    """
    X = np.asarray(X, dtype=float)
    rows = len(X)
    lead = np.broadcast_to(np.asarray(lead, dtype=int), (rows,)).copy()
    protection = np.maximum(np.broadcast_to(np.asarray(protection, dtype=int), (rows,)), lead)
    longest = int(max(horizon, protection.max(initial=1)))
    forecast = forecast_matrix(method, X, longest)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without history: nan
        history_mean = np.nan_to_num(np.nanmean(X, axis=1)) if X.shape[1] else np.zeros(rows)
        mean_square = np.nanmean(X ** 2, axis=1) if X.shape[1] else np.zeros(rows)
    forecast = np.where(np.isnan(forecast), history_mean[:, None], forecast)
    scale = np.nan_to_num(levels.rmsse_scale(X)) if X.shape[1] > 1 else np.zeros(rows)
    # RMSSE of a series that never changed: against its mean square (all zero: undefined).
    denominator = np.where(scale > 0, scale, np.where(mean_square > 0, mean_square, np.nan))
    cumulative = np.cumsum(forecast, axis=1)
    taken = np.arange(rows)
    lead_total = cumulative[taken, lead - 1]
    protection_total = cumulative[taken, protection - 1]
    windows = _windows(X, method, sorted(set(lead) | set(protection)), origins)
    shape = (rows, 2 * origins)
    arrays = {f"{kind}_{name}": np.full(shape, np.nan) for kind in ("lead", "protection")
              for name in ("predicted", "actual", "window_scale")}
    totals = {name: np.zeros(rows) for name in
              ("count", "error", "absolute_error", "squared_error", "demand")}
    for w, (predicted, actual, window_scale, errors) in windows.items():
        for kind, lengths in (("lead", lead), ("protection", protection)):
            mine = lengths == w
            arrays[f"{kind}_predicted"][mine] = predicted[mine]
            arrays[f"{kind}_actual"][mine] = actual[mine]
            arrays[f"{kind}_window_scale"][mine] = window_scale[mine]
        mine = protection == w
        if errors.shape[1] and mine.any():
            e = errors[mine]
            totals["count"][mine] = (~np.isnan(e)).sum(axis=1)
            totals["error"][mine] = np.nansum(e, axis=1)
            totals["absolute_error"][mine] = np.nansum(np.abs(e), axis=1)
            totals["squared_error"][mine] = np.nansum(e ** 2, axis=1)
            # The same windows' demand.
            totals["demand"][mine] = np.nansum(actual[mine][:, :origins], axis=1)
    return Backtest(
        keys=list(keys),
        demand_class=np.array(forecasters.DEMAND_CLASSES, dtype=object)[
            levels.demand_classes(X)],
        forecast=forecast[:, :horizon], rmsse_scale=scale, lead=lead, protection=protection,
        lead_scale=error_scale(lead_total, scale, lead),
        protection_scale=error_scale(protection_total, scale, protection),
        accuracy=_accuracy(totals, denominator), totals=totals, **arrays,
    )


ABOVE = "above"
BELOW = "below"


def breaks(backtest, lead_safety, bands, min_units):
    """
    Forecast-accuracy breaks: for each row, ``"above"`` / ``"below"`` when the demand of its
    most recent lead-time window (the backtest's column 0: forecast out of sample, from the
    history before the window) lies more than ``bands`` times the lead-time safety stock
    ``lead_safety`` (the interval's half-width) and at least ``min_units`` away from its
    forecast, else ``""``; with the window's forecast and demand (``nan`` where the history is
    too short).  ``bands`` 0 or less: no break.
    """
    predicted = backtest.lead_predicted[:, 0]
    actual = backtest.lead_actual[:, 0]
    result = np.full(len(backtest), "", dtype=object)
    if bands > 0:
        known = ~(np.isnan(predicted) | np.isnan(actual))
        margin = bands * np.maximum(np.nan_to_num(lead_safety), 0.0)
        with np.errstate(invalid="ignore"):
            gap = np.where(known, actual - predicted, 0.0)
        result[(gap > margin) & (gap >= min_units)] = ABOVE
        result[(-gap > margin) & (-gap >= min_units)] = BELOW
    return result, predicted, actual


def _accuracy(totals, denominator):
    """Per SKU MAE, RMSSE (per-period errors), WAPE and bias from the backtest ``totals``;
    ``nan`` without errors (WAPE and bias: without demand)."""
    known = totals["count"] > 0
    sold = known & (totals["demand"] > 0)
    count = np.maximum(totals["count"], 1)
    demand = np.where(sold, totals["demand"], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "mae": np.where(known, totals["absolute_error"] / count, np.nan),
            "rmsse": np.where(known, np.sqrt(totals["squared_error"] / count / denominator),
                              np.nan),
            "wape": np.where(sold, totals["absolute_error"] / demand, np.nan),
            "bias": np.where(sold, -totals["error"] / demand, np.nan),
        }

