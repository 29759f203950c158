"""The recommendations section of Oscar's dashboard (an Oscar dashboard sub-app)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from oscar_insights.dashboard import InsightsDashboardConfig

# Oscar's notation (oscar.views.decorators.check_permissions): a list is "all of".
VIEW = ["is_staff", "recommendations.view_recommenderversion"]
RETRAIN = ["is_staff", "recommendations.add_recommenderversion"]
# Another shopper's recommendations: the read API's permission for the same.
PREVIEW = ["is_staff", "recommendations.view_shopperrecommendation"]


class RecommendationsDashboardConfig(InsightsDashboardConfig):
    label = "recommendations_dashboard"
    name = "recommendations.dashboard"
    verbose_name = _("Recommendations dashboard")
    url_prefix = "recommendations/"

    def configure_permissions(self):
        self.permissions_map = {"recommendations-retrain": RETRAIN,
                                "recommendations-preview": PREVIEW}
        self.default_permissions = VIEW

    def get_urls(self):
        from . import views

        urls = [
            path("", views.OverviewView.as_view(), name="recommendations-overview"),
            path("versions/<int:pk>/", views.VersionView.as_view(),
                 name="recommendations-version"),
            path("chart/<slug:name>/", views.ChartView.as_view(), name="recommendations-chart"),
            path("preview/", views.PreviewView.as_view(), name="recommendations-preview"),
            path("retrain/", views.StartTrainingView.as_view(), name="recommendations-retrain"),
            path("retrain/progress/", views.TrainingProgressView.as_view(),
                 name="recommendations-progress"),
        ]
        return self.post_process_urls(urls)
