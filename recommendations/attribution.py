"""
Click attribution: which orders the recommendation blocks brought.

A link from a block carries ``?rec=<block>:<version>``; the product view it leads to is
recorded as a ``rec_click`` event with that source.  When an order is placed, each of its lines
whose product the shopper clicked in a block within ``RECOMMENDATIONS_ATTRIBUTION_DAYS`` before
is credited to the latest such click (:class:`~recommendations.models.Attribution`), so a
dashboard sums impressions (:mod:`.impressions`), clicks, attributed lines and revenue per
block and version cheaply (:func:`summary`).
"""

from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from . import conf, impressions
from .models import Attribution, Interaction


def parse_source(source):
    """``(block, version id or None)`` of a ``rec`` value such as ``"also_bought:12"``."""
    block, _sep, version = (source or "").partition(":")
    return block[:32], int(version) if version.isdigit() else None


def attribute_order(order, shopper):
    """Credit ``order``'s lines to the shopper's latest block clicks of their products within
    the window; returns the number of lines attributed.  Only this shopper's clicks count."""
    if not shopper:
        return 0
    lines = [line for line in order.lines.all() if line.product_id]
    placed = order.date_placed or timezone.now()
    who = Q()
    if shopper.user_id:
        who |= Q(user_id=shopper.user_id)
    if shopper.visitor_id:
        who |= Q(visitor_id=shopper.visitor_id)
    clicks = {}
    for product_id, source, when in (
        Interaction.objects.filter(
            who, event_type=Interaction.RECOMMENDATION_CLICK,
            product_id__in={line.product_id for line in lines},
            created_at__gte=placed - timedelta(days=conf.ATTRIBUTION_DAYS),
            created_at__lte=placed,
        ).order_by("created_at").values_list("product_id", "source", "created_at")
    ):
        clicks[product_id] = (source, when)  # the latest click wins
    rows = []
    for line in lines:
        if line.product_id in clicks:
            source, when = clicks[line.product_id]
            block, version = parse_source(source)
            rows.append(Attribution(
                line=line, order=order, block=block, version_id=version, clicked_at=when,
                ordered_at=placed, quantity=line.quantity, revenue=line.line_price_incl_tax))
    Attribution.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def summary(since=None):
    """
    Per ``(block, version)``: impressions, clicks, click-through rate (clicks over impressions,
    None before any impression), attributed lines, units and revenue since ``since``.  This
    process's impressions not yet written are written first (:func:`.impressions.flush`).
    """
    impressions.flush()
    clicks = Interaction.objects.filter(event_type=Interaction.RECOMMENDATION_CLICK)
    sales = Attribution.objects.all()
    if since is not None:
        clicks = clicks.filter(created_at__gte=since)
        sales = sales.filter(ordered_at__gte=since)
    result = {}

    def entry(key):
        return result.setdefault(key, {"impressions": 0, "clicks": 0, "ctr": None, "lines": 0,
                                       "units": 0, "revenue": 0})

    since_day = timezone.localdate(since) if since is not None else None
    for key, count in impressions.totals(since_day).items():
        entry(key)["impressions"] = count
    for source, count in clicks.values_list("source").annotate(n=Count("pk")).values_list(
            "source", "n"):
        entry(parse_source(source))["clicks"] += count
    for block, version, lines, units, revenue in sales.values_list("block", "version_id") \
            .annotate(lines=Count("pk"), units=Sum("quantity"), revenue=Sum("revenue")) \
            .values_list("block", "version_id", "lines", "units", "revenue"):
        entry((block, version)).update(lines=lines, units=units, revenue=revenue)
    for figures in result.values():
        if figures["impressions"]:
            figures["ctr"] = figures["clicks"] / figures["impressions"]
    return result
