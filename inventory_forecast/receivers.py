"""Signal receivers: a placed order changes stock, so its stock records are re-planned."""

import logging

from django.db import transaction
from django.dispatch import receiver
from oscar.core.loading import get_class

logger = logging.getLogger(__name__)
order_placed = get_class("order.signals", "order_placed")


@receiver(order_placed, dispatch_uid="inventory_forecast.replan_after_order")
def replan_after_order(sender, order, **kwargs):
    """Once the order has committed, re-plan its stock records in the worker."""
    ids = sorted({pk for pk in order.lines.values_list("stockrecord_id", flat=True) if pk})
    if not ids:
        return

    def send():
        from .tasks import replan

        try:
            replan.delay(ids)
        except Exception:  # a stopped broker must not fail a checkout; the nightly run catches up
            logger.exception("Could not queue the re-plan of stock records %s", ids)

    transaction.on_commit(send)
