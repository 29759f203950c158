"""System checks for the inventory_forecast settings (ids ``inventory_forecast.E0xx``)."""

import re

from django.core.checks import Error, register

from . import conf


@register()
def check_import_settings(app_configs, **kwargs):
    errors = []
    pattern = conf.IMPORT_PRODUCT_CODE_PATTERN
    try:
        re.compile(pattern)
    except (re.error, TypeError) as exc:
        errors.append(
            Error(
                f"INVENTORY_FORECAST_IMPORT_PRODUCT_CODE_PATTERN is not a regular expression: {exc}",
                hint=r"Use a pattern such as r'^\d{5}[A-Z]{0,2}$' (codes are upper-cased first).",
                id="inventory_forecast.E001",
            )
        )
    codes = conf.IMPORT_SHIPPING_CODES
    if isinstance(codes, str) or not all(isinstance(code, str) for code in codes):
        errors.append(
            Error(
                "INVENTORY_FORECAST_IMPORT_SHIPPING_CODES must be a list or tuple of codes.",
                hint='For example ("POST", "DOT", "C2").',
                id="inventory_forecast.E002",
            )
        )
    for name in ("IMPORT_PARTNER_NAME", "IMPORT_PRODUCT_CLASS_NAME", "IMPORT_EMAIL_DOMAIN"):
        value = getattr(conf, name)
        if not isinstance(value, str) or not value.strip():
            errors.append(
                Error(
                    f"INVENTORY_FORECAST_{name} must be a non-empty string.",
                    id="inventory_forecast.E003",
                )
            )
    return errors


@register()
def check_forecast_settings(app_configs, **kwargs):
    """The forecasting method exists, the service level and AS_OF make sense."""
    from django.utils.module_loading import import_string

    errors = []
    forecasters = conf.FORECASTERS
    for name, entry in forecasters.items():
        try:
            import_string(entry["class"])
        except (ImportError, KeyError, TypeError) as exc:
            errors.append(Error(
                f"INVENTORY_FORECAST_FORECASTERS[{name!r}]: cannot import its class ({exc}).",
                id="inventory_forecast.E004",
            ))
    if conf.METHOD not in forecasters:
        errors.append(Error(
            f"INVENTORY_FORECAST_METHOD {conf.METHOD!r} is not in INVENTORY_FORECAST_FORECASTERS.",
            hint=f"Registered: {', '.join(sorted(forecasters))}.", id="inventory_forecast.E005",
        ))
    level = conf.SERVICE_LEVEL
    if not isinstance(level, (int, float)) or not 0.5 < level < 1:
        errors.append(Error(
            "INVENTORY_FORECAST_SERVICE_LEVEL must lie strictly between 0.5 and 1 (e.g. 0.95).",
            id="inventory_forecast.E006",
        ))
    if conf.AS_OF not in (None, "latest-order"):
        errors.append(Error(
            "INVENTORY_FORECAST_AS_OF must be None (today) or 'latest-order'.",
            id="inventory_forecast.E007",
        ))
    return errors
