"""
Forecasters behind one contract (statsforecast's): ``fit(y)`` on a 1-d array of demand per
period returns ``self``; ``predict(h, level=None)`` returns a dict with ``"mean"`` (``h``
values) and, when the forecaster has them and ``level`` is given, ``"lo-<l>"`` / ``"hi-<l>"``.
statsforecast's models are used as they come; :class:`Combination` averages several.
A *panel* forecaster (``panel = True``, :class:`LearntCombination`) also takes a matrix of
right-aligned series (``levels.align``) and forecasts them all at once.
No ORM here.  Forecasters are named in ``INVENTORY_FORECAST_FORECASTERS`` (dotted paths).
"""

from .classification import DEMAND_CLASSES, classify
from .combination import Combination
from .levels import LearntCombination
from .registry import build, forecasters, spec

__all__ = ["DEMAND_CLASSES", "Combination", "LearntCombination", "build", "forecasters",
           "classify", "spec"]
