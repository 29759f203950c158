"""The app's staff dashboard pages (include under the dashboard's URLs, before Oscar's)."""

from django.urls import path

from . import views

app_name = "inventory_forecast"

urlpatterns = [
    path("", views.StockRiskAlertListView.as_view(), name="stock-risk-alert-list"),
    path("<int:pk>/acknowledge/", views.StockRiskAlertAcknowledgeView.as_view(),
         name="stock-risk-alert-acknowledge"),
]
