"""
Forecasters behind one contract (statsforecast's): ``fit(y)`` on a 1-d array of demand per
period returns ``self``; ``predict(h, level=None)`` returns a dict with ``"mean"`` (``h``
values) and, when the forecaster has them and ``level`` is given, ``"lo-<l>"`` / ``"hi-<l>"``.
statsforecast's models are used as they come; :class:`Combination` averages several.
No ORM here.  Forecasters are named in ``INVENTORY_FORECAST_FORECASTERS`` (dotted paths).
"""

from .classification import DEMAND_CLASSES, classify
from .combination import Combination
from .registry import UnknownForecaster, build, spec

__all__ = ["DEMAND_CLASSES", "Combination", "UnknownForecaster", "build", "classify", "spec"]
