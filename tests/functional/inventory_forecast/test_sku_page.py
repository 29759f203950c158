"""The dashboard's SKU page through Django's test client: plan, charts' data, settings edits
that re-plan at once, and who may see and change what."""

import json
import math

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.core.loading import get_model

from inventory_forecast.models import ForecastRun, ReplenishmentSettings, SkuForecast
from oscar_insights import runs

pytestmark = pytest.mark.django_db

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")


def page_url(pk):
    return reverse("dashboard:inventory-forecast-sku", args=[pk])


def chart_url(pk, name):
    return reverse("dashboard:inventory-forecast-sku-chart", args=[pk, name])


def settings_url(pk):
    return reverse("dashboard:inventory-forecast-sku-settings", args=[pk])


def forecast_of(pk):
    return SkuForecast.objects.get(run=runs.current(ForecastRun), stockrecord_id=pk)


def series(config, label):
    return next(d["data"] for d in config["data"]["datasets"] if d["label"] == label)


def grant(user, *names):
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                         codename=codename))
    return type(user).objects.get(pk=user.pk)


def test_the_page_shows_the_plan_the_charts_and_the_alert(staff_client, at_risk_history):
    vase = forecast_of(at_risk_history["10002"])
    response = staff_client.get(page_url(vase.stockrecord_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-chart="{chart_url(vase.stockrecord_id, "sales")}"' in html
    assert f'data-chart="{chart_url(vase.stockrecord_id, "stock")}"' in html
    assert f'id="sku_suggested_order">{vase.suggested_order}<' in html
    assert "Intermittent" in html and vase.method in html
    assert "No stock available" in html and "Acknowledge</button>" in html
    # The alert's history: raised by the forecast run.
    assert 'id="alert_history"' in html and "Raised" in html
    # Chart.js and the drawing script come from the shop's static files, no inline script.
    assert "oscar_insights/vendor/chartjs/chart.umd.min.js" in html
    assert "oscar_insights/insights.js" in html


def test_the_sales_chart_holds_the_weeks_sold_then_the_forecast_and_its_interval(
        staff_client, at_risk_history):
    vase = forecast_of(at_risk_history["10002"])
    config = json.loads(staff_client.get(chart_url(vase.stockrecord_id, "sales")).content)
    sold = series(config, "Units sold")
    ahead = len(vase.forecast)
    # The factory's vase: 30 units every fourth week from its first sale, 7 sales in 25 weeks.
    history = sold[:-ahead]
    assert len(history) == 25 and sum(history) == 210
    assert history[::4] == [30.0] * 7 and sum(1 for v in history if v) == 7
    assert sold[-ahead:] == [None] * ahead
    forecast = series(config, "Forecast")
    assert forecast[:-ahead] == [None] * 25
    assert forecast[-ahead:] == pytest.approx(vase.forecast)
    low = series(config, "Low (interval)")[-ahead:]
    high = series(config, "High (interval)")[-ahead:]
    band = vase.safety_stock * math.sqrt(7 / vase.lead_time_days)
    assert high == pytest.approx([v + band for v in vase.forecast], abs=1e-3)
    assert low == pytest.approx([max(v - band, 0) for v in vase.forecast], abs=1e-3)
    # The labels are the weeks: 7 days apart, the forecast's first the run's first day.
    assert config["data"]["labels"][25] == runs.current(ForecastRun).as_of.isoformat()


def test_the_stock_chart_projects_the_stock_with_the_delivery_if_ordered_now(
        staff_client, at_risk_history):
    vase = forecast_of(at_risk_history["10002"])
    config = json.loads(staff_client.get(chart_url(vase.stockrecord_id, "stock")).content)
    stock = series(config, "Projected stock")
    # Nothing left; the suggested order arrives after the 14-day lead time: week 2.
    assert vase.available == 0 and vase.suggested_order > 0
    assert stock[:2] == [0.0, 0.0]
    assert stock[2] == pytest.approx(vase.suggested_order)
    assert stock[3] == pytest.approx(vase.suggested_order - vase.forecast[2], abs=1e-3)
    assert series(config, "Reorder point") == pytest.approx([vase.reorder_point] * len(stock),
                                                            abs=1e-3)
    delivery = series(config, "Delivery if ordered now")
    assert delivery[2] == vase.suggested_order and delivery.count(None) == len(stock) - 1


def test_an_unknown_chart_record_or_a_record_without_forecast_is_404(
        staff_client, at_risk_history):
    pk = at_risk_history["10002"]
    assert staff_client.get(chart_url(pk, "nonsense")).status_code == 404
    assert staff_client.get(page_url(999999)).status_code == 404
    SkuForecast.objects.filter(stockrecord_id=pk).delete()
    assert staff_client.get(chart_url(pk, "sales")).status_code == 404
    page = staff_client.get(page_url(pk))
    assert page.status_code == 200 and 'id="no_forecast"' in page.content.decode()


def test_saving_a_lead_time_re_plans_the_record_at_once(staff_client, at_risk_history):
    pk = at_risk_history["10002"]  # the lumpy vase: a safety stock to scale
    before = forecast_of(pk)
    assert before.lead_time_days == 14 and before.safety_stock > 1
    response = staff_client.post(settings_url(pk), {
        "scope": "record", "record-lead_time_days": "28"}, follow=True)
    assert response.redirect_chain == [(page_url(pk), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Settings saved; 1 stock record re-planned."]
    assert ReplenishmentSettings.objects.get(stockrecord_id=pk).lead_time_days == 28
    after = forecast_of(pk)
    # 28 days of demand and the safety stock of 14 days scaled by √2.
    assert after.lead_time_days == 28
    assert after.safety_stock == pytest.approx(before.safety_stock * math.sqrt(2))
    assert after.reorder_point == pytest.approx(after.mean_daily * 28
                                                + before.safety_stock * math.sqrt(2))
    assert after.suggested_order > before.suggested_order  # more to cover until delivery
    # The other records keep theirs.
    assert forecast_of(at_risk_history["10003"]).lead_time_days == 14


def test_partner_settings_re_plan_every_record_of_the_partner(staff_client, at_risk_history):
    pk = at_risk_history["10001"]
    response = staff_client.post(settings_url(pk), {
        "scope": "partner", "partner-review_days": "14"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Settings saved; 3 stock records re-planned."]
    partner = StockRecord.objects.get(pk=pk).partner_id
    assert ReplenishmentSettings.objects.get(partner_id=partner).review_days == 14
    assert {forecast_of(p).review_days for p in at_risk_history.values()} == {14}
    # A record's own setting wins over its partner's; clearing it inherits again.
    staff_client.post(settings_url(pk), {"scope": "record", "record-review_days": "7"})
    assert forecast_of(pk).review_days == 7
    staff_client.post(settings_url(pk), {"scope": "record", "record-review_days": ""})
    assert not ReplenishmentSettings.objects.filter(stockrecord_id=pk).exists()
    assert forecast_of(pk).review_days == 14


@pytest.mark.parametrize("field, value, error", [
    ("lead_time_days", "0", "greater than or equal to 1"),
    ("lead_time_days", "400", "less than or equal to 365"),
    ("review_days", "seven", "Enter a whole number."),
    ("service_level", "1.2", "between 0.5 and 1"),
    ("service_level", "0.5", "between 0.5 and 1"),
    ("pack_size", "0", "greater than or equal to 1"),
    ("minimum_order", "-3", "greater than or equal to 0"),
])
def test_bad_settings_are_refused_with_the_reason_and_change_nothing(
        staff_client, at_risk_history, field, value, error):
    pk = at_risk_history["10001"]
    before = forecast_of(pk)
    response = staff_client.post(settings_url(pk), {"scope": "record", f"record-{field}": value})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ReplenishmentSettings.objects.exists()
    after = forecast_of(pk)
    assert (after.reorder_point, after.lead_time_days) == (before.reorder_point,
                                                           before.lead_time_days)


def test_who_may_see_and_change_a_record(client, django_user_model, at_risk_history):
    pk = at_risk_history["10001"]
    response = client.get(page_url(pk))
    assert response.status_code == 302 and response.url.startswith(reverse("dashboard:login"))
    client.force_login(django_user_model.objects.create_user(username="shopper", password="pw"))
    assert client.get(page_url(pk)).status_code == 403
    assert client.get(chart_url(pk, "sales")).status_code == 403
    staff = grant(django_user_model.objects.create_user(username="s", password="pw",
                                                        is_staff=True),
                  "inventory_forecast.view_skuforecast")
    client.force_login(staff)
    page = client.get(page_url(pk))
    assert page.status_code == 200 and "Save and re-plan" not in page.content.decode()
    assert client.post(settings_url(pk), {"scope": "record",
                                          "record-lead_time_days": "21"}).status_code == 403
    client.force_login(grant(staff, "inventory_forecast.change_replenishmentsettings"))
    assert "Save and re-plan" in client.get(page_url(pk)).content.decode()
    assert client.post(settings_url(pk), {"scope": "record",
                                          "record-lead_time_days": "21"}).status_code == 302
    assert forecast_of(pk).lead_time_days == 21


def test_a_partner_user_opens_their_partners_records_only(client, django_user_model,
                                                         at_risk_history):
    other = Partner.objects.create(name="Other supplier")
    StockRecord.objects.filter(pk=at_risk_history["10001"]).update(partner=other)
    user = grant(django_user_model.objects.create_user(username="supplier", password="pw"),
                 "partner.dashboard_access")
    other.users.add(user)
    client.force_login(user)
    assert client.get(page_url(at_risk_history["10001"])).status_code == 200
    for url in (page_url(at_risk_history["10002"]), chart_url(at_risk_history["10002"], "stock")):
        assert client.get(url).status_code == 404
    assert client.post(settings_url(at_risk_history["10002"]), {
        "scope": "record", "record-lead_time_days": "21"}).status_code == 404
    assert not ReplenishmentSettings.objects.exists()
