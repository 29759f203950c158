"""
Settings of the demo Oscar storefront, read from environment variables (12-factor).

With no variable set the shop runs embedded: SQLite, an in-process cache, a Whoosh search index and
a Celery broker on the filesystem, all under ``var/``, so it needs no server.  Point it at real
services with:

    DATABASE_URL=postgres://user@127.0.0.1:5432/shop
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0
    REDIS_URL=redis://127.0.0.1:6379/1      (or CACHE_URL=rediscache://... / locmemcache://)

The README's configuration table lists every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from oscar import defaults as oscar_defaults
from oscar.defaults import *  # noqa: F401,F403  (Oscar's documented way to take its defaults)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("SHOP_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for a local development shop)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS: with DEBUG off every setting defaults to the secure value (`manage.py check --deploy`
# is clean), each one overridable, e.g. DJANGO_SECURE_SSL_REDIRECT=0 behind a proxy that
# redirects to HTTPS itself, DJANGO_SECURE_PROXY_SSL_HEADER=1 behind one that terminates TLS
# and sets X-Forwarded-Proto (trust it only then: a client could send it too).
_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=_SECURE)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if _SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",
                                          default=_SECURE)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=_SECURE)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=_SECURE)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=_SECURE)
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    # Third-party apps Oscar depends on
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    # Background work
    "django_celery_beat",
    "django_celery_results",
    "rest_framework",
    "rest_framework.authtoken",
    # Our apps
    "oscar_insights",  # the core both apps build on
    "recommendations",
    "inventory_forecast",
    "inventory_forecast.dashboard.apps.InventoryForecastDashboardConfig",
    "recommendations.dashboard.apps.RecommendationsDashboardConfig",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "shop",
]

SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "recommendations.middleware.TrackingMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'shop.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the Celery worker and beat read while one of them writes.
    # IMMEDIATE transactions take the write lock when they begin and so wait their turn (up to
    # the timeout): a deferred transaction that reads, then writes after another process wrote,
    # fails at once with "database is locked" whatever the timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# --- Cache ----------------------------------------------------------------------------------
if "CACHE_URL" in env:
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif "REDIS_URL" in env:
    CACHES = {"default": env.cache_url("REDIS_URL")}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/accounts/"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="shop@example.com")

# --- Search ---------------------------------------------------------------------------------
# Whoosh keeps a file index: real full-text search and facets with no server.
HAYSTACK_CONNECTIONS = {
    "default": env.search_url(
        "SEARCH_URL", default=f"whoosh://{VAR_DIR / 'whoosh_index'}"
    ),
}

# --- Oscar ----------------------------------------------------------------------------------
OSCAR_SHOP_NAME = env.str("OSCAR_SHOP_NAME", default="Gift Ware Wholesale")
OSCAR_SHOP_TAGLINE = "Oscar demo shop with recommendations and stock forecasts"
OSCAR_DEFAULT_CURRENCY = "GBP"
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Complete", "Cancelled"),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_LINE_STATUS_PIPELINE = OSCAR_ORDER_STATUS_PIPELINE


# Oscar's dashboard menu and one entry per app's dashboard section (Oscar's default access
# function shows each page to the users its view lets in).
OSCAR_DASHBOARD_NAVIGATION = [
    *oscar_defaults.OSCAR_DASHBOARD_NAVIGATION,
    {
        "label": _("Stock forecasts"),
        "icon": "fas fa-chart-line",
        "children": [
            {"label": _("Stock risks"), "url_name": "dashboard:inventory-forecast-risk-list"},
            {"label": _("Purchase orders"),
             "url_name": "dashboard:inventory-forecast-purchase-orders"},
        ],
    },
    {
        "label": _("Recommendations"),
        "icon": "fas fa-thumbs-up",
        "url_name": "dashboard:recommendations-overview",
    },
]

# --- Celery ---------------------------------------------------------------------------------
# Embedded default: kombu's filesystem transport.  Tasks run in a real worker process; the
# "broker" is a folder, so no server is needed.  Set CELERY_BROKER_URL to use Redis/RabbitMQ.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport, with atomic message writes (see shop/broker.py).
    CELERY_BROKER_TRANSPORT = "shop.broker:Transport"
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="django-db")
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Installed into django-celery-beat's tables when beat starts; staff edit them in the admin.
CELERY_BEAT_SCHEDULE = {
    "shop-health-check": {"task": "shop.health_check", "schedule": 300.0},
    "recommendations-purge-expired-interactions": {
        "task": "recommendations.purge_expired_interactions",
        "schedule": crontab(hour=3, minute=30),
    },
    "inventory-forecast-run-forecasts": {
        "task": "inventory_forecast.run_forecasts",
        "schedule": crontab(hour=2, minute=30),
        "kwargs": {"trigger": "schedule"},
    },
    # Staff read the night's new and worse stock risks in the morning.
    "inventory-forecast-send-digest": {
        "task": "inventory_forecast.send_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    "recommendations-train": {
        "task": "recommendations.train",
        "schedule": crontab(hour=4, minute=0),
        "kwargs": {"trigger": "schedule"},
    },
}

# --- Our apps -------------------------------------------------------------------------------
# The demo history is from 2010-2011: keep events forever unless told otherwise, or the nightly
# purge would delete it.  A real shop sets a retention period (the app's default is 730 days).
RECOMMENDATIONS_RETENTION_DAYS = env.int("RECOMMENDATIONS_RETENTION_DAYS", default=None)
# On this shop's data buying the same product again is the strongest signal: its one class is
# one people buy again, so "Recommended for you" may hold what the shopper bought before.
RECOMMENDATIONS_REBUY_PRODUCT_CLASSES = ["Imported product"]
# Forecasts start the day after the latest order (the demo's history ended in December 2011);
# INVENTORY_FORECAST_AS_OF=today for a live shop.
_as_of = env.str("INVENTORY_FORECAST_AS_OF", default="latest-order")
if _as_of not in ("today", "latest-order"):
    raise ImproperlyConfigured("INVENTORY_FORECAST_AS_OF must be 'today' or 'latest-order'.")
INVENTORY_FORECAST_AS_OF = None if _as_of == "today" else "latest-order"

# --- Django REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    # How many reverse proxies stand in front of the shop: throttling trusts that many
    # X-Forwarded-For entries and no more.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# OpenAPI schema of the apps' APIs at /api/schema/, browsable at /api/docs/ (assets from the
# sidecar package's static files: no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "Oscar shop recommendations API",
    "DESCRIPTION": "Shopper events in, recommendations out (recommendations app).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
