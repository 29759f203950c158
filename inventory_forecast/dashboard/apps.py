"""The inventory forecast section of Oscar's dashboard (an Oscar dashboard sub-app)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from oscar_insights.dashboard import InsightsDashboardConfig

# Oscar's notation (``oscar.views.decorators.check_permissions``): a tuple is "any of", a list
# "all of".  Staff need the app's permission; partner users (Oscar's ``partner.dashboard_access``)
# see their partners' stock records only (the views scope them).
VIEW = (["is_staff", "inventory_forecast.view_skuforecast"], ["partner.dashboard_access"])
CHANGE_ALERTS = (["is_staff", "inventory_forecast.change_stockriskalert"],
                 ["partner.dashboard_access"])
RUN = ["is_staff", "inventory_forecast.add_forecastrun"]
ORDER = (["is_staff", "inventory_forecast.add_purchaseorder"], ["partner.dashboard_access"])
CHANGE_SETTINGS = (["is_staff", "inventory_forecast.change_replenishmentsettings"],
                   ["partner.dashboard_access"])


class InventoryForecastDashboardConfig(InsightsDashboardConfig):
    label = "inventory_forecast_dashboard"
    name = "inventory_forecast.dashboard"
    verbose_name = _("Inventory forecast dashboard")
    url_prefix = "forecasts/"

    def configure_permissions(self):
        self.permissions_map = {
            "inventory-forecast-risk-list": VIEW,
            "inventory-forecast-alert-acknowledge": CHANGE_ALERTS,
            "inventory-forecast-alert-snooze": CHANGE_ALERTS,
            "inventory-forecast-sku-settings": CHANGE_SETTINGS,
            "inventory-forecast-run": RUN,
            # A signed link from the digest: it works without signing in.
            "inventory-forecast-unsubscribe": None,
            "inventory-forecast-mark-ordered": ORDER,
            "inventory-forecast-purchase-order-close": ORDER,
        }
        self.default_permissions = VIEW

    def get_urls(self):
        from . import purchase_orders, views

        urls = [
            path("", views.RiskListView.as_view(), name="inventory-forecast-risk-list"),
            path("alerts/<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(),
                 name="inventory-forecast-alert-acknowledge"),
            path("alerts/<int:pk>/snooze/", views.AlertSnoozeView.as_view(),
                 name="inventory-forecast-alert-snooze"),
            path("run/", views.StartForecastRunView.as_view(), name="inventory-forecast-run"),
            path("purchase-orders/", purchase_orders.PurchaseOrderListView.as_view(),
                 name="inventory-forecast-purchase-orders"),
            path("purchase-orders/partner/<int:partner_id>/",
                 purchase_orders.PartnerPurchaseOrderView.as_view(),
                 name="inventory-forecast-purchase-order"),
            path("purchase-orders/partner/<int:partner_id>/ordered/",
                 purchase_orders.MarkOrderedView.as_view(), name="inventory-forecast-mark-ordered"),
            path("purchase-orders/<int:pk>/close/",
                 purchase_orders.PurchaseOrderCloseView.as_view(),
                 name="inventory-forecast-purchase-order-close"),
            path("digest/", views.DigestSubscriptionView.as_view(),
                 name="inventory-forecast-digest"),
            path("digest/unsubscribe/<str:token>/", views.DigestUnsubscribeView.as_view(),
                 name="inventory-forecast-unsubscribe"),
            path("run/progress/", views.ForecastRunProgressView.as_view(),
                 name="inventory-forecast-run-progress"),
            path("sku/<int:stockrecord_id>/", views.SkuView.as_view(),
                 name="inventory-forecast-sku"),
            path("sku/<int:stockrecord_id>/chart/<slug:name>/", views.SkuChartView.as_view(),
                 name="inventory-forecast-sku-chart"),
            path("sku/<int:stockrecord_id>/settings/", views.SkuSettingsView.as_view(),
                 name="inventory-forecast-sku-settings"),
        ]
        return self.post_process_urls(urls)
