"""App configuration of recommendations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from oscar_insights.apps import require_core


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations")
    default_auto_field = "django.db.models.BigAutoField"

    def import_models(self):
        require_core(self)
        super().import_models()

    def ready(self):
        from . import checks, receivers  # noqa: F401  (connects receivers, registers checks)
