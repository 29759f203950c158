"""
Settings of the recommendations app and their defaults.

Each name ``X`` below is read from the Django setting ``RECOMMENDATIONS_X`` when the project sets
it, else from ``DEFAULTS``; values are read at use, so ``override_settings`` works in tests.
Use as ``from recommendations import conf; conf.TOP_N``.
"""

from django.conf import settings

PREFIX = "RECOMMENDATIONS_"

DEFAULTS = {
    # How many recommendations are published per shopper and per product.
    "TOP_N": 50,
}


def __getattr__(name):
    if name not in DEFAULTS:
        raise AttributeError(f"recommendations has no setting {name!r}")
    return getattr(settings, PREFIX + name, DEFAULTS[name])
