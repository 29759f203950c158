"""The preview's form: one customer, visitor id or product."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")


class PreviewForm(forms.Form):
    customer = forms.CharField(label=_("Customer (id or e-mail)"), required=False,
                               max_length=254)
    visitor = forms.CharField(label=_("Visitor id"), required=False, max_length=32)
    product = forms.CharField(label=_("Product (id or UPC)"), required=False, max_length=64)

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        if not value:
            return None
        users = get_user_model().objects.filter(
            Q(pk=int(value)) if value.isdigit() else Q(email__iexact=value))
        user = users.order_by("pk").first()
        if user is None:
            raise forms.ValidationError(_("No customer %(value)s.") % {"value": value})
        return user

    def clean_visitor(self):
        value = self.cleaned_data["visitor"].strip().lower()
        if value and not VISITOR_ID.match(value):
            raise forms.ValidationError(_("A visitor id is 32 hexadecimal characters (the "
                                          "visitor cookie's value before its signature)."))
        return value

    def clean_product(self):
        value = self.cleaned_data["product"].strip()
        if not value:
            return None
        Product = get_model("catalogue", "Product")
        product = Product.objects.filter(Q(upc=value) | Q(pk=int(value)) if value.isdigit()
                                         else Q(upc=value)).order_by("pk").first()
        if product is None:
            raise forms.ValidationError(_("No product %(value)s.") % {"value": value})
        return product

    def clean(self):
        data = super().clean()
        given = [name for name in ("customer", "visitor", "product") if data.get(name)]
        if len(given) != 1 and not self.errors:
            raise forms.ValidationError(_("Give one customer, one visitor id or one product."))
        return data
