"""System checks of the core (ids ``oscar_insights.E0xx`` / ``W0xx``)."""

import re

from django.apps import apps
from django.core.checks import Error, Warning, register

from . import conf
from .background import broker_url

TASK_APPS = ("recommendations", "inventory_forecast")


@register()
def check_broker(app_configs, **kwargs):
    """The apps' background tasks need a Celery broker."""
    installed = [label for label in TASK_APPS if apps.is_installed(label)]
    if installed and not broker_url():
        return [Warning(
            f"No Celery broker is configured: the background tasks of {', '.join(installed)} "
            "(training, forecasts, re-plans after orders) cannot be queued, and requests "
            "will not queue them.",
            hint="Set CELERY_BROKER_URL and load it into your Celery app "
                 "(app.config_from_object('django.conf:settings', namespace='CELERY')), or "
                 "run the management commands (train_recommendations, run_forecasts) from cron.",
            id="oscar_insights.W001",
        )]
    return []


@register()
def check_import_settings(app_configs, **kwargs):
    errors = []
    try:
        re.compile(conf.IMPORT_PRODUCT_CODE_PATTERN)
    except (re.error, TypeError) as exc:
        errors.append(Error(
            f"OSCAR_INSIGHTS_IMPORT_PRODUCT_CODE_PATTERN is not a regular expression: {exc}",
            hint=r"Use a pattern such as r'^\d{5}[A-Z]{0,2}$' (codes are upper-cased first).",
            id="oscar_insights.E001",
        ))
    codes = conf.IMPORT_SHIPPING_CODES
    if isinstance(codes, str) or not all(isinstance(code, str) for code in codes):
        errors.append(Error(
            "OSCAR_INSIGHTS_IMPORT_SHIPPING_CODES must be a list or tuple of codes.",
            hint='For example ("POST", "DOT", "C2").', id="oscar_insights.E002",
        ))
    for name in ("IMPORT_PARTNER_NAME", "IMPORT_PRODUCT_CLASS_NAME", "IMPORT_EMAIL_DOMAIN"):
        value = getattr(conf, name)
        if not isinstance(value, str) or not value.strip():
            errors.append(Error(f"OSCAR_INSIGHTS_{name} must be a non-empty string.",
                                id="oscar_insights.E003"))
    timeout = conf.ENQUEUE_TIMEOUT
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 30:
        errors.append(Error("OSCAR_INSIGHTS_ENQUEUE_TIMEOUT must be a number of seconds "
                            "between 0 and 30.", id="oscar_insights.E004"))
    return errors
