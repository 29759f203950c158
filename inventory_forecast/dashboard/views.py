"""
Pages of the inventory forecast section of the dashboard.  The read path: the current run's
published forecasts, scoped to the user's partners (staff see every partner), in a bounded number
of queries whatever the catalogue's size.
"""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import generic
from django_tables2 import SingleTableView
from oscar.core.loading import get_model

from oscar_insights import runs
from oscar_insights.charts import chart_response
from oscar_insights.dashboard import (
    RunProgressView,
    StartRunView,
    partner_scope,
    progress_url,
)
from oscar_insights.db import chunked

from .. import conf, digest, replanning, tasks
from ..alerts import cover_text
from ..models import (
    RISK_CHOICES,
    ForecastRun,
    ReplenishmentSettings,
    SkuForecast,
    StockRiskAlert,
    StockRiskAlertEvent,
)
from ..policies import policies
from . import sku
from .forms import BROKEN, ReplenishmentSettingsForm, RiskSearchForm, SnoozeForm, live_alerts
from .tables import RiskTable

NEVER = date(9999, 12, 31)
NO_DEMAND_COVER = 1e12  # sorts "no demand" (unbounded cover) after every finite cover


def visible_forecasts(run, user):
    """The forecasts of ``run`` (None: no run, nothing) that ``user`` may see: staff every
    partner's, partner users their partners'."""
    forecasts = partner_scope(SkuForecast.objects.filter(run=run.pk if run else None), user,
                              "stockrecord__partner")
    return forecasts if run is not None else forecasts.none()


def forecasts_of(run, user, titled=False):
    """
    The forecasts of ``run`` ``user`` may see, with what the risk list sorts by.  Their stock
    records, products and partners come by prefetching the page's rows, not by joins: sorting
    and counting 100,000 forecasts then reads the forecast table alone.  ``titled`` adds the
    product title (a join) for sorting by it.
    """
    alerts = live_alerts().filter(stockrecord=OuterRef("stockrecord")).order_by()
    forecasts = visible_forecasts(run, user).prefetch_related(
        "stockrecord__product__parent", "stockrecord__partner",
    ).annotate(
        weekly_demand=F("mean_daily") * F("period_days"),
        cover_rank=Coalesce("days_of_cover", Value(NO_DEMAND_COVER)),
        stockout_rank=Coalesce("stockout_date", Value(NEVER)),
        alert_id=Subquery(alerts.values("pk")[:1]),
        alert_status=Subquery(alerts.values("status")[:1]),
        alert_snoozed_until=Subquery(alerts.values("snoozed_until")[:1]),
    )
    if titled:
        # A child product's title is its parent's unless it has its own.
        forecasts = forecasts.annotate(title=Coalesce(
            NullIf("stockrecord__product__title", Value("")),
            "stockrecord__product__parent__title"))
    return forecasts


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
        titled = self.request.GET.get("sort", "").lstrip("-") == "product"
        return self.form.filter(forecasts_of(self.run, self.request.user, titled=titled))

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
        ctx["risk_counts"] = risk_counts(visible_forecasts(self.run, self.request.user))
        ctx["snooze_form"] = SnoozeForm()
        ctx["digest_subscribed"] = digest.is_subscribed(self.request.user)
        ctx["progress_url"] = progress_url(self.request,
                                           "dashboard:inventory-forecast-run-progress")
        return ctx


def risk_counts(forecasts):
    """``[(query, label, count)]``: each risk worst first, then the forecast breaks, in one
    query."""
    counts = forecasts.order_by().aggregate(
        **{risk: Count("pk", filter=Q(risk=risk)) for risk, _label in RISK_CHOICES},
        broken=Count("pk", filter=~Q(accuracy_break="")))
    return [*((f"risk={risk}", label, counts[risk]) for risk, label in RISK_CHOICES),
            (f"accuracy={BROKEN}", _("Forecast break"), counts["broken"])]


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
        if not done:  # a forecast run closed it meanwhile
            messages.error(self.request, _("The stock risk alert for “%(product)s” is closed: "
                                           "it needs nothing more.") % self.product(alert))
            return
        messages.success(self.request, _("The stock risk alert for “%(product)s” is snoozed "
                                         "until %(until)s.") % {**self.product(alert),
                                                               "until": until})


def stockrecords_of(user):
    """The stock records ``user`` may see (partner users: their partners')."""
    StockRecord = get_model("partner", "StockRecord")
    return partner_scope(StockRecord.objects.select_related("product__parent", "partner"), user,
                         "partner")


class SkuMixin:
    """The stock record of the URL (404 when the user may not see it) and its current forecast
    (None when the current run has none: never sold, or no run yet)."""

    def dispatch(self, request, *args, **kwargs):
        self.stockrecord = get_object_or_404(stockrecords_of(request.user),
                                             pk=kwargs["stockrecord_id"])
        self.run = runs.current(ForecastRun)
        self.forecast = (SkuForecast.objects.filter(run=self.run, stockrecord=self.stockrecord)
                         .first() if self.run else None)
        return super().dispatch(request, *args, **kwargs)


