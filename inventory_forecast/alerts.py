"""Stock-risk alerts: raised for the SKUs of a run whose risk needs a person
(``INVENTORY_FORECAST_ALERT_RISKS``: out of stock, stock-out before the next delivery), updated
while the risk lasts, closed when it is gone.  "Reorder now" is routine replenishment: the
suggested purchase orders carry it."""

from django.utils import timezone
from django.utils.translation import gettext

from . import conf, replenishment
from .models import SkuForecast, StockRiskAlert, StockRiskAlertEvent


def cover_text(days):
    """Days of cover for people: "no demand" (None), "over 10 years", or whole days."""
    if days is None:
        return gettext("no demand")
    if days > replenishment.MAX_PROJECTION_DAYS:
        return gettext("over 10 years")
    return f"{days:.0f}"


def reason(forecast):
    """Why a SKU has its risk, in a few words (the list shows the numbers in their columns)."""
    risk = forecast.risk
    if risk == replenishment.OUT_OF_STOCK:
        return "No stock available"
    if risk == replenishment.STOCKOUT_BEFORE_DELIVERY:
        return (f"{forecast.days_of_cover:.0f} days of cover, lead time "
                f"{forecast.lead_time_days} days")
    if risk == replenishment.REORDER_NOW:
        return f"At or below reorder point {forecast.reorder_point:.0f}"
    if risk == replenishment.REORDER_SOON:
        return f"Reorder point within {forecast.review_days} days"
    return ""


def worse(risk, than):
    """True when ``risk`` is worse than ``than`` (:data:`replenishment.RISKS`, worst first)."""
    return replenishment.RISKS.index(risk) < replenishment.RISKS.index(than)


def sync_alerts(run, stockrecord_ids=None):
    """
    Open (or update) a :class:`StockRiskAlert` for every SKU of ``run`` whose risk is one of
    ``INVENTORY_FORECAST_ALERT_RISKS``, close live alerts of SKUs no longer at risk, and write
    each change to the alerts' history.  A risk that worsens wakes a snoozed alert.  Returns
    counts.
    """
    forecasts = SkuForecast.objects.filter(run=run)
    live = StockRiskAlert.objects.exclude(status=StockRiskAlert.CLOSED)
    if stockrecord_ids is not None:
        forecasts = forecasts.filter(stockrecord_id__in=stockrecord_ids)
        live = live.filter(stockrecord_id__in=stockrecord_ids)
    live = {alert.stockrecord_id: alert for alert in live}
    now = timezone.now()
    at_risk = set()
    new, changed, events = [], [], []
    for forecast in forecasts.filter(risk__in=list(conf.ALERT_RISKS)).iterator(chunk_size=2000):
        at_risk.add(forecast.stockrecord_id)
        alert = live.get(forecast.stockrecord_id)
        if alert is None:
            new.append(StockRiskAlert(stockrecord_id=forecast.stockrecord_id, risk=forecast.risk,
                                      reason=reason(forecast), forecast=forecast, raised_at=now))
        elif alert.risk != forecast.risk or alert.forecast_id != forecast.pk:
            if alert.risk != forecast.risk:
                action = (StockRiskAlertEvent.WORSENED if worse(forecast.risk, alert.risk)
                          else StockRiskAlertEvent.EASED)
                if action == StockRiskAlertEvent.WORSENED:
                    alert.snoozed_until = None
                elif alert.reported_risk and worse(alert.reported_risk, forecast.risk):
                    # Eased below what the digest last said: worsening again is news again.
                    alert.reported_risk = forecast.risk
                events.append(StockRiskAlertEvent(alert=alert, action=action, risk=forecast.risk,
                                                  created_at=now))
            alert.risk, alert.reason, alert.forecast, alert.updated_at = (
                forecast.risk, reason(forecast), forecast, now)
            changed.append(alert)
    StockRiskAlert.objects.bulk_update(
        changed, ["risk", "reason", "forecast", "snoozed_until", "reported_risk", "updated_at"],
        batch_size=1000)
    # A concurrent re-plan may have raised the same alert: the unique constraint keeps one.
    StockRiskAlert.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    # ignore_conflicts leaves the new rows without primary keys: read back the ones raised now.
    raised = (list(StockRiskAlert.objects.filter(raised_at=now, status=StockRiskAlert.OPEN)
                   .values_list("pk", "risk")) if new else [])
    events.extend(StockRiskAlertEvent(alert_id=pk, action=StockRiskAlertEvent.RAISED, risk=risk,
                                      created_at=now) for pk, risk in raised)
    gone = [alert for pk, alert in live.items() if pk not in at_risk]
    closed = 0
    if gone:
        closed = StockRiskAlert.objects.filter(pk__in=[alert.pk for alert in gone]).update(
            status=StockRiskAlert.CLOSED, closed_at=now, updated_at=now)
        events.extend(StockRiskAlertEvent(alert=alert, action=StockRiskAlertEvent.CLOSED,
                                          risk=alert.risk, created_at=now) for alert in gone)
    StockRiskAlertEvent.objects.bulk_create(events, batch_size=2000)
    return {"opened": len(raised), "updated": len(changed), "closed": closed}
