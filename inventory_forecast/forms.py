"""The filter form of the stock-risk alert list on the dashboard."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RISK_CHOICES, StockRiskAlert


class StockRiskAlertSearchForm(forms.Form):
    """
    Status and risk filters.  ``filter(queryset)`` applies them; an empty or invalid status
    shows the live alerts (open or acknowledged).
    """

    LIVE = "live"
    ALL = "all"
    STATUS_CHOICES = (
        (LIVE, _("Live (open or acknowledged)")),
        *StockRiskAlert.STATUSES,
        (ALL, _("All")),
    )

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    risk = forms.ChoiceField(label=_("Risk"), choices=[("", _("Any risk")), *RISK_CHOICES],
                             required=False)

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or self.LIVE
        if status == self.LIVE:
            queryset = queryset.exclude(status=StockRiskAlert.CLOSED)
        elif status != self.ALL:
            queryset = queryset.filter(status=status)
        if data.get("risk"):
            queryset = queryset.filter(risk=data["risk"])
        return queryset

    def description(self):
        """A heading for the filtered list, e.g. "Live alerts: Out of stock"."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or self.LIVE
        text = {self.LIVE: _("Live alerts"), self.ALL: _("All alerts")}.get(status)
        if text is None:
            text = _("Alerts with status “%s”") % dict(StockRiskAlert.STATUSES)[status]
        if data.get("risk"):
            text = f"{text}: {dict(RISK_CHOICES)[data['risk']]}"
        return text