class SkuView(SkuMixin, generic.TemplateView):
    """
    One stock record: its plan and the forecast's accuracy, charts of its sales and forecast
    and of its projected stock, its alert with its history, and its replenishment settings.
    """

    template_name = "inventory_forecast/dashboard/sku.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record, forecast = self.stockrecord, self.forecast
        own = ReplenishmentSettings.objects.filter(stockrecord=record).first()
        partner_own = ReplenishmentSettings.objects.filter(partner_id=record.partner_id).first()
        ctx.update(record=record, forecast=forecast, run=self.run)
        # One read of the settings: the record's policy, what it inherits from its partner (a
        # record of no settings: id -1) and what the partner inherits (-2: nor a partner's).
        found = policies([(record.pk, record.partner_id), (-1, record.partner_id), (-2, None)])
        ctx["policy"] = found[record.pk]
        ctx.setdefault("record_form", ReplenishmentSettingsForm(
            instance=own, prefix="record", inherited=found[-1]))
        ctx.setdefault("partner_form", ReplenishmentSettingsForm(
            instance=partner_own, prefix="partner", inherited=found[-2]))
        if forecast is not None:
            ctx["weekly_demand"] = forecast.mean_daily * forecast.period_days
            ctx["cover"] = cover_text(forecast.days_of_cover)
            ctx["sales_chart"] = sku.sales_chart(forecast, self.run.as_of)
            ctx["stock_chart"] = sku.stock_chart(forecast, self.run.as_of)
        alerts = StockRiskAlert.objects.filter(stockrecord=record)
        ctx["alert"] = alerts.exclude(status=StockRiskAlert.CLOSED).first()
        ctx["history"] = (StockRiskAlertEvent.objects.filter(alert__stockrecord=record)
                          .select_related("user").order_by("-created_at", "-pk")[:50])
        ctx["snooze_form"] = SnoozeForm()
        return ctx


class SkuChartView(SkuMixin, generic.View):
    """The JSON of one of the SKU page's charts ("sales" or "stock")."""

    CHARTS = {"sales": sku.sales_chart, "stock": sku.stock_chart}

    def get(self, request, stockrecord_id, name):
        if self.forecast is None or name not in self.CHARTS:
            raise Http404("No such chart.")
        return chart_response(self.CHARTS[name](self.forecast, self.run.as_of))


class SkuSettingsView(SkuView):
    """POST: save the record's (prefix ``record``) or its partner's (``partner``) settings and
    re-plan the affected records of the current run at once."""

    http_method_names = ("post",)

    def post(self, request, stockrecord_id):
        record = self.stockrecord
        scope = "partner" if request.POST.get("scope") == "partner" else "record"
        owner = {"partner_id": record.partner_id} if scope == "partner" else {
            "stockrecord": record}
        own = ReplenishmentSettings.objects.filter(**owner).first()
        form = ReplenishmentSettingsForm(request.POST, instance=own, prefix=scope)
        if not form.is_valid():
            messages.error(request, _("The settings were not saved: see the errors below."))
            return self.render_to_response(self.get_context_data(**{f"{scope}_form": form}))
        with transaction.atomic():
            if any(value is not None for value in form.cleaned_data.values()):
                settings_row = form.save(commit=False)
                for name, value in owner.items():
                    setattr(settings_row, name, value)
                settings_row.save()
            elif own is not None:
                own.delete()  # nothing left of its own: it inherits everything again
        if scope == "partner":
            StockRecord = get_model("partner", "StockRecord")
            affected = list(StockRecord.objects.filter(partner_id=record.partner_id)
                            .values_list("pk", flat=True))
        else:
            affected = [record.pk]
        replanned = sum(replanning.replan(chunk) for chunk in chunked(affected, 1000))
        messages.success(request, ngettext(
            "Settings saved; %(count)d stock record re-planned.",
            "Settings saved; %(count)d stock records re-planned.", replanned) % {
            "count": replanned})
        return redirect("dashboard:inventory-forecast-sku", stockrecord_id=record.pk)


class StartForecastRunView(StartRunView):
    """POST: queue a forecast run ("Run forecast now") and follow it on the risk list."""

    model = ForecastRun
    task = tasks.run_forecasts
    command = "run_forecasts"
    success_url = reverse_lazy("dashboard:inventory-forecast-risk-list")

    @property
    def timeout(self):
        return conf.RUN_TIMEOUT
    queued_message = _("The forecast run is queued: its progress shows below.")


class ForecastRunProgressView(RunProgressView):
    model = ForecastRun


class DigestSubscriptionView(generic.View):
    """POST ``subscribed`` "1" or "0": the signed-in user's choice about the daily digest."""

    http_method_names = ("post",)

    def post(self, request):
        subscribed = request.POST.get("subscribed") == "1"
        digest.set_subscribed(request.user, subscribed)
        messages.success(request, _("You will get the daily stock-risk digest.") if subscribed
                         else _("You will no longer get the daily stock-risk digest."))
        return redirect("dashboard:inventory-forecast-risk-list")


class DigestUnsubscribeView(generic.TemplateView):
    """The digest's signed "stop these e-mails" link: GET asks, POST unsubscribes (a mail
    scanner that follows links unsubscribes nobody)."""

    template_name = "inventory_forecast/dashboard/unsubscribe.html"

    def dispatch(self, request, token):
        self.user = digest.user_of_token(token)
        if self.user is None:
            raise Http404("This link is not valid.")
        return super().dispatch(request, token)

    def post(self, request, token):
        digest.set_subscribed(self.user, False)
        return self.render_to_response({"done": True, "person": self.user})

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "person": self.user}
