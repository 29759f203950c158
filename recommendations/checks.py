"""System checks for the recommendations settings (ids ``recommendations.E0xx`` / ``W0xx``)."""

import re

from django.conf import settings
from django.core.checks import Error, Warning, register

from . import conf
from .algorithms.registry import algorithms
from .measures import measures

MIDDLEWARE = "recommendations.middleware.TrackingMiddleware"


@register()
def check_tracking_settings(app_configs, **kwargs):
    messages = []
    if conf.TRACKING_ENABLED and MIDDLEWARE not in settings.MIDDLEWARE:
        messages.append(
            Warning(
                f"{MIDDLEWARE} is not in MIDDLEWARE: anonymous shoppers get no visitor cookie, "
                "so their events cannot be linked together or merged on sign-in.",
                hint=f"Add '{MIDDLEWARE}' after AuthenticationMiddleware.",
                id="recommendations.W001",
            )
        )
    try:
        re.compile("|".join(conf.BOT_USER_AGENTS))
    except (re.error, TypeError) as exc:
        messages.append(
            Error(
                f"RECOMMENDATIONS_BOT_USER_AGENTS must be regular expressions: {exc}",
                id="recommendations.E001",
            )
        )
    days = conf.RETENTION_DAYS
    if days is not None and (not isinstance(days, int) or days < 1):
        messages.append(
            Error(
                "RECOMMENDATIONS_RETENTION_DAYS must be a positive number of days or None.",
                id="recommendations.E002",
            )
        )
    if not isinstance(conf.API_MAX_BATCH, int) or conf.API_MAX_BATCH < 1:
        messages.append(
            Error("RECOMMENDATIONS_API_MAX_BATCH must be a positive integer.", id="recommendations.E003")
        )
    return messages


@register()
def check_algorithm_settings(app_configs, **kwargs):
    """Every algorithm imports, blends registered ones; candidates and the default are
    registered."""
    messages = algorithms.check(
        "recommendations",
        {"RECOMMENDATIONS_CANDIDATES": list(conf.CANDIDATES),
         "RECOMMENDATIONS_DEFAULT_ALGORITHM": [conf.DEFAULT_ALGORITHM]},
        hint="Give 'class' as a dotted path to an AlgoBase + TopNMixin subclass.")
    if not isinstance(conf.TOP_N, int) or conf.TOP_N < 1:
        messages.append(Error("RECOMMENDATIONS_TOP_N must be a positive integer.",
                              id="recommendations.E007"))
    return messages


@register()
def check_related_measure_settings(app_configs, **kwargs):
    """Every related-products measure imports; the published one is registered."""
    return measures.check(
        "recommendations",
        {"RECOMMENDATIONS_BOUGHT_TOGETHER_MEASURE": [conf.BOUGHT_TOGETHER_MEASURE]},
        hint="Give 'class' as a dotted path to an AssociationMeasure subclass.")
