"""
Recording shopper behaviour into the event log (:class:`~recommendations.models.Interaction`).

No request objects below this line: callers pass a :class:`Shopper` (who) and plain values.
The request side (cookies, headers, bots, opt-out cookies) lives in ``middleware.py``.

Cost on the request path: :func:`record` is exactly one SQL statement, an ``INSERT … SELECT …
WHERE NOT EXISTS (opted out)``, so a signed-in shopper's opt-out is honoured on every device
without a separate read.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_insights.orders import cancelled_units, net_units

from . import conf
from .models import BackfilledOrder, Interaction, ShopperRecommendation, TrackingPreference


@dataclass
class Shopper:
    """Who did something: a signed-in user, an anonymous visitor, or both after sign-in."""

    user_id: int | None = None
    visitor_id: str = ""

    def __bool__(self):
        return bool(self.user_id or self.visitor_id)


_FIELDS = [
    field for field in Interaction._meta.concrete_fields if not field.primary_key
]


@lru_cache(maxsize=8)
def _insert_sql(vendor, durable=True):
    table = connection.ops.quote_name(Interaction._meta.db_table)
    prefs = connection.ops.quote_name(TrackingPreference._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
    placeholders = ", ".join(["%s"] * len(_FIELDS))
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {placeholders} WHERE NOT EXISTS "
        f"(SELECT 1 FROM {prefs} WHERE {prefs}.user_id = %s AND {prefs}.opted_out = %s)"
    )
    if vendor == "postgresql" and not durable:
        # Commit this transaction without waiting for the WAL flush (still one statement).
        sql += " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"
    return sql


def record(event_type, shopper, *, product=None, quantity=None, value=None, score=None,
           query="", source="", order=None, when=None, durable=True):
    """
    Append one event for ``shopper`` unless tracking is off or the user opted out.

    One SQL statement; returns nothing (the row's id is not read back, to stay one statement).

    ``durable=False`` is for events recorded by pages that write nothing else (product views,
    searches): on PostgreSQL, when ``RECOMMENDATIONS_ASYNC_COMMIT`` is on, their transaction
    then commits without waiting for the disk (``synchronous_commit = off`` for that
    transaction only).  A server crash may lose the last fraction of a second of such events;
    the database stays consistent.  Without it, the page would pay a disk flush for its only
    write.
    """
    if not conf.TRACKING_ENABLED or not shopper:
        return
    values = {
        "event_type": event_type,
        "user_id": shopper.user_id,
        "visitor_id": shopper.visitor_id or "",
        "product_id": getattr(product, "pk", product),
        "quantity": quantity,
        "value": value,
        "score": score,
        "query": (query or "")[:255],
        "source": (source or "")[:64],
        "order_id": getattr(order, "pk", order),
        "created_at": when or timezone.now(),
    }
    # Straight to SQL: a model instance and its save machinery would cost more than the insert.
    params = [f.get_db_prep_save(values[f.attname], connection) for f in _FIELDS]
    with connection.cursor() as cursor:
        sql = _insert_sql(connection.vendor, durable or not conf.ASYNC_COMMIT)
        cursor.execute(sql, [*params, shopper.user_id, True])


def opted_out_user_ids(user_ids):
    """The ids among ``user_ids`` of users who opted out of tracking."""
    return set(
        TrackingPreference.objects.filter(user_id__in=list(user_ids), opted_out=True).values_list(
            "user_id", flat=True
        )
    )


def is_opted_out(user_id):
    return bool(user_id) and bool(opted_out_user_ids([user_id]))


def set_opt_out(user, opted_out):
    """
    Store a shopper's choice; opting out also stops their anonymous cookie being linked and
    withdraws the recommendations computed from their history.
    """
    TrackingPreference.objects.update_or_create(user=user, defaults={"opted_out": opted_out})
    if opted_out:
        ShopperRecommendation.objects.filter(user=user).delete()


def merge_visitor_into_user(visitor_id, user_id, opted_out=None):
    """
    Attach a visitor's anonymous history to the account they signed in to (on login and at
    checkout).  When that account opted out, the anonymous history is deleted instead.
    ``opted_out`` saves the look-up when the caller knows.  Returns the number of events
    attached (or deleted).
    """
    if not visitor_id or not user_id:
        return 0
    anonymous = Interaction.objects.filter(visitor_id=visitor_id, user__isnull=True)
    if opted_out if opted_out is not None else is_opted_out(user_id):
        return anonymous.delete()[0]
    return anonymous.update(user_id=user_id)


def record_order(order, shopper, source="checkout"):
    """Purchase events for the lines of a placed order (one bulk insert); the caller has
    checked the shopper's opt-out."""
    if not conf.TRACKING_ENABLED or not shopper:
        return 0
    events = [
        Interaction(
            event_type=Interaction.PURCHASE,
            user_id=shopper.user_id,
            visitor_id=shopper.visitor_id or "",
            product_id=line.product_id,
            quantity=line.quantity,
            value=line.line_price_incl_tax,
            order=order,
            source=source,
            created_at=order.date_placed or timezone.now(),
        )
        for line in order.lines.all()
        if line.product_id
    ]
    Interaction.objects.bulk_create(events)
    return len(events)


