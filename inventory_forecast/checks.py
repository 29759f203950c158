"""System checks for the inventory_forecast settings (ids ``inventory_forecast.E0xx``)."""

from django.core.checks import Error, register

from . import conf
from .forecasters import forecasters


@register()
def check_forecast_settings(app_configs, **kwargs):
    """The forecasters import and combine registered ones, the method is registered, the
    service level and AS_OF make sense."""
    errors = forecasters.check(
        "inventory_forecast", {"INVENTORY_FORECAST_METHOD": [conf.METHOD]},
        hint="Give 'class' as a dotted path to a class with fit(y) and predict(h).")
    level = conf.SERVICE_LEVEL
    if not isinstance(level, (int, float)) or not 0.5 < level < 1:
        errors.append(Error(
            "INVENTORY_FORECAST_SERVICE_LEVEL must lie strictly between 0.5 and 1 (e.g. 0.95).",
            id="inventory_forecast.E007",
        ))
    if conf.AS_OF not in (None, "latest-order"):
        errors.append(Error(
            "INVENTORY_FORECAST_AS_OF must be None (today) or 'latest-order'.",
            id="inventory_forecast.E008",
        ))
    return errors
