"""The shop project as an app, so that Celery finds its tasks and Django its commands."""

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Demo shop"

    def ready(self):
        from .celery import ensure_broker_folders

        ensure_broker_folders()
