"""
Imported cancellations, recorded the way Oscar records one: each cancelled row is matched to
the same customer's most recent earlier lines of the same product that still have uncancelled
units, and stored as a "Cancelled" shipping event on that order with a quantity per line.
Fully cancelled lines, and orders whose every line is, get the status "Cancelled".
"""

from collections import defaultdict

from oscar.core.loading import get_model

from ..db import chunked, insert, lookup
from ..orders import CANCELLED, cancelled_units


def apply_cancellations(cancellations, users, usernames, partner, report, batch):
    ShippingEvent = get_model("order", "ShippingEvent")
    ShippingEventType = get_model("order", "ShippingEventType")
    ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
    Line = get_model("order", "Line")
    Order = get_model("order", "Order")
    if not cancellations:
        return
    event_type, _ = ShippingEventType.objects.get_or_create(
        name=CANCELLED, defaults={"code": "cancelled"}
    )
    applied = set(
        ShippingEvent.objects.filter(event_type=event_type).values_list("notes", flat=True)
    )
    pending = [row for row in cancellations if _cancellation_note(row.invoice) not in applied]
    report.cancellations_already_applied = len(
        {row.invoice for row in cancellations if _cancellation_note(row.invoice) in applied}
    )
    guest_units = sum(-row.quantity for row in pending if not row.customer)
    report.cancelled_units_unmatched += guest_units
    pending = [row for row in pending if row.customer]
    if not pending:
        return

    # Candidate lines: the customers' lines of the cancelled products, newest order first.
    user_ids = {users[usernames[row.customer]] for row in pending}
    codes = {row.code for row in pending}
    candidates = defaultdict(list)  # (user_id, code) -> [[line_id, order_id, date, remaining]]
    line_rows = []
    for chunk in chunked(user_ids):
        line_rows.extend(
            row
            for row in Line.objects.filter(order__user_id__in=chunk, partner=partner).values_list(
                "id", "order_id", "order__user_id", "partner_sku", "order__date_placed", "quantity"
            )
            if row[3] in codes
        )
    line_rows.sort(key=lambda row: (row[4], row[0]), reverse=True)  # newest order first
    already = cancelled_units([row[0] for row in line_rows])
    for line_id, order_id, user_id, code, placed, quantity in line_rows:
        remaining = quantity - already.get(line_id, 0)
        if remaining > 0:
            candidates[(user_id, code)].append([line_id, order_id, placed, remaining])

    # Allocate each cancelled row, oldest cancellation first, to the newest earlier lines.
    allocations = defaultdict(lambda: defaultdict(int))  # (invoice, order_id) -> line_id -> units
    invoice_dates = {}
    for row in sorted(pending, key=lambda r: (r.date, r.invoice)):
        units = -row.quantity
        invoice_dates[row.invoice] = row.date
        for candidate in candidates.get((users[usernames[row.customer]], row.code), ()):
            line_id, order_id, placed, remaining = candidate
            if units == 0:
                break
            if remaining == 0 or placed > row.date:
                continue
            take = min(units, remaining)
            candidate[3] -= take
            units -= take
            allocations[(row.invoice, order_id)][line_id] += take
            report.cancelled_units_applied += take
        report.cancelled_units_unmatched += units

    events = [
        ShippingEvent(order_id=order_id, event_type=event_type, notes=_cancellation_note(invoice))
        for (invoice, order_id) in allocations
    ]
    events = list(insert(ShippingEvent, events, batch))
    for event, (invoice, _order_id) in zip(events, allocations):
        event.date_created = invoice_dates[invoice]  # auto_now_add overrode it on insert
    ShippingEvent.objects.bulk_update(events, ["date_created"], batch_size=batch)
    quantities = [
        ShippingEventQuantity(event_id=event.id, line_id=line_id, quantity=units)
        for event, key in zip(events, allocations)
        for line_id, units in allocations[key].items()
    ]
    list(insert(ShippingEventQuantity, quantities, batch))
    report.cancellation_events_created = len(events)

    # Statuses: fully cancelled lines, and orders whose every line is fully cancelled.
    touched_lines = list({line_id for per_line in allocations.values() for line_id in per_line})
    cancelled = cancelled_units(touched_lines)
    quantities_by_line = lookup(Line.objects.all(), "id", touched_lines, key="quantity")
    fully = [line_id for line_id, quantity in quantities_by_line.items() if cancelled.get(line_id, 0) >= quantity]
    for chunk in chunked(fully):
        Line.objects.filter(id__in=chunk).update(status=CANCELLED)
    for chunk in chunked({order_id for (_invoice, order_id) in allocations}):
        live = set(
            Line.objects.filter(order_id__in=chunk).exclude(status=CANCELLED).values_list("order_id", flat=True)
        )
        Order.objects.filter(id__in=[oid for oid in chunk if oid not in live]).update(status=CANCELLED)


def _cancellation_note(invoice):
    return f"Cancellation invoice {invoice}"

