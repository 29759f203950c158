"""Signal receivers: a placed order changes stock, so its stock records are re-planned."""

from django.db import transaction
from django.dispatch import receiver
from oscar.core.loading import get_class

from oscar_insights.background import enqueue

from . import conf

order_placed = get_class("order.signals", "order_placed")


@receiver(order_placed, dispatch_uid="inventory_forecast.replan_after_order")
def replan_after_order(sender, order, **kwargs):
    """
    Once the order has committed, queue the re-plan of its stock records (one bounded attempt:
    a stopped broker never costs the checkout; the next forecast run re-plans them anyway).
    ``INVENTORY_FORECAST_REPLAN_ON_ORDER = False`` leaves them to that run.
    """
    if not conf.REPLAN_ON_ORDER:
        return
    ids = sorted({pk for pk in order.lines.values_list("stockrecord_id", flat=True) if pk})
    if not ids:
        return

    def send():
        from .tasks import replan

        enqueue(replan, (ids,))

    transaction.on_commit(send, robust=True)
