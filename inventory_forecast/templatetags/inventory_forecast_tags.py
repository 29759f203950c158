"""Template tags of inventory_forecast: ``{% load inventory_forecast_tags %}``."""

from datetime import timedelta

from django import template
from django.db.models import Count, F, Q, Sum

from oscar_insights import runs

from .. import conf
from ..models import ForecastRun, StockRiskAlert

register = template.Library()


@register.inclusion_tag("inventory_forecast/dashboard/_stock_risk_link.html")
def stock_risk_link():
    """A link to the forecast stock-risk alerts with the number of live ones (one COUNT query)."""
    return {"live_count": StockRiskAlert.objects.exclude(status=StockRiskAlert.CLOSED).count()}


@register.inclusion_tag("inventory_forecast/dashboard/_index_tile.html", takes_context=True)
def forecast_tile(context):
    """
    The forecast's figures for the dashboard's index page, for the user's partners: stock
    records at risk (an alert's risk), stock-outs expected within 7 days, and the suggested
    orders (lines, units, value at the selling price: Oscar keeps no cost price).  One query.
    """
    from oscar.views.decorators import check_permissions

    from ..dashboard.apps import VIEW
    from ..dashboard.views import visible_forecasts

    request = context["request"]
    if not check_permissions(request.user, VIEW):
        return {"hidden": True}
    run = runs.current(ForecastRun)
    figures = {"run": run, "request": request}
    if run is None:
        return figures
    forecasts = visible_forecasts(run, request.user)
    soon = run.as_of + timedelta(days=7)
    figures.update(forecasts.aggregate(
        at_risk=Count("pk", filter=Q(risk__in=list(conf.ALERT_RISKS))),
        stockouts=Count("pk", filter=Q(available__gt=0, stockout_date__lte=soon)),
        order_lines=Count("pk", filter=Q(suggested_order__gt=0)),
        order_units=Sum("suggested_order", filter=Q(suggested_order__gt=0)),
        order_value=Sum(F("suggested_order") * F("unit_price"), filter=Q(suggested_order__gt=0)),
    ))
    return figures
