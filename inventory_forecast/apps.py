"""App configuration of inventory_forecast."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from oscar_insights.apps import require_core


class InventoryForecastConfig(AppConfig):
    name = "inventory_forecast"
    verbose_name = _("Inventory forecasts")
    default_auto_field = "django.db.models.BigAutoField"

    def import_models(self):
        require_core(self)
        super().import_models()

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers checks and receivers)
