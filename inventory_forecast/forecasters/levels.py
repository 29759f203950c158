"""
Robust level forecasts computed for many series at once, and their learnt combination.

Series are rows of a matrix, aligned on their last period (the forecast origin), each padded on
the left with ``nan`` before its first period.  Every function here is vectorised over rows, so
100,000 SKUs cost a few numpy passes rather than 100,000 model fits.  No ORM.

Why these members: weekly wholesale demand is dominated by one-off large orders.  Means and
exponential smoothing chase them; medians, a mean without the largest week and smoothing of a
history capped at a multiple of the typical selling week do not.  On the Online Retail hold-out
(``docs/research``) their learnt combination beats every single statsforecast model.
"""

import warnings

import numpy as np
from scipy.optimize import minimize

ALPHAS = np.array([0.01, 0.02, 0.05, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7,
                   0.8, 0.9, 0.99])


def as_matrix(y):
    """``y`` as a float matrix (one row per series); a 1-d series becomes one row."""
    y = np.asarray(y, dtype=float)
    return y[None, :] if y.ndim == 1 else y


def align(series, limit=None):
    """Right-aligned matrix of 1-d series (equal end, ``nan`` before each one's start), at
    most the last ``limit`` periods of each."""
    width = max((len(s) for s in series), default=0)
    width = min(width, limit) if limit else width
    matrix = np.full((len(series), width), np.nan)
    for row, values in zip(matrix, series):
        values = np.asarray(values, dtype=float)[-width:] if width else []
        if len(values):
            row[width - len(values):] = values
    return matrix


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():  # all-nan rows give nan (and numpy's warning): expected
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args, **kwargs)


def window_median(X, window):
    """Median of the last ``window`` known periods of each row."""
    return _quiet(np.nanmedian, X[:, -window:], axis=1)


def trimmed_mean(X, window):
    """Mean of the last ``window`` periods without the single largest one (the plain mean when
    fewer than three periods are known)."""
    tail = X[:, -window:]
    ordered = np.sort(np.where(np.isnan(tail), -np.inf, tail), axis=1)
    ordered = np.where(np.isinf(ordered), np.nan, ordered)
    known = (~np.isnan(ordered)).sum(axis=1)
    without_max = _quiet(np.nanmean, ordered[:, :-1], axis=1)
    return np.where(known > 2, without_max, _quiet(np.nanmean, ordered, axis=1))


def capped(X, multiple=5.0):
    """Each period capped at ``multiple`` × the median of the row's selling periods."""
    cap = multiple * _quiet(np.nanmedian, np.where(X > 0, X, np.nan), axis=1)
    return np.where(X > cap[:, None], cap[:, None], X)


def ses(X, alphas=ALPHAS):
    """Simple exponential smoothing, level started at each row's first value, the smoothing
    weight per row chosen from ``alphas`` by the smallest in-sample one-step squared error."""
    level = np.full((len(X), len(alphas)), np.nan)
    sse = np.zeros_like(level)
    for column in X.T:
        x = column[:, None]
        known = ~np.isnan(x)
        start = known & np.isnan(level)
        update = known & ~np.isnan(level)
        error = np.where(update, x - level, 0.0)
        sse += error ** 2
        level = np.where(start, x, np.where(update, level + alphas[None, :] * error, level))
    return level[np.arange(len(X)), sse.argmin(axis=1)] if len(X) else np.zeros(0)


MEMBERS = {
    "median_4": lambda X: window_median(X, 4),
    "median_6": lambda X: window_median(X, 6),
    "trimmed_mean_6": lambda X: trimmed_mean(X, 6),
    "capped_ses": lambda X: ses(capped(X)),
}


def demand_classes(X, adi_cutoff=1.32, cv2_cutoff=0.49):
    """Per row, the index in ``DEMAND_CLASSES`` (smooth, erratic, intermittent, lumpy) of
    ``classification.classify``, vectorised: ADI of known periods, CV² of selling ones."""
    known = (~np.isnan(X)).sum(axis=1)
    sizes = np.where(X > 0, X, np.nan)
    selling = (~np.isnan(sizes)).sum(axis=1)
    adi = np.where(selling > 0, known / np.maximum(selling, 1), np.inf)
    mean = _quiet(np.nanmean, sizes, axis=1)
    cv2 = np.nan_to_num((_quiet(np.nanstd, sizes, axis=1) / mean) ** 2)
    return (adi >= adi_cutoff) * 2 + (cv2 >= cv2_cutoff)


def rmsse_scale(X):
    """Per row: mean squared one-step difference (M5's RMSSE scale; ``nan`` if unknown)."""
    return _quiet(np.nanmean, np.diff(X, axis=1) ** 2, axis=1)


