"""
Pages of the inventory forecast section of the dashboard.  The read path: the current run's
published forecasts, scoped to the user's partners (staff see every partner), in a bounded number
of queries whatever the catalogue's size.
"""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_tables2 import SingleTableView

from oscar_insights import runs
from oscar_insights.dashboard import partner_scope

from ..models import RISK_CHOICES, ForecastRun, SkuForecast, StockRiskAlert, StockRiskAlertEvent
from ..replenishment import RISKS
from .forms import RiskSearchForm, SnoozeForm, live_alerts
from .tables import RiskTable

NEVER = date(9999, 12, 31)
NO_DEMAND_COVER = 1e12  # sorts "no demand" (unbounded cover) after every finite cover


def forecasts_of(run, user):
    """The forecasts of ``run`` ``user`` may see, with what the risk list shows and sorts by."""
    alerts = live_alerts().filter(stockrecord=OuterRef("stockrecord")).order_by()
    forecasts = SkuForecast.objects.filter(run=run.pk if run else None).select_related(
        "stockrecord__product__parent", "stockrecord__partner",
    ).annotate(
        # A child product's title is its parent's unless it has its own.
        title=Coalesce(NullIf("stockrecord__product__title", Value("")),
                       "stockrecord__product__parent__title"),
        weekly_demand=F("mean_daily") * F("period_days"),
        cover_rank=Coalesce("days_of_cover", Value(NO_DEMAND_COVER)),
        stockout_rank=Coalesce("stockout_date", Value(NEVER)),
        risk_rank=Case(*(When(risk=risk, then=Value(rank)) for rank, risk in enumerate(RISKS)),
                       default=Value(len(RISKS))),
        alert_id=Subquery(alerts.values("pk")[:1]),
        alert_status=Subquery(alerts.values("status")[:1]),
        alert_snoozed_until=Subquery(alerts.values("snoozed_until")[:1]),
    )
    forecasts = partner_scope(forecasts, user, "stockrecord__partner")
    return forecasts if run is not None else forecasts.none()


class RiskListView(SingleTableView):
    """
    Every tracked stock record of the current forecast run with its plan and risk, worst risk
    and most revenue at risk first; sortable by each column, filtered and searched by
    :class:`RiskSearchForm`, paginated like Oscar's dashboard lists.
    """

    template_name = "inventory_forecast/dashboard/risk_list.html"
    table_class = RiskTable
    context_table_name = "risks"

    def get(self, request, *args, **kwargs):
        self.run = runs.current(ForecastRun)
        self.form = RiskSearchForm(request.GET, user=request.user)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.form.filter(forecasts_of(self.run, self.request.user))

    def get_table_pagination(self, table):
        return {"per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE}

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.caption = (_("Stock records matching the filters")
                         if self.form.is_valid() and any(self.form.cleaned_data.values())
                         else _("Tracked stock records"))
        return table

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form
        ctx["run"] = self.run
        ctx["risk_counts"] = risk_counts(forecasts_of(self.run, self.request.user))
        ctx["snooze_form"] = SnoozeForm()
        return ctx


def risk_counts(forecasts):
    """``[(risk, label, count)]`` worst first, in one query."""
    counts = forecasts.order_by().aggregate(**{
        risk: Count("pk", filter=Q(risk=risk)) for risk, _label in RISK_CHOICES})
    return [(risk, label, counts[risk]) for risk, label in RISK_CHOICES]


class AlertActionView(generic.View):
    """POST on one live alert the user may see, then back to ``next`` (a URL of this site)."""

    http_method_names = ("post",)

    def post(self, request, pk):
        alerts = partner_scope(StockRiskAlert.objects.select_related(
            "stockrecord__product__parent"), request.user, "stockrecord__partner")
        alert = alerts.filter(pk=pk).first()
        if alert is None:
            messages.error(request, _("Stock risk alert #%(pk)s does not exist.") % {"pk": pk})
        elif alert.status == StockRiskAlert.CLOSED:
            messages.error(request, _("The stock risk alert for “%(product)s” is closed: it "
                                      "needs nothing more.") % self.product(alert))
        else:
            self.act(alert)
        return redirect(self.next_url())

    @staticmethod
    def product(alert):
        return {"product": alert.stockrecord.product.get_title()}

    def record(self, alert, action, note=""):
        StockRiskAlertEvent.objects.create(alert=alert, action=action, risk=alert.risk,
                                           user=self.request.user, note=note)

    def next_url(self):
        url = self.request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()},
                                           require_https=self.request.is_secure()):
            return url
        return reverse("dashboard:inventory-forecast-risk-list")


class AlertAcknowledgeView(AlertActionView):
    """Mark a live alert acknowledged: someone is on it."""

    def act(self, alert):
        now = timezone.now()
        with transaction.atomic():
            # Conditional: a forecast run that closed the alert meanwhile wins.
            done = StockRiskAlert.objects.filter(pk=alert.pk, status=StockRiskAlert.OPEN).update(
                status=StockRiskAlert.ACKNOWLEDGED, acknowledged_at=now, updated_at=now)
            if done:
                self.record(alert, StockRiskAlertEvent.ACKNOWLEDGED)
        if done:
            messages.success(self.request, _("The stock risk alert for “%(product)s” was "
                                             "acknowledged.") % self.product(alert))
        else:
            messages.info(self.request, _("The stock risk alert for “%(product)s” was already "
                                          "acknowledged.") % self.product(alert))


class AlertSnoozeView(AlertActionView):
    """Hide a live alert from the live list until a day (it wakes up early if it worsens)."""

    def act(self, alert):
        form = SnoozeForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, " ".join(form.errors["until"]))
            return
        until = form.cleaned_data["until"]
        with transaction.atomic():
            done = live_alerts().filter(pk=alert.pk).update(snoozed_until=until,
                                                            updated_at=timezone.now())
            if done:
                self.record(alert, StockRiskAlertEvent.SNOOZED, note=f"until {until:%Y-%m-%d}")
        messages.success(self.request, _("The stock risk alert for “%(product)s” is snoozed "
                                         "until %(until)s.") % {**self.product(alert),
                                                               "until": until})
