"""
The recommendations section's figures: NDCG@10 of each published version against popularity,
events recorded per day by type, and clicks, attributed orders and revenue per block and version.
"""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from oscar_insights.charts import Chart, Series

from .. import attribution
from ..blocks import BLOCKS, Block
from ..models import Interaction, RecommenderVersion
from ..selection import BASELINE

VERSIONS_SHOWN = 30
EVENT_DAYS = 90
EVENTS_CACHE_SECONDS = 600  # the per-day counts scan the event log's last 90 days


def version_metrics(version):
    """``{"protocol", "ndcg", "popularity", "candidates": [(name, new, all, note)]}`` of a
    version's evaluation (empty figures for a version published without one)."""
    metrics = version.metrics or {}
    protocol = metrics.get("protocol", "new")
    candidates = metrics.get("candidates") or {}

    def ndcg(name, which=protocol):
        return (candidates.get(name) or {}).get(which, {}).get("ndcg")

    rows = []
    for name, result in candidates.items():
        note = result.get("skipped") or result.get("failed") or ""
        rows.append((name, ndcg(name, "new"), ndcg(name, "all"), note,
                     result.get("fit_seconds")))
    rows.sort(key=lambda row: -(row[1 if protocol == "new" else 2] or -1))
    return {"protocol": protocol, "ndcg": ndcg(version.algorithm), "popularity": ndcg(BASELINE),
            "candidates": rows, "reason": metrics.get("reason", ""),
            "timings": metrics.get("timings") or {}}


def published_versions():
    """The latest published versions, oldest first."""
    versions = RecommenderVersion.objects.filter(
        status__in=[RecommenderVersion.CURRENT, RecommenderVersion.SUPERSEDED],
        published_at__isnull=False).order_by("-published_at", "-pk")[:VERSIONS_SHOWN]
    return list(reversed(versions))


def ndcg_chart():
    versions = published_versions()
    figures = [version_metrics(v) for v in versions]
    return Chart(
        title=_("NDCG@10 of each version against popularity"), x_label=_("Version"),
        y_label="NDCG@10",
        labels=[f"#{v.pk} {v.published_at:%Y-%m-%d}" for v in versions],
        series=[Series(_("Published model"), [f["ndcg"] for f in figures], colour="#0072B2"),
                Series(_("Popularity"), [f["popularity"] for f in figures], dashed=True,
                       colour="#E69F00")])


def _event_window(days):
    """``(last day, counts)``: the last ``days`` days to today, or, when nothing was recorded
    in them (tracking stopped, or a shop of imported history only), the ``days`` days up to the
    latest event; counts ``[(day, type, n)]``."""
    today = timezone.localdate()
    end = today
    since = timezone.now() - timedelta(days=days)
    if not Interaction.objects.filter(created_at__gte=since).exists():
        latest = Interaction.objects.aggregate(latest=Max("created_at"))["latest"]
        if latest is not None:
            end = timezone.localdate(latest)
            since = latest - timedelta(days=days)
    counts = list(Interaction.objects.filter(created_at__gte=since)
                  .annotate(day=TruncDate("created_at")).values_list("day", "event_type")
                  .annotate(n=Count("pk")).order_by("day"))
    return end, counts


def events_chart(days=EVENT_DAYS):
    """Events recorded per day by type over the last ``days`` days, or the ``days`` up to the
    latest event when none is that recent (:func:`_event_window`; cached a few minutes)."""
    key = f"recommendations:dashboard:events:{days}"
    window = cache.get(key)
    if window is None:
        window = _event_window(days)
        cache.set(key, window, EVENTS_CACHE_SECONDS)
    end, counts = window
    dates = [end - timedelta(days=d) for d in range(days - 1, -1, -1)]
    per = {(day, kind): n for day, kind, n in counts}
    kinds = [(code, label) for code, label in Interaction.EVENT_TYPES
             if any(kind == code for _day, kind, _n in counts)]
    title = _("Events recorded per day")
    if end != timezone.localdate():
        title = _("Events recorded per day, to the latest (%(day)s): none in the last "
                  "%(days)d days") % {"day": end.isoformat(), "days": days}
    return Chart(
        title=title, x_label=_("Day"), y_label=_("Events"), stacked=True,
        labels=[d.isoformat() for d in dates],
        series=[Series(str(label), [per.get((d, code), 0) for d in dates], kind="bar",
                       stack="events") for code, label in kinds])


def attribution_rows(days=None):
    """``[(block, version, impressions, clicks, click-through rate in %, lines, units,
    revenue)]`` (the :class:`~recommendations.blocks.Block`: its title and name), most revenue
    first, then most clicks, then most impressions."""
    since = timezone.now() - timedelta(days=days) if days else None
    rows = [(BLOCKS.get(block) or Block(block, block), version, f["impressions"], f["clicks"],
             None if f["ctr"] is None else 100 * f["ctr"], f["lines"], f["units"], f["revenue"])
            for (block, version), f in attribution.summary(since).items()]
    rows.sort(key=lambda row: (-(row[7] or 0), -row[3], -row[2], row[0].name, row[1] or 0))
    return rows
