"""Stock-risk alerts: raised for the SKUs of a run whose risk is worse than "reorder soon",
updated while the risk lasts, closed when it is gone."""

from django.utils import timezone

from . import replenishment
from .models import SkuForecast, StockRiskAlert

WORSE_THAN_SOON = (replenishment.OUT_OF_STOCK, replenishment.STOCKOUT_BEFORE_DELIVERY,
                   replenishment.REORDER_NOW)


def reason(forecast):
    """A sentence saying why a SKU is at risk, for the alert list."""
    cover = ("no stock left" if forecast.available <= 0 else
             f"{forecast.available} units available, about {forecast.days_of_cover:.0f} days of "
             f"cover at {forecast.mean_daily:.1f} units a day" if forecast.days_of_cover is not None
             else f"{forecast.available} units available")
    return (f"{forecast.get_risk_display()}: {cover}; lead time {forecast.lead_time_days} days, "
            f"reorder point {forecast.reorder_point:.0f}; suggested order "
            f"{forecast.suggested_order} units.")


def sync_alerts(run, stockrecord_ids=None):
    """
    Open (or update) a :class:`StockRiskAlert` for every SKU of ``run`` whose risk is worse than
    "reorder soon", close live alerts of SKUs no longer at risk.  Returns counts.
    """
    forecasts = SkuForecast.objects.filter(run=run)
    live = StockRiskAlert.objects.exclude(status=StockRiskAlert.CLOSED)
    if stockrecord_ids is not None:
        forecasts = forecasts.filter(stockrecord_id__in=stockrecord_ids)
        live = live.filter(stockrecord_id__in=stockrecord_ids)
    live = {alert.stockrecord_id: alert for alert in live}
    now = timezone.now()
    closed = 0
    at_risk = set()
    new, changed = [], []
    for forecast in forecasts.filter(risk__in=WORSE_THAN_SOON).iterator(chunk_size=2000):
        at_risk.add(forecast.stockrecord_id)
        alert = live.get(forecast.stockrecord_id)
        if alert is None:
            new.append(StockRiskAlert(stockrecord_id=forecast.stockrecord_id, risk=forecast.risk,
                                      reason=reason(forecast), forecast=forecast, raised_at=now))
        elif alert.risk != forecast.risk or alert.forecast_id != forecast.pk:
            alert.risk, alert.reason, alert.forecast, alert.updated_at = (
                forecast.risk, reason(forecast), forecast, now)
            changed.append(alert)
    StockRiskAlert.objects.bulk_update(changed, ["risk", "reason", "forecast", "updated_at"],
                                       batch_size=1000)
    updated = len(changed)
    # A concurrent re-plan may have raised the same alert: the unique constraint keeps one.
    created = StockRiskAlert.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    opened = len(created)
    gone = [alert.pk for pk, alert in live.items() if pk not in at_risk]
    if gone:
        closed = StockRiskAlert.objects.filter(pk__in=gone).update(
            status=StockRiskAlert.CLOSED, closed_at=now, updated_at=now)
    return {"opened": opened, "updated": updated, "closed": closed}

