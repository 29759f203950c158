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
