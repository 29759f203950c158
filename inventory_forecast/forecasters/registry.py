"""Forecasters by name, from ``INVENTORY_FORECAST_FORECASTERS`` (see :mod:`oscar_insights.registry`)."""

from oscar_insights.registry import Registry

from .. import conf

forecasters = Registry("INVENTORY_FORECAST_FORECASTERS", lambda: conf.FORECASTERS,
                       "forecaster", nested="members")
spec = forecasters.spec
build = forecasters.build
