"""Signals sent by the inventory_forecast app."""

from django.dispatch import Signal

#: Sent after an order-history import has committed.  Arguments: ``order_ids`` (the orders it
#: created) and ``report`` (its ImportReport).
order_history_imported = Signal()
