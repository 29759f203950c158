"""Template tags of inventory_forecast: ``{% load inventory_forecast_tags %}``."""

from django import template

from ..models import StockRiskAlert

register = template.Library()


@register.inclusion_tag("inventory_forecast/dashboard/_stock_risk_link.html")
def stock_risk_link():
    """A link to the forecast stock-risk alerts with the number of live ones (one COUNT query)."""
    return {"live_count": StockRiskAlert.objects.exclude(status=StockRiskAlert.CLOSED).count()}
