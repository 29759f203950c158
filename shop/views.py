"""The demo shop's own page: a home page with the recommendation blocks (Oscar has none)."""

from django.views.generic import TemplateView


class HomeView(TemplateView):
    template_name = "shop/home.html"
