"""REST API of the recommendations app (include under e.g. ``api/recommendations/``)."""

from django.urls import path

from . import recommendations
from .views import EventBatchView

app_name = "recommendations-api"

urlpatterns = [
    path("events/", EventBatchView.as_view(), name="events"),
    path("for-me/", recommendations.ForMeView.as_view(), name="for-me"),
    path("products/<int:pk>/", recommendations.ProductView.as_view(), name="product"),
    path("basket/", recommendations.BasketView.as_view(), name="basket"),
    path("trending/", recommendations.TrendingView.as_view(), name="trending"),
    path("best-sellers/", recommendations.BestSellersView.as_view(), name="best-sellers"),
]
