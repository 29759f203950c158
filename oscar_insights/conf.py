"""
The app-settings helper, and the core's own settings (``OSCAR_INSIGHTS_*``).

An app declares its defaults once and reads them through :class:`AppSettings`; a name ``X`` is
read from the Django setting ``<PREFIX>X`` when the project sets it, else from the defaults.
Values are read at use, so ``override_settings`` works in tests, and an unknown name raises
``AttributeError`` naming the app.  In an app's ``conf.py``::

    DEFAULTS = {"TOP_N": 50}
    __getattr__ = AppSettings("RECOMMENDATIONS_", DEFAULTS).get

and elsewhere ``from recommendations import conf; conf.TOP_N``.
"""

from django.conf import settings


class AppSettings:
    """Prefixed Django settings with defaults (see the module docstring)."""

    def __init__(self, prefix, defaults):
        self.prefix = prefix
        self.defaults = defaults

    def get(self, name):
        if name not in self.defaults:
            raise AttributeError(f"There is no setting {self.prefix}{name}.")
        return getattr(settings, self.prefix + name, self.defaults[name])

    def setting_name(self, name):
        """The Django setting that holds ``name``, for messages."""
        return self.prefix + name


# Codes of products in the Online Retail layout: 5 digits and up to 2 letters.  Other codes
# are fees, postage and adjustments.
ONLINE_RETAIL_PRODUCT_CODE = r"^\d{5}[A-Z]{0,2}$"

DEFAULTS = {
    # import_order_history: where imported products, stock and customers go.
    "IMPORT_PARTNER_NAME": "Main warehouse",
    "IMPORT_PRODUCT_CLASS_NAME": "Imported product",
    # Imported customers get addresses under this reserved domain (RFC 2606): no mail reaches them.
    "IMPORT_EMAIL_DOMAIN": "customers.invalid",
    # Codes that are products (upper-cased first); rows of other codes are skipped.
    "IMPORT_PRODUCT_CODE_PATTERN": ONLINE_RETAIL_PRODUCT_CODE,
    # Codes whose rows are postage: added to the order's shipping charge.
    "IMPORT_SHIPPING_CODES": ("POST", "DOT", "C2"),
    # The apps' dashboard sections join Oscar's dashboard URLs by themselves (dashboard.py);
    # False for a forked dashboard that includes them in its own get_urls().
    "DASHBOARD_ATTACH": True,
    # background.enqueue: seconds a request may wait to hand a task to the broker, once.
    "ENQUEUE_TIMEOUT": 1.0,
    # What a date or number from outside may be (plausible.py): the importer, the analytics
    # commands' CSV readers and the events API refuse others, with their reason.  Dates from
    # this day (ISO) to now plus the clock skew (seconds); quantities and unit prices up to
    # these (and a line's total within Oscar's money columns).
    "EARLIEST_DATE": "1990-01-01",
    "CLOCK_SKEW_SECONDS": 300,
    "MAX_QUANTITY": 1_000_000,
    "MAX_PRICE": "1000000.00",
}

_settings = AppSettings("OSCAR_INSIGHTS_", DEFAULTS)
__getattr__ = _settings.get
