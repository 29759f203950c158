"""The demo Oscar storefront that hosts the recommendations and inventory_forecast apps."""

from .celery import app as celery_app

__all__ = ("celery_app",)
