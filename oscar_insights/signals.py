"""Signals sent by the core."""

from django.dispatch import Signal

#: Sent after an order-history import has committed.  Arguments: ``order_ids`` (the orders it
#: created) and ``report`` (its :class:`~oscar_insights.importing.ImportReport`).  The
#: recommendations app, when installed, turns the orders into purchase events.
order_history_imported = Signal()
