"""Celery tasks of the recommendations app: thin wrappers over tracking functions."""

from celery import shared_task

from . import tracking


@shared_task(name="recommendations.purge_expired_interactions")
def purge_expired_interactions():
    """Delete events older than RECOMMENDATIONS_RETENTION_DAYS (schedule it daily)."""
    return tracking.purge_expired()


@shared_task(name="recommendations.backfill_purchases")
def backfill_purchases(order_ids=None):
    """Purchase events for the given orders (default: every order without them)."""
    return tracking.backfill_purchases(order_ids)
