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
    # --- Training data (datasets.py) ---------------------------------------------------------
    # Weight of each event type in a shopper's confidence in a product.
    "EVENT_WEIGHTS": {
        "view": 1.0,
        "rec_click": 1.0,
        "wishlist_add": 3.0,
        "basket_add": 4.0,
        "purchase": 8.0,
    },
    # An event counts half as much after this many days.
    "HALF_LIFE_DAYS": 90,
    # Rating scale handed to Surprise, and the share of a review's score in a blended rating.
    "RATING_SCALE": (1, 5),
    "REVIEW_WEIGHT": 0.5,
    # --- Behaviour tracking -------------------------------------------------------------------
    # Master switch: False records nothing (receivers, API and backfill stay quiet).
    "TRACKING_ENABLED": True,
    # First-party cookie with a random visitor id, set only once something has been recorded.
    "VISITOR_COOKIE_NAME": "oscar_visitor",
    "VISITOR_COOKIE_AGE": 365 * 24 * 3600,
    # Set in a browser whose shopper opted out (also when signed out afterwards).
    "OPT_OUT_COOKIE_NAME": "oscar_tracking_opt_out",
    # Honour the browser's Global Privacy Control (Sec-GPC: 1) and Do Not Track (DNT: 1).
    "HONOUR_GPC": True,
    "HONOUR_DNT": True,
    # Requests whose User-Agent matches one of these (case-insensitive regular expressions)
    # are not recorded.
    "BOT_USER_AGENTS": (
        r"bot\b", r"bot/", r"crawl", r"spider", r"slurp", r"archiver", r"facebookexternalhit",
        r"embedly", r"preview", r"headlesschrome", r"phantomjs", r"python-requests",
        r"python-urllib", r"curl/", r"wget/", r"httpclient", r"monitor", r"pingdom",
        r"uptime", r"lighthouse", r"scrapy",
    ),
    # Query parameter that marks a product link clicked in a recommendation block (its value
    # names the block); such a view is recorded as a recommendation click.
    "SOURCE_PARAMETER": "rec",
    # PostgreSQL: product views and searches commit without waiting for the disk (see
    # tracking.record); False makes every event wait for its flush.
    "ASYNC_COMMIT": True,
    # Events older than this many days are deleted by the purge task; None keeps them forever.
    "RETENTION_DAYS": 730,
    # --- Event API ------------------------------------------------------------------------------
    "API_MAX_BATCH": 100,
    "API_THROTTLE_RATE": "120/min",
    # Timestamps up to this many seconds ahead of the server clock are accepted (clock skew).
    "API_MAX_CLOCK_SKEW": 300,
}


def __getattr__(name):
    if name not in DEFAULTS:
        raise AttributeError(f"recommendations has no setting {name!r}")
    return getattr(settings, PREFIX + name, DEFAULTS[name])
