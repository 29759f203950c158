"""An average of forecasters: combinations often beat every single member."""

import numpy as np


class Combination:
    """
    The weighted mean of its members' point forecasts.  ``members`` are forecaster instances
    or ``(forecaster, weight)`` pairs (equal weights by default).  No intervals: the engine's
    empirical quantiles of backtest errors provide them.
    """

    def __init__(self, members):
        pairs = [m if isinstance(m, tuple) else (m, 1.0) for m in members]
        if not pairs:
            raise ValueError("A combination needs at least one member.")
        self.members = [m for m, _w in pairs]
        total = sum(w for _m, w in pairs)
        self.weights = [w / total for _m, w in pairs]

    def fit(self, y):
        for member in self.members:
            member.fit(np.asarray(y, dtype=float))
        return self

    def predict(self, h, level=None):
        mean = sum(w * np.asarray(m.predict(h)["mean"], dtype=float)
                   for m, w in zip(self.members, self.weights))
        return {"mean": mean}

    def forecast(self, y, h, level=None):
        return self.fit(y).predict(h, level)
