"""REST API of the recommendations app (include under e.g. ``api/recommendations/``)."""

from django.urls import path

from .views import EventBatchView

app_name = "recommendations-api"

urlpatterns = [
    path("events/", EventBatchView.as_view(), name="events"),
]