def backfill_purchases(order_ids=None, batch_size=5000, progress=None):
    """
    Purchase events, dated when the orders were placed, for orders placed outside Oscar's
    checkout (imported history: no basket) that the backfill has not dealt with yet, or for the
    given ``order_ids``.  One event per order line with units left after cancellations, with
    those net units and their value.  Nothing is recorded for fully cancelled lines, for users
    who opted out, or for orders older than the retention period; every order dealt with is
    marked (:class:`BackfilledOrder`), so erased or purged events never come back.  Orders
    placed through the checkout are recorded (or not, by the shopper's choice) when placed.
    Returns the number of events created.
    """
    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    if not conf.TRACKING_ENABLED:
        return 0
    candidates = Order.objects.filter(basket__isnull=True)
    if order_ids is None:
        order_ids = candidates.values_list("id", flat=True)
    done = set(BackfilledOrder.objects.values_list("order_id", flat=True))
    pending = sorted(set(order_ids) - done)
    opted_out = set(
        TrackingPreference.objects.filter(opted_out=True).values_list("user_id", flat=True)
    )
    cutoff = None
    if conf.RETENTION_DAYS is not None:
        cutoff = timezone.now() - timedelta(days=conf.RETENTION_DAYS)
    created = 0
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        lines = list(
            Line.objects.filter(
                order_id__in=chunk, order__basket__isnull=True, product__isnull=False
            ).values_list(
                "id", "order_id", "order__user_id", "product_id", "quantity",
                "line_price_incl_tax", "order__date_placed",
            )
        )
        cancelled = cancelled_units([line[0] for line in lines])
        events = []
        for line_id, order_id, user_id, product_id, quantity, price, placed in lines:
            units = net_units(quantity, line_id, cancelled)
            if units <= 0 or user_id in opted_out or (cutoff and placed < cutoff):
                continue
            events.append(
                Interaction(
                    event_type=Interaction.PURCHASE,
                    user_id=user_id,
                    product_id=product_id,
                    quantity=units,
                    value=(price * units / quantity).quantize(price),
                    order_id=order_id,
                    source="order_history",
                    created_at=placed,
                )
            )
        with transaction.atomic():
            # The markers first: a concurrent backfill of the same orders fails here, whole.
            BackfilledOrder.objects.bulk_create(
                [BackfilledOrder(order_id=order_id) for order_id in chunk], batch_size=1000
            )
            Interaction.objects.bulk_create(events, batch_size=1000)
        created += len(events)
        if progress is not None:
            progress(len(chunk))
    return created


def purge_expired(now=None):
    """Delete events older than RETENTION_DAYS; returns how many were deleted."""
    days = conf.RETENTION_DAYS
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Interaction.objects.filter(created_at__lt=cutoff).delete()[0]


def shopper_events(user):
    """Every event of ``user`` (right of access), oldest first."""
    return Interaction.objects.filter(user=user).order_by("created_at", "id")


def erase_shopper_events(user):
    """
    Delete every event of ``user`` and the recommendations computed from them; returns how many
    events were deleted.
    """
    TrackingPreference.objects.update_or_create(
        user=user, defaults={"history_erased_at": timezone.now()}
    )
    ShopperRecommendation.objects.filter(user=user).delete()
    return Interaction.objects.filter(user=user).delete()[0]
