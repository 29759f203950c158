"""The shopper's privacy page in their account: opt out, download or erase their history."""

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from oscar.core.loading import get_class

from . import tracking
from .middleware import context_for

PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")


class PrivacyView(LoginRequiredMixin, PageTitleMixin, TemplateView):
    template_name = "recommendations/account_privacy.html"
    page_title = _("Privacy")
    active_tab = "privacy"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["opted_out"] = tracking.is_opted_out(self.request.user.pk)
        ctx["event_count"] = tracking.shopper_events(self.request.user).count()
        return ctx

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        context = context_for(request)
        if action == "opt_out":
            tracking.set_opt_out(request.user, True)
            context.set_opt_out_cookie = True
            messages.success(request, _("We no longer record what you do in the shop."))
        elif action == "opt_in":
            tracking.set_opt_out(request.user, False)
            context.set_opt_out_cookie = False
            messages.success(request, _("We record what you do again, to recommend products."))
        elif action == "erase":
            count = tracking.erase_shopper_events(request.user)
            messages.success(request, _("Your recorded history was deleted (%d events).") % count)
        else:
            messages.error(request, _("Unknown action."))
        return redirect("recommendations:account-privacy")


class ExportView(LoginRequiredMixin, View):
    """The signed-in shopper's own events as a JSON download (right of access)."""

    def get(self, request, *args, **kwargs):
        payload = export_payload(request.user)
        response = HttpResponse(
            json.dumps(payload, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="my-shop-history.json"'
        return response


EXPORT_FIELDS = ("created_at", "event_type", "product_id", "quantity", "value", "score", "query",
                 "source", "order_id", "visitor_id")


def export_payload(user):
    """A user's events as plain data: what the export view and command hand out."""
    events = tracking.shopper_events(user).values(*EXPORT_FIELDS, "product__title")
    return {
        "user": {"id": user.pk, "email": user.email},
        "exported_at": timezone.now(),
        "opted_out": tracking.is_opted_out(user.pk),
        "events": [
            {**{k: e[k] for k in EXPORT_FIELDS}, "product_title": e["product__title"]} for e in events
        ],
    }


class AddTogetherView(View):
    """
    POST ``product`` ids (the "Frequently bought together" form): each product the shopper can
    buy goes into their basket once, through Oscar's basket and its ``basket_addition`` signal,
    then to the basket page.  Unknown or unavailable products are said, not added.
    """

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from django.urls import reverse
        from oscar.core.loading import get_model

        Product = get_model("catalogue", "Product")
        basket_addition = get_class("basket.signals", "basket_addition")
        ids = []
        for value in request.POST.getlist("product")[:10]:
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                continue
        products = {p.pk: p for p in Product.objects.filter(pk__in=ids, is_public=True)
                    .prefetch_related("stockrecords")}
        added = []
        for pk in dict.fromkeys(ids):
            product = products.get(pk)
            info = request.strategy.fetch_for_product(product) if product else None
            if product is None or product.is_parent or not info.availability.is_available_to_buy:
                messages.warning(request, _("A product could not be added: it is no longer "
                                            "available."))
                continue
            request.basket.add_product(product, 1)
            basket_addition.send(sender=self, product=product, user=request.user,
                                 request=request)
            added.append(product.get_title())
        if added:
            messages.success(request, _("Added to your basket: %s.") % ", ".join(added))
        return redirect(reverse("basket:summary"))
