"""App configuration of oscar_insights, the core both apps build on."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OscarInsightsConfig(AppConfig):
    name = "oscar_insights"
    verbose_name = _("Oscar insights (core)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)


def require_core(app_config):
    """Raise a clear error when an app that builds on the core is installed without it."""
    from django.core.exceptions import ImproperlyConfigured

    if "oscar_insights" not in app_config.apps.app_configs:
        raise ImproperlyConfigured(
            f"{app_config.name} needs 'oscar_insights' in INSTALLED_APPS (the core it builds on)."
        )
