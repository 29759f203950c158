"""
Oscar's test project with our apps installed the way the README tells a shop to: the apps in
INSTALLED_APPS, the tracking middleware after AuthenticationMiddleware, our URLs before Oscar's.
"""

from oscar_suite_site.bare import *  # noqa: F401,F403
from oscar_suite_site.bare import INSTALLED_APPS, MIDDLEWARE

# The apps a shop adds (README, "Install the apps into an existing Oscar shop"): one line each.
OUR_APPS = [
    "oscar_insights",
    "recommendations",
    "inventory_forecast",
    "inventory_forecast.dashboard.apps.InventoryForecastDashboardConfig",
    "recommendations.dashboard.apps.RecommendationsDashboardConfig",
]
TRACKING_MIDDLEWARE = "recommendations.middleware.TrackingMiddleware"

INSTALLED_APPS = [*INSTALLED_APPS, *OUR_APPS]

_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE = [*MIDDLEWARE[: _auth + 1], TRACKING_MIDDLEWARE, *MIDDLEWARE[_auth + 1 :]]

ROOT_URLCONF = "oscar_suite_site.urls"
