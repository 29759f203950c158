"""
Forecasters that fail, for the tests of failing forecast chunks: real components, registered by
name in ``INVENTORY_FORECAST_FORECASTERS`` as a shop would register its own.
"""

import os

import numpy as np
from statsforecast.models import WindowAverage


class BrokenOnPeaks(WindowAverage):
    """Fails on every series with a week of 30 units or more (one SKU of the test history):
    a chunk that fails on every attempt."""

    def fit(self, y, X=None):
        if np.nanmax(y) >= 30:
            raise RuntimeError("this forecaster cannot fit a series with a peak of 30 units")
        return super().fit(y, X)


class FailsOnce(WindowAverage):
    """Its first fit in the folder ``FAILS_ONCE_DIR`` fails, whichever process makes it (a
    lost connection): a chunk that fails once and succeeds when retried."""

    def fit(self, y, X=None):
        marker = os.path.join(os.environ["FAILS_ONCE_DIR"], "failed-once")
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return super().fit(y, X)
        raise ConnectionError("lost the connection (the first fit only)")
