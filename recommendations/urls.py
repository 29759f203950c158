"""The shopper-facing pages of the recommendations app (include under the accounts URLs)."""

from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("privacy/", views.PrivacyView.as_view(), name="account-privacy"),
    path("privacy/my-history.json", views.ExportView.as_view(), name="account-export"),
]
