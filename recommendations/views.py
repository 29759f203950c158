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