def fit_convex(levels, targets, scales):
    """
    Weights ≥ 0 summing to 1 minimising the summed RMSSE of the flat forecasts
    ``levels @ w`` (rows: series × origins; ``targets``: their following periods; ``scales``:
    RMSSE scales).  Optimised over a softmax parameterisation with L-BFGS.
    """
    root = np.sqrt(scales)
    X = levels / root[:, None]
    mean = targets.mean(axis=1) / root
    variance = targets.var(axis=1) / scales

    def loss(z):
        w = np.exp(z - z.max())
        w /= w.sum()
        error = mean - X @ w
        r = np.sqrt(variance + error ** 2 + 1e-12)  # each row's RMSSE
        gradient = -(X.T @ (error / r))
        return r.sum(), w * (gradient - gradient @ w)

    z = minimize(loss, np.zeros(levels.shape[1]), jac=True, method="L-BFGS-B").x
    w = np.exp(z - z.max())
    return w / w.sum()


class LearntCombination:
    """
    A convex combination of robust level forecasts (``MEMBERS``), its weights learnt across
    all the series it is fitted on: at the ``fit_origins`` most recent origins that leave
    ``horizon`` periods to compare, the weights minimising the series' summed RMSSE.  Series
    with fewer than ``min_history`` known periods or ``min_selling`` selling periods at an
    origin do not vote.  Too few voters: equal weights.  With ``by_class``, each demand class
    (smooth, erratic, intermittent, lumpy, as the series was at the origin) gets weights of its
    own when it has at least ``min_class_voters`` votes, else the overall ones.

    ``fit`` takes one series (1-d) or a matrix of right-aligned series (``align``); ``predict``
    answers in the same shape.  The forecast is flat (a level): lumpy demand has no trend or
    season a one-year history could teach.  No intervals: the engine calibrates safety stock
    from backtest errors.
    """

    panel = True

    def __init__(self, members=tuple(MEMBERS), horizon=8, fit_origins=2, min_history=8,
                 min_selling=2, min_voters=30, by_class=True, min_class_voters=50):
        unknown = set(members) - set(MEMBERS)
        if unknown or not members:
            raise ValueError(f"Unknown or no members {sorted(unknown)}; known: {sorted(MEMBERS)}.")
        self.members = list(members)
        self.horizon = horizon
        self.fit_origins = fit_origins
        self.min_history = min_history
        self.min_selling = min_selling
        self.min_voters = min_voters
        self.by_class = by_class
        self.min_class_voters = min_class_voters

    def levels(self, X):
        """(rows, members) member levels at the end of ``X``; a missing member takes the mean
        of the row's others; clipped at 0."""
        M = np.column_stack([MEMBERS[name](X) for name in self.members])
        fill = _quiet(np.nanmean, M, axis=1)
        M = np.where(np.isnan(M), fill[:, None], M)
        return np.clip(M, 0, None)

    def fit(self, y):
        self._1d = np.asarray(y).ndim == 1
        X = as_matrix(y)
        voters = []
        for j in range(self.fit_origins):
            origin = X.shape[1] - self.horizon - j
            if origin < self.min_history:
                break
            past, future = X[:, :origin], X[:, origin:origin + self.horizon]
            scales = rmsse_scale(past)
            levels = self.levels(past)
            ok = (((~np.isnan(past)).sum(axis=1) >= self.min_history)
                  & ((past > 0).sum(axis=1) >= self.min_selling)
                  & ~np.isnan(future).any(axis=1) & np.isfinite(scales) & (scales > 0)
                  & np.isfinite(levels).all(axis=1))
            voters.append((levels[ok], future[ok], scales[ok], demand_classes(past)[ok]))
        levels, future, scales, classes = (np.concatenate(parts) for parts in zip(*voters)) \
            if voters else (np.zeros((0, len(self.members))),) * 4
        equal = np.full(len(self.members), 1 / len(self.members))
        self.weights_ = (fit_convex(levels, future, scales) if len(levels) >= self.min_voters
                         else equal)
        self.class_weights_ = np.repeat(self.weights_[None, :], 4, axis=0)
        for k in range(4 if self.by_class else 0):
            mine = classes == k
            if mine.sum() >= self.min_class_voters:
                self.class_weights_[k] = fit_convex(levels[mine], future[mine], scales[mine])
        weights = self.class_weights_[demand_classes(X)]
        self.level_ = (self.levels(X) * weights).sum(axis=1)
        return self

    def predict(self, h, level=None):
        mean = np.repeat(self.level_[:, None], h, axis=1)
        return {"mean": mean[0] if self._1d else mean}

    def forecast(self, y, h, level=None):
        return self.fit(y).predict(h, level)
