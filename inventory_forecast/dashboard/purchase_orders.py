"""
The purchase-order pages of the inventory forecast section: the suggested order per partner (a
page, a CSV, a printable page), "mark as ordered", and the recorded orders received or cancelled.
"""

import csv

from django.contrib import messages
from django.db.models import Case, Count, Sum, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.core.loading import get_model

from oscar_insights import runs
from oscar_insights.dashboard import partner_scope

from .. import purchasing, replanning
from ..models import ForecastRun, PurchaseOrder
from .views import visible_forecasts


class PurchaseOrderMixin:
    """The suggested purchase orders of the partners the user may see."""

    def suggested(self, partner=None):
        """``{partner: [Suggestion]}``, of one ``partner`` only when given."""
        forecasts = visible_forecasts(self.run, self.request.user)
        if partner is not None:
            forecasts = forecasts.filter(stockrecord__partner=partner)
        return purchasing.suggestions(forecasts)

    def partner_or_404(self, partner_id):
        Partner = get_model("partner", "Partner")
        return get_object_or_404(partner_scope(Partner.objects.all(), self.request.user),
                                 pk=partner_id)

    def dispatch(self, request, *args, **kwargs):
        self.run = runs.current(ForecastRun)
        return super().dispatch(request, *args, **kwargs)


class PurchaseOrderListView(PurchaseOrderMixin, generic.TemplateView):
    """Per partner: the suggested order (lines, units, value where costs are known) and the
    purchase orders marked as ordered, open first."""

    template_name = "inventory_forecast/dashboard/purchase_orders.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["run"] = self.run
        ctx["suggested"] = [
            (partner, len(lines), sum(line.quantity for line in lines),
             sum(line.value for line in lines if line.value is not None),
             sum(1 for line in lines if line.value is None))
            for partner, lines in self.suggested().items()]
        orders = partner_scope(PurchaseOrder.objects.select_related("partner", "ordered_by")
                               .annotate(units=Sum("lines__quantity"), count=Count("lines")),
                               self.request.user, "partner")
        ctx["orders"] = orders.order_by(
            Case(When(status=PurchaseOrder.OPEN, then=Value(0)), default=Value(1)),
            "-ordered_at", "-pk")[:100]
        return ctx


class PartnerPurchaseOrderView(PurchaseOrderMixin, generic.TemplateView):
    """One partner's suggested order: its lines, quantities to adjust, "mark as ordered"; with
    ``?print=1`` a printable page; ``format=csv`` the CSV."""

    template_name = "inventory_forecast/dashboard/purchase_order.html"
    print_template_name = "inventory_forecast/dashboard/purchase_order_print.html"

    def get(self, request, partner_id):
        self.partner = self.partner_or_404(partner_id)
        self.lines = self.suggested(self.partner).get(self.partner, [])
        if request.GET.get("format") == "csv":
            return self.csv()
        if request.GET.get("print"):
            self.template_name = self.print_template_name
        return super().get(request, partner_id=partner_id)

    def csv(self):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        day = self.run.as_of if self.run else timezone.localdate()
        name = slugify(self.partner.name) or f"partner-{self.partner.pk}"
        response["Content-Disposition"] = (f'attachment; filename="purchase-order-{name}-'
                                           f'{day:%Y-%m-%d}.csv"')
        writer = csv.writer(response)
        writer.writerow(purchasing.CSV_HEADER)
        writer.writerows(line.csv_row() for line in self.lines)
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(partner=self.partner, lines=self.lines, run=self.run,
                   total_units=sum(line.quantity for line in self.lines),
                   total_value=sum(line.value for line in self.lines if line.value is not None))
        return ctx


class MarkOrderedView(PurchaseOrderMixin, generic.View):
    """POST ``quantity-<stock record id>`` fields: record the partner's purchase order (units
    the suggestion holds, or as edited) and re-plan its records with them on order."""

    http_method_names = ("post",)

    def post(self, request, partner_id):
        partner = self.partner_or_404(partner_id)
        allowed = {line.stockrecord.pk for line in self.suggested(partner).get(partner, [])}
        quantities, bad = {}, []
        for name, value in request.POST.items():
            if not name.startswith("quantity-"):
                continue
            pk = name.removeprefix("quantity-")
            if not pk.isdigit() or int(pk) not in allowed:
                bad.append(pk)
            elif value.strip():
                if not value.strip().isdigit() or int(value) > 10_000_000:
                    messages.error(request, _("Quantities are whole numbers of units "
                                              "(0 to 10,000,000): “%(value)s” is not.")
                                   % {"value": value})
                    return redirect(self.back(partner))
                quantities[int(pk)] = int(value)
        if bad:
            messages.error(request, _("Some lines are no longer suggested for this partner: "
                                      "reload the page and try again."))
            return redirect(self.back(partner))
        if not any(quantities.values()):
            messages.error(request, _("Nothing to order: every quantity is 0."))
            return redirect(self.back(partner))
        order = purchasing.mark_ordered(partner, quantities, request.user)
        replanning.replan(list(quantities))
        messages.success(request, _("Purchase order #%(order)s from %(partner)s recorded: "
                                    "%(units)s units on order, counted by the plans until it is "
                                    "marked received.") % {
            "order": order.pk, "partner": partner.display_name,
            "units": sum(quantities.values())})
        return redirect("dashboard:inventory-forecast-purchase-orders")

    @staticmethod
    def back(partner):
        return reverse("dashboard:inventory-forecast-purchase-order", args=[partner.pk])


class PurchaseOrderCloseView(generic.View):
    """POST ``status`` "received" or "cancelled": close an open purchase order and re-plan its
    records (received stock counts once entered in Oscar's stock record)."""

    http_method_names = ("post",)

    def post(self, request, pk):
        orders = partner_scope(PurchaseOrder.objects.all(), request.user, "partner")
        order = get_object_or_404(orders, pk=pk)
        status = request.POST.get("status")
        if status not in (PurchaseOrder.RECEIVED, PurchaseOrder.CANCELLED):
            messages.error(request, _("Choose received or cancelled."))
        elif purchasing.close(order, status):
            replanning.replan(list(order.lines.values_list("stockrecord_id", flat=True)))
            messages.success(request, _("Purchase order #%(order)s marked %(status)s.") % {
                "order": order.pk, "status": dict(PurchaseOrder.STATUSES)[status].lower()})
        else:
            messages.info(request, _("Purchase order #%(order)s was already closed.")
                          % {"order": order.pk})
        return redirect("dashboard:inventory-forecast-purchase-orders")
