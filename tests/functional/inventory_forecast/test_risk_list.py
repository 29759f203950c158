"""The dashboard's risk list through Django's test client: columns, filters, sorts, queries,
pages, alert actions and who sees what."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from inventory_forecast.alerts import sync_alerts
from inventory_forecast.models import ForecastRun, SkuForecast, StockRiskAlert
from oscar_insights import runs

pytestmark = pytest.mark.django_db

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")

LIST = reverse("dashboard:inventory-forecast-risk-list")


def acknowledge_url(pk):
    return reverse("dashboard:inventory-forecast-alert-acknowledge", args=[pk])


def snooze_url(pk):
    return reverse("dashboard:inventory-forecast-alert-snooze", args=[pk])


def skus(response):
    rows = response.context["risks"].page.object_list
    return [row.record.stockrecord.partner_sku for row in rows]


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def grant(user, *names):
    """Give ``user`` the permissions ``app_label.codename``; returns it, fresh (Django caches
    permissions per instance)."""
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                         codename=codename))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def forecasts(at_risk_history):
    """``{sku: SkuForecast}`` of the current run."""
    return {f.stockrecord.partner_sku: f for f in
            SkuForecast.objects.filter(run=runs.current(ForecastRun)).select_related(
                "stockrecord")}


def test_every_tracked_stock_record_is_listed_with_its_plan(staff_client, forecasts):
    response = staff_client.get(LIST)
    assert response.status_code == 200
    assert sorted(skus(response)) == ["10001", "10002", "10003"]
    html = response.content.decode()
    empty = forecasts["10002"]
    row = html[html.index(f'id="risk_{empty.stockrecord_id}"'):]
    row = row[:row.index("</tr>")]
    assert "Out of stock" in row and "No stock available" in row
    assert f'>{empty.suggested_order}<' in row.replace(" ", "").replace("\n", "")
    assert f"{empty.mean_daily * 7:.1f}" in row  # demand per week
    assert "Open" in row and "Acknowledge</button>" in row  # its live alert and the actions
    assert "Main warehouse" in row
    # Worst risk first: the out-of-stock record heads the default order.
    assert skus(response)[0] == "10002"
    # The counts above the list, one link per risk.
    assert 'href="?risk=out_of_stock"' in html


def test_the_default_alerts_leave_reorder_now_to_the_purchase_orders(forecasts):
    run = runs.current(ForecastRun)
    mug = forecasts["10003"]
    SkuForecast.objects.filter(pk=mug.pk).update(risk="reorder_now")
    sync_alerts(run)
    assert not StockRiskAlert.objects.filter(stockrecord_id=mug.stockrecord_id).exists()
    with override_settings(INVENTORY_FORECAST_ALERT_RISKS=(
            "out_of_stock", "stockout_before_delivery", "reorder_now")):
        assert sync_alerts(run)["opened"] == 1
    alert = StockRiskAlert.objects.get(stockrecord_id=mug.stockrecord_id)
    assert alert.risk == "reorder_now"
    assert list(alert.events.values_list("action", "risk")) == [("raised", "reorder_now")]


@pytest.fixture
def sorted_out(forecasts):
    """Make the three records differ in partner, category and alert state."""
    other = Partner.objects.create(name="Other supplier")
    StockRecord.objects.filter(pk=forecasts["10001"].stockrecord_id).update(partner=other)
    parent = Category.add_root(name="Home")
    child = parent.add_child(name="Vases")
    ProductCategory.objects.create(product=forecasts["10003"].stockrecord.product, category=child)
    return {"partner": other, "category": parent}


@pytest.mark.parametrize("query, expected", [
    ({"q": "10003"}, ["10003"]),
    ({"q": "no such thing"}, []),
    ({"risk": "out_of_stock"}, ["10002"]),
    ({"alert": "live"}, ["10002"]),
    ({"alert": "none"}, ["10001", "10003"]),
    ({"alert": "snoozed"}, []),
    ({"partner": "other"}, ["10001"]),
    ({"category": "home"}, ["10003"]),
])
def test_filters(staff_client, forecasts, sorted_out, query, expected):
    query = dict(query)
    if query.get("partner") == "other":
        query["partner"] = sorted_out["partner"].pk
    if query.get("category") == "home":
        query["category"] = sorted_out["category"].pk
    assert sorted(skus(staff_client.get(LIST, query))) == expected


def test_search_finds_titles_case_blind(staff_client, forecasts):
    title = forecasts["10001"].stockrecord.product.get_title()
    word = title.split()[-1].upper()
    assert "10001" in skus(staff_client.get(LIST, {"q": word}))


@pytest.mark.parametrize("name, field", [("abc", "abc_class"), ("demand_class", "demand_class")])
def test_class_filters_keep_exactly_that_class(staff_client, forecasts, name, field):
    for value in {getattr(f, field) for f in forecasts.values()}:
        expected = sorted(sku for sku, f in forecasts.items() if getattr(f, field) == value)
        assert sorted(skus(staff_client.get(LIST, {name: value}))) == expected


@pytest.mark.parametrize("column, key", [
    ("sku", lambda f: f.stockrecord.partner_sku),
    ("stock", lambda f: f.stockrecord.num_in_stock),
    ("weekly_demand", lambda f: f.mean_daily),
    ("days_of_cover", lambda f: float("inf") if f.days_of_cover is None else f.days_of_cover),
    ("reorder_point", lambda f: f.reorder_point),
    ("suggested_order", lambda f: f.suggested_order),
    ("revenue_at_risk", lambda f: f.revenue_at_risk),
])
def test_each_column_sorts_both_ways(staff_client, forecasts, column, key):
    rows = sorted(forecasts.values(), key=lambda f: (key(f), f.pk))
    expected = [f.stockrecord.partner_sku for f in rows]
    assert skus(staff_client.get(LIST, {"sort": column})) == expected
    assert skus(staff_client.get(LIST, {"sort": f"-{column}"})) == expected[::-1]


def test_the_list_takes_the_same_queries_whatever_its_length(staff_client, forecasts):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(LIST).status_code == 200
        return len(captured)

    three = queries()
    SkuForecast.objects.exclude(pk=forecasts["10002"].pk).delete()
    assert queries() == three


@override_settings(OSCAR_DASHBOARD_ITEMS_PER_PAGE=2)
def test_pages_do_not_overlap(staff_client, forecasts):
    first = staff_client.get(LIST, {"sort": "abc_class"})
    second = staff_client.get(LIST, {"sort": "abc_class", "page": 2})
    assert len(skus(first)) == 2 and len(skus(second)) == 1
    assert sorted(skus(first) + skus(second)) == ["10001", "10002", "10003"]
    assert "Page 1 of 2" in first.content.decode()


@pytest.fixture
def alert(forecasts):
    return StockRiskAlert.objects.get(stockrecord_id=forecasts["10002"].stockrecord_id)


def test_acknowledging_an_open_alert_goes_into_its_history(staff_client, alert):
    back = f"{LIST}?risk=out_of_stock"
    response = staff_client.post(acknowledge_url(alert.pk), {"next": back}, follow=True)
    assert response.redirect_chain == [(back, 302)]
    title = alert.stockrecord.product.get_title()
    assert messages_of(response) == [
        ("success", f"The stock risk alert for “{title}” was acknowledged.")]
    alert.refresh_from_db()
    assert alert.status == StockRiskAlert.ACKNOWLEDGED and alert.acknowledged_at is not None
    assert [(e.action, e.user.username) for e in alert.events.exclude(action="raised")] == [
        ("acknowledged", "staff")]
    again = staff_client.post(acknowledge_url(alert.pk), follow=True)
    assert messages_of(again) == [
        ("info", f"The stock risk alert for “{title}” was already acknowledged.")]
    assert alert.events.filter(action="acknowledged").count() == 1


@pytest.mark.parametrize("state", ["closed", "unknown"])
def test_acting_on_a_closed_or_unknown_alert_says_why_and_changes_nothing(
        staff_client, alert, state):
    pk = alert.pk
    if state == "closed":
        StockRiskAlert.objects.filter(pk=pk).update(status=StockRiskAlert.CLOSED)
    else:
        pk = 999999
    before = list(StockRiskAlert.objects.values_list("pk", "status", "snoozed_until"))
    for url, data in ((acknowledge_url(pk), {}), (snooze_url(pk), {"until": "2099-01-01"})):
        response = staff_client.post(url, data, follow=True)
        [(level, text)] = messages_of(response)
        assert level == "error"
        assert text.endswith("is closed: it needs nothing more." if state == "closed"
                             else "does not exist.")
    assert list(StockRiskAlert.objects.values_list("pk", "status", "snoozed_until")) == before


def test_snoozing_hides_an_alert_from_the_live_ones_until_the_day(staff_client, alert):
    until = timezone.localdate() + timedelta(days=7)
    response = staff_client.post(snooze_url(alert.pk), {"until": until.isoformat()}, follow=True)
    assert messages_of(response)[0][0] == "success"
    alert.refresh_from_db()
    assert alert.snoozed_until == until and alert.status == StockRiskAlert.OPEN
    assert skus(staff_client.get(LIST, {"alert": "live"})) == []
    assert skus(staff_client.get(LIST, {"alert": "snoozed"})) == ["10002"]
    assert alert.events.get(action="snoozed").note == f"until {until:%Y-%m-%d}"


@pytest.mark.parametrize("until, error", [
    ("", "This field is required."),
    ("yesterday", "Enter a valid date."),
    ("today", "Pick a day after today."),
    ("in two years", "Snooze for a year at most."),
])
def test_a_bad_snooze_day_is_refused(staff_client, alert, until, error):
    today = timezone.localdate()
    until = {"today": today.isoformat(), "in two years": (today + timedelta(days=800)).isoformat(),
             "yesterday": "not a date"}.get(until, until)
    response = staff_client.post(snooze_url(alert.pk), {"until": until}, follow=True)
    assert messages_of(response) == [("error", error)]
    alert.refresh_from_db()
    assert alert.snoozed_until is None


def test_a_worsening_risk_wakes_a_snoozed_alert(alert):
    run = runs.current(ForecastRun)
    StockRiskAlert.objects.filter(pk=alert.pk).update(
        risk="stockout_before_delivery", snoozed_until=timezone.localdate() + timedelta(days=9))
    sync_alerts(run)  # the run still says out of stock: worse than before
    alert.refresh_from_db()
    assert alert.risk == "out_of_stock" and alert.snoozed_until is None
    assert alert.events.filter(action="worsened", risk="out_of_stock").count() == 1


def test_alert_actions_need_a_post_with_a_csrf_token(django_user_model, alert):
    staff = grant(django_user_model.objects.create_user(username="s", password="pw", is_staff=True),
                  "inventory_forecast.view_skuforecast", "inventory_forecast.change_stockriskalert")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get(acknowledge_url(alert.pk)).status_code == 405
    assert client.post(acknowledge_url(alert.pk)).status_code == 403
    assert client.post(snooze_url(alert.pk), {"until": "2099-01-01"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == StockRiskAlert.OPEN and alert.snoozed_until is None


def test_going_back_only_to_this_site(staff_client, alert):
    response = staff_client.post(acknowledge_url(alert.pk), {"next": "https://evil.example.com/"})
    assert response.status_code == 302 and response.url == LIST


def test_visitors_go_to_the_login_and_shoppers_and_staff_without_the_permission_get_403(
        client, django_user_model, alert):
    for url, method in ((LIST, client.get), (acknowledge_url(alert.pk), client.post)):
        response = method(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('dashboard:login')}?next={url}"
    client.force_login(django_user_model.objects.create_user(username="shopper", password="pw"))
    assert client.get(LIST).status_code == 403
    staff = django_user_model.objects.create_user(username="editor", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(LIST).status_code == 403
    staff = grant(staff, "inventory_forecast.view_skuforecast")
    client.force_login(staff)
    page = client.get(LIST)
    assert page.status_code == 200 and "Acknowledge</button>" not in page.content.decode()
    assert client.post(acknowledge_url(alert.pk)).status_code == 403
    staff = grant(staff, "inventory_forecast.change_stockriskalert")
    client.force_login(staff)
    assert "Acknowledge</button>" in client.get(LIST).content.decode()
    assert client.post(acknowledge_url(alert.pk)).status_code == 302
    assert StockRiskAlert.objects.get(pk=alert.pk).status == StockRiskAlert.ACKNOWLEDGED


def test_a_partner_user_sees_and_acts_on_their_partners_records_only(
        client, django_user_model, forecasts, sorted_out, alert):
    user = grant(django_user_model.objects.create_user(username="supplier", password="pw"),
                 "partner.dashboard_access")
    sorted_out["partner"].users.add(user)
    client.force_login(user)
    page = client.get(LIST)
    assert page.status_code == 200 and skus(page) == ["10001"]
    partners = [p.pk for p in page.context["form"].fields["partner"].queryset]
    assert partners == [sorted_out["partner"].pk]
    # The other partner's alert: as if it did not exist.
    response = client.post(acknowledge_url(alert.pk), follow=True)
    assert messages_of(response)[0][1].endswith("does not exist.")
    assert StockRiskAlert.objects.get(pk=alert.pk).status == StockRiskAlert.OPEN


def test_the_dashboard_menu_shows_the_section_to_who_may_open_it(
        staff_client, client, django_user_model):
    assert f'href="{LIST}"' in staff_client.get(reverse("dashboard:index")).content.decode()
    staff = django_user_model.objects.create_user(username="editor", password="pw", is_staff=True)
    client.force_login(staff)
    assert f'href="{LIST}"' not in client.get(reverse("dashboard:index")).content.decode()
    client.force_login(grant(staff, "inventory_forecast.view_skuforecast"))
    assert f'href="{LIST}"' in client.get(reverse("dashboard:index")).content.decode()


def test_oscars_stock_alert_list_links_here_with_the_live_count(staff_client, alert):
    html = staff_client.get(reverse("dashboard:stock-alert-list")).content.decode()
    assert f'href="{LIST}?alert=live"' in html
    assert "Forecast stock risks (1 live)" in html


def test_without_a_run_the_list_says_so(staff_client, db):
    response = staff_client.get(LIST)
    assert response.status_code == 200
    assert 'id="no_run"' in response.content.decode() and skus(response) == []
