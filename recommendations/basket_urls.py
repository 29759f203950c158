"""The storefront blocks' basket action: "Add both to basket" (include under e.g.
``basket/together/``, before Oscar's URLs)."""

from django.urls import path

from . import views

app_name = "recommendations-basket"

urlpatterns = [
    path("", views.AddTogetherView.as_view(), name="add-together"),
]
