"""System checks for the recommendations settings (ids ``recommendations.E0xx`` / ``W0xx``)."""

import re

from django.conf import settings
from django.core.checks import Error, Warning, register

from . import conf

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
    """Every candidate names a registered algorithm whose class can be imported."""
    from django.utils.module_loading import import_string

    messages = []
    algorithms = conf.ALGORITHMS
    for name, entry in algorithms.items():
        try:
            import_string(entry["class"])
        except (ImportError, KeyError, TypeError) as exc:
            messages.append(Error(
                f"RECOMMENDATIONS_ALGORITHMS[{name!r}]: cannot import its class ({exc}).",
                hint="Give 'class' as a dotted path to an AlgoBase + TopNMixin subclass.",
                id="recommendations.E004",
            ))
        for component, *_rest in entry.get("components", ()) if isinstance(entry, dict) else ():
            if component not in algorithms:
                messages.append(Error(
                    f"RECOMMENDATIONS_ALGORITHMS[{name!r}] blends {component!r}, which is not "
                    "a registered algorithm.", id="recommendations.E005",
                ))
    named = list(conf.CANDIDATES) + [conf.DEFAULT_ALGORITHM]
    for name in named:
        if name not in algorithms:
            messages.append(Error(
                f"{name!r} (RECOMMENDATIONS_CANDIDATES / DEFAULT_ALGORITHM) is not in "
                "RECOMMENDATIONS_ALGORITHMS.",
                hint=f"Registered: {', '.join(sorted(algorithms))}.",
                id="recommendations.E006",
            ))
    if not isinstance(conf.TOP_N, int) or conf.TOP_N < 1:
        messages.append(Error("RECOMMENDATIONS_TOP_N must be a positive integer.",
                              id="recommendations.E007"))
    return messages
