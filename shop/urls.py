"""URLs of the demo shop: Oscar's storefront and dashboard, our apps' pages, the Django admin."""

from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/recommendations/", include("recommendations.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/", include("recommendations.urls")),
    path("basket/together/", include("recommendations.basket_urls")),
    path("", views.HomeView.as_view(), name="home"),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
