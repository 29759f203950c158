"""Stock-risk alerts: raised for the SKUs of a run whose risk needs a person
(``INVENTORY_FORECAST_ALERT_RISKS``: out of stock, stock-out before the next delivery, and a
forecast break: the latest lead-time window's demand far outside its interval), updated while
the risk lasts, closed when it is gone.  "Reorder now" is routine replenishment: the suggested
purchase orders carry it.  A SKU at a stock risk whose forecast also broke has one alert, of the
stock risk, and its reason says both."""

from django.db.models import Q
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


def break_text(forecast):
    """The forecast break in a few words ("" without one)."""
    if not forecast.accuracy_break:
        return ""
    weeks = forecast.recent_weeks or 1
    span = gettext("in the last week") if weeks == 1 else gettext(
        "in the last %(weeks)d weeks") % {"weeks": weeks}
    return gettext("Sold %(demand)s %(span)s, forecast %(forecast)s") % {
        "demand": f"{forecast.recent_demand:.0f}", "span": span,
        "forecast": f"{forecast.recent_forecast:.0f}"}


def alert_risk(forecast):
    """The risk an alert of ``forecast`` carries, or None when it needs none: its plan's risk
    if that is one of ``ALERT_RISKS``, else a forecast break if it broke and breaks alert."""
    if forecast.risk in conf.ALERT_RISKS:
        return forecast.risk
    if forecast.accuracy_break and replenishment.FORECAST_BREAK in conf.ALERT_RISKS:
        return replenishment.FORECAST_BREAK
    return None


def reason(forecast):
    """Why a SKU has its risk, in a few words (the list shows the numbers in their columns),
    and its forecast break if it has one."""
    risk = forecast.risk
    text = ""
    if risk == replenishment.OUT_OF_STOCK:
        text = "No stock available"
    elif risk == replenishment.STOCKOUT_BEFORE_DELIVERY:
        text = (f"{forecast.days_of_cover:.0f} days of cover, lead time "
                f"{forecast.lead_time_days} days")
    elif risk == replenishment.REORDER_NOW:
        text = f"At or below reorder point {forecast.reorder_point:.0f}"
    elif risk == replenishment.REORDER_SOON:
        text = f"Reorder point within {forecast.review_days} days"
    return "; ".join(part for part in (text, break_text(forecast)) if part)


def worse(risk, than):
    """True when alert risk ``risk`` is worse than ``than`` (:data:`replenishment.ALERT_RISKS`,
    worst first)."""
    order = replenishment.ALERT_RISKS
    return order.index(risk) < order.index(than)


def sync_alerts(run, stockrecord_ids=None):
    """
    Open (or update) a :class:`StockRiskAlert` for every SKU of ``run`` that needs one
    (:func:`alert_risk`), close live alerts of SKUs no longer at risk, and write
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
    needs = Q(risk__in=list(conf.ALERT_RISKS))
    if replenishment.FORECAST_BREAK in conf.ALERT_RISKS:
        needs |= ~Q(accuracy_break="")
    for forecast in forecasts.filter(needs).iterator(chunk_size=2000):
        risk = alert_risk(forecast)
        at_risk.add(forecast.stockrecord_id)
        alert = live.get(forecast.stockrecord_id)
        if alert is None:
            new.append(StockRiskAlert(stockrecord_id=forecast.stockrecord_id, risk=risk,
                                      reason=reason(forecast), forecast=forecast, raised_at=now))
        elif alert.risk != risk or alert.forecast_id != forecast.pk:
            if alert.risk != risk:
                action = (StockRiskAlertEvent.WORSENED if worse(risk, alert.risk)
                          else StockRiskAlertEvent.EASED)
                if action == StockRiskAlertEvent.WORSENED:
                    alert.snoozed_until = None
                elif alert.reported_risk and worse(alert.reported_risk, risk):
                    # Eased below what the digest last said: worsening again is news again.
                    alert.reported_risk = risk
                events.append(StockRiskAlertEvent(alert=alert, action=action, risk=risk,
                                                  created_at=now))
            alert.risk, alert.reason, alert.forecast, alert.updated_at = (
                risk, reason(forecast), forecast, now)
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
