"""Staff dashboard pages of the forecast stock-risk alerts: the list, and acknowledging one."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.views.decorators import permissions_required

from .forms import StockRiskAlertSearchForm
from .models import StockRiskAlert
from .permissions import ACKNOWLEDGE_PERMISSIONS, VIEW_PERMISSIONS


def required(permissions):
    """As Oscar's dashboard: anonymous users go to its login page, signed-in users without
    ``permissions`` get a 403."""
    return method_decorator(
        permissions_required(permissions, login_url=reverse_lazy("dashboard:login")),
        name="dispatch",
    )


@required(VIEW_PERMISSIONS)
class StockRiskAlertListView(generic.ListView):
    """Alerts newest first, filtered by ``StockRiskAlertSearchForm``, paginated like Oscar's."""

    template_name = "inventory_forecast/dashboard/stock_risk_alert_list.html"
    context_object_name = "alerts"

    def get_paginate_by(self, queryset):
        # The page size of Oscar's own (threshold) stock-alert list, which links here.
        return settings.OSCAR_STOCK_ALERTS_PER_PAGE

    def get_queryset(self):
        self.form = StockRiskAlertSearchForm(self.request.GET)
        alerts = StockRiskAlert.objects.select_related(
            # The product's parent: a child product's title is its parent's.
            "stockrecord__product__parent", "stockrecord__partner", "forecast",
        ).order_by("-raised_at", "-pk")
        return self.form.filter(alerts)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form
        ctx["description"] = self.form.description()
        return ctx


@required(ACKNOWLEDGE_PERMISSIONS)
class StockRiskAlertAcknowledgeView(generic.View):
    """
    POST: mark an open alert acknowledged, then go back to the list (the ``next`` field when it
    is a URL of this site).  A closed, already acknowledged or unknown alert gives a message.
    """

    http_method_names = ("post",)

    def post(self, request, pk):
        alert = StockRiskAlert.objects.select_related("stockrecord__product__parent").filter(
            pk=pk).first()
        if alert is None:
            messages.error(request, _("Stock risk alert #%(pk)s does not exist.") % {"pk": pk})
            return redirect(self.next_url())
        product = {"product": alert.stockrecord.product.get_title()}
        now = timezone.now()
        # Conditional: a forecast run that closed the alert meanwhile wins.
        if StockRiskAlert.objects.filter(pk=pk, status=StockRiskAlert.OPEN).update(
                status=StockRiskAlert.ACKNOWLEDGED, acknowledged_at=now, updated_at=now):
            messages.success(
                request, _("The stock risk alert for “%(product)s” was acknowledged.") % product)
            return redirect(self.next_url())
        alert.refresh_from_db(fields=["status"])
        if alert.status == StockRiskAlert.ACKNOWLEDGED:
            messages.info(
                request,
                _("The stock risk alert for “%(product)s” was already acknowledged.") % product)
        else:
            messages.error(request, _("The stock risk alert for “%(product)s” is closed: only an "
                                      "open alert can be acknowledged.") % product)
        return redirect(self.next_url())

    def next_url(self):
        url = self.request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()},
                                           require_https=self.request.is_secure()):
            return url
        return reverse("inventory_forecast:stock-risk-alert-list")
