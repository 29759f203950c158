"""
Oscar's order lines as demand: the units of a line that were not cancelled afterwards.

Oscar records a cancellation as a shipping event of type "Cancelled" with a quantity per line
(the importer records imported cancellations the same way); a line's *net units* are its
quantity minus those quantities.
"""

from collections import defaultdict

from oscar.core.loading import get_model

from .db import chunked

CANCELLED = "Cancelled"


def cancelled_units(line_ids=None):
    """
    ``{order line id: units cancelled}`` for ``line_ids`` (order lines or their ids), or for
    every line when None; lines with nothing cancelled are absent.
    """
    ShippingEvent = get_model("order", "ShippingEvent")
    ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
    # No join: SQLite, without statistics, plans the join event-first and probes every
    # cancellation for every line.  Cancellation events are few; filter on them in Python.
    events = set(ShippingEvent.objects.filter(event_type__name=CANCELLED)
                 .values_list("id", flat=True))
    cancelled = defaultdict(int)
    if not events:
        return {}
    if line_ids is None:
        for chunk in chunked(events):
            for line_id, quantity in ShippingEventQuantity.objects.filter(
                    event_id__in=chunk).values_list("line_id", "quantity"):
                cancelled[line_id] += quantity
        return dict(cancelled)
    for chunk in chunked(getattr(line, "pk", line) for line in line_ids):
        rows = ShippingEventQuantity.objects.filter(line_id__in=chunk).values_list(
            "line_id", "event_id", "quantity")
        for line_id, event_id, quantity in rows:
            if event_id in events:
                cancelled[line_id] += quantity
    return dict(cancelled)


def net_units(quantity, line_id, cancelled):
    """The units of a line left after its cancellations (``cancelled``: :func:`cancelled_units`)."""
    return max(quantity - cancelled.get(line_id, 0), 0)
