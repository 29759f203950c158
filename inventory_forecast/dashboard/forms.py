"""Forms of the inventory forecast dashboard: the risk list's filters, snoozing an alert,
replenishment settings."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_insights.dashboard import partner_scope

from ..forecasters.classification import DEMAND_CLASSES
from ..models import ABC_CHOICES, BREAK_CHOICES, RISK_CHOICES, ReplenishmentSettings, StockRiskAlert

Partner = get_model("partner", "Partner")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")

BROKEN = "broken"
LIVE = "live"
SNOOZED = "snoozed"
NONE = "none"


def live_alerts():
    """Alerts open or acknowledged (snoozed ones included)."""
    return StockRiskAlert.objects.exclude(status=StockRiskAlert.CLOSED)


class RiskSearchForm(forms.Form):
    """Search and filters of the risk list; ``filter(queryset)`` applies the valid ones."""

    q = forms.CharField(label=_("Title or SKU"), required=False, max_length=128)
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none(),
                                     required=False, empty_label=_("Any partner"))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(),
                                      required=False, empty_label=_("Any category"))
    risk = forms.ChoiceField(label=_("Risk"), choices=[("", _("Any risk")), *RISK_CHOICES],
                             required=False)
    abc = forms.ChoiceField(label=_("ABC class"), choices=[("", _("Any class")), *ABC_CHOICES],
                            required=False)
    demand_class = forms.ChoiceField(
        label=_("Demand"), required=False,
        choices=[("", _("Any demand")), *((name, name.capitalize()) for name in DEMAND_CLASSES)])
    accuracy = forms.ChoiceField(label=_("Forecast"), required=False, choices=[
        ("", _("Any forecast")), (BROKEN, _("Demand outside its interval")), *BREAK_CHOICES])
    alert = forms.ChoiceField(label=_("Alert"), required=False, choices=[
        ("", _("With or without")), (LIVE, _("Live alert")), (SNOOZED, _("Snoozed alert")),
        (NONE, _("No live alert"))])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partner_scope(Partner.objects.order_by("name"), user)
        self.fields["category"].queryset = Category.objects.order_by("path")

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            term = data["q"].strip()
            queryset = queryset.filter(
                Q(stockrecord__partner_sku__icontains=term)
                | Q(stockrecord__product__upc__iexact=term)
                | Q(stockrecord__product__title__icontains=term)
                | Q(stockrecord__product__parent__title__icontains=term))
        if data.get("partner"):
            queryset = queryset.filter(stockrecord__partner=data["partner"])
        if data.get("category"):
            # The category and those below it; a child product is in its parent's categories.
            in_category = ProductCategory.objects.filter(
                Q(product=OuterRef("stockrecord__product"))
                | Q(product=OuterRef("stockrecord__product__parent")),
                category__path__startswith=data["category"].path)
            queryset = queryset.filter(Exists(in_category))
        for name, field in (("risk", "risk"), ("abc", "abc_class"),
                            ("demand_class", "demand_class")):
            if data.get(name):
                queryset = queryset.filter(**{field: data[name]})
        if data.get("accuracy") == BROKEN:
            queryset = queryset.exclude(accuracy_break="")
        elif data.get("accuracy"):
            queryset = queryset.filter(accuracy_break=data["accuracy"])
        if data.get("alert"):
            today = timezone.localdate()
            alerts = live_alerts().filter(stockrecord=OuterRef("stockrecord"))
            snoozed = Q(snoozed_until__gt=today)
            queryset = queryset.filter({
                LIVE: Exists(alerts.exclude(snoozed)),
                SNOOZED: Exists(alerts.filter(snoozed)),
                NONE: ~Exists(alerts),
            }[data["alert"]])
        return queryset


class SnoozeForm(forms.Form):
    """Until when an alert stays out of the live list (at most a year ahead)."""

    until = forms.DateField(label=_("Snooze until"),
                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean_until(self):
        until = self.cleaned_data["until"]
        today = timezone.localdate()
        if until <= today:
            raise forms.ValidationError(_("Pick a day after today."))
        if (until - today).days > 366:
            raise forms.ValidationError(_("Snooze for a year at most."))
        return until


class ReplenishmentSettingsForm(forms.ModelForm):
    """One stock record's or one partner's replenishment settings; empty fields inherit."""

    BOUNDS = {"lead_time_days": (1, 365), "review_days": (1, 365), "pack_size": (1, 100_000),
              "minimum_order": (0, 1_000_000)}

    class Meta:
        model = ReplenishmentSettings
        fields = ("lead_time_days", "review_days", "service_level", "pack_size", "minimum_order",
                  "unit_cost")

    def __init__(self, *args, inherited=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.prefix == "partner":
            del self.fields["unit_cost"]  # a cost is one stock record's
        else:
            self.fields["unit_cost"].validators.append(MinValueValidator(0))
        for name, field in self.fields.items():
            field.required = False
            if name in self.BOUNDS:
                low, high = self.BOUNDS[name]
                field.min_value, field.max_value = low, high
                field.widget.attrs.update(min=low, max=high)
                field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            if inherited is not None and hasattr(inherited, name):
                field.widget.attrs["placeholder"] = str(getattr(inherited, name))
        self.fields["service_level"].widget.attrs.update(min="0.501", max="0.999",
                                                         step="0.001")

    def clean_service_level(self):
        level = self.cleaned_data.get("service_level")
        if level is not None and not 0.5 < level < 1:
            raise forms.ValidationError(_("A service level is a share between 0.5 and 1, "
                                          "e.g. 0.950."))
        return level
