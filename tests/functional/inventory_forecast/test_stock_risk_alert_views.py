"""The forecast stock-risk alert pages through Django's test client: filters, queries, actions."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory_forecast.models import StockRiskAlert

pytestmark = pytest.mark.django_db

LIST = reverse("inventory_forecast:stock-risk-alert-list")


def acknowledge_url(pk):
    return reverse("inventory_forecast:stock-risk-alert-acknowledge", args=[pk])


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


@pytest.fixture
def alerts(at_risk_history):
    """The run's open alert (10002), a newer acknowledged one (10003) and a closed one (10001)."""
    now = timezone.now()
    return {
        "open": StockRiskAlert.objects.get(stockrecord_id=at_risk_history["10002"]),
        "acknowledged": StockRiskAlert.objects.create(
            stockrecord_id=at_risk_history["10003"], risk="reorder_now", reason="Reorder now: x.",
            status=StockRiskAlert.ACKNOWLEDGED, raised_at=now + timedelta(minutes=1),
            acknowledged_at=now),
        "closed": StockRiskAlert.objects.create(
            stockrecord_id=at_risk_history["10001"], risk="reorder_now", reason="Reorder now: y.",
            status=StockRiskAlert.CLOSED, raised_at=now - timedelta(days=3), closed_at=now),
    }


@pytest.mark.parametrize("query, expected", [
    ({}, ["acknowledged", "open"]),
    ({"status": "live"}, ["acknowledged", "open"]),
    ({"status": "open"}, ["open"]),
    ({"status": "closed"}, ["closed"]),
    ({"status": "all"}, ["acknowledged", "open", "closed"]),
    ({"status": "all", "risk": "reorder_now"}, ["acknowledged", "closed"]),
    ({"risk": "out_of_stock"}, ["open"]),
    ({"status": "nonsense"}, ["acknowledged", "open"]),
])
def test_the_list_filters_by_status_and_risk_newest_first(staff_client, alerts, query, expected):
    response = staff_client.get(LIST, query)
    assert response.status_code == 200
    assert [a.pk for a in response.context["alerts"]] == [alerts[name].pk for name in expected]


def test_the_list_shows_the_forecasts_plan(staff_client, alerts):
    alert = alerts["open"]
    plan = alert.forecast
    html = staff_client.get(LIST).content.decode()
    assert alert.reason in html
    assert reverse("dashboard:catalogue-product", kwargs={"pk": alert.stockrecord.product_id}) in html
    assert "Out of stock" in html and "Main warehouse" in html and "10002" in html
    assert f"<td>{plan.suggested_order}</td>" in html
    assert reverse("dashboard:stock-alert-list") in html  # breadcrumbs and the header button
    # The acknowledged alert has no button: one form for the one open alert.
    assert html.count('action="/dashboard/stock-risk/') == 1


def test_the_list_takes_the_same_queries_whatever_its_length(staff_client, alerts):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(LIST, {"status": "all"}).status_code == 200
        return len(captured)

    three = queries()
    StockRiskAlert.objects.exclude(pk=alerts["open"].pk).delete()
    assert queries() == three
    assert three <= 8


@override_settings(OSCAR_STOCK_ALERTS_PER_PAGE=2)
def test_the_list_is_paginated_like_oscars(staff_client, alerts):
    first = staff_client.get(LIST, {"status": "all"})
    assert len(first.context["alerts"]) == 2 and "Page 1 of 2" in first.content.decode()
    second = staff_client.get(LIST, {"status": "all", "page": 2})
    assert [a.pk for a in second.context["alerts"]] == [alerts["closed"].pk]


def test_acknowledging_an_open_alert(staff_client, alerts):
    alert = alerts["open"]
    back = f"{LIST}?risk=out_of_stock"
    response = staff_client.post(acknowledge_url(alert.pk), {"next": back}, follow=True)
    assert response.redirect_chain == [(back, 302)]
    title = alert.stockrecord.product.get_title()
    assert messages_of(response) == [
        ("success", f"The stock risk alert for “{title}” was acknowledged.")]
    alert.refresh_from_db()
    assert alert.status == StockRiskAlert.ACKNOWLEDGED and alert.acknowledged_at is not None


@pytest.mark.parametrize("name, level, text", [
    ("closed", "error", "is closed: only an open alert can be acknowledged."),
    ("acknowledged", "info", "was already acknowledged."),
    (None, "error", "does not exist."),
])
def test_acknowledging_what_is_not_open_says_why(staff_client, alerts, name, level, text):
    pk = alerts[name].pk if name else 999999
    before = {a.pk: (a.status, a.updated_at) for a in StockRiskAlert.objects.all()}
    response = staff_client.post(acknowledge_url(pk), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(LIST, 302)]
    [(got_level, message)] = messages_of(response)
    assert got_level == level and message.endswith(text)
    assert {a.pk: (a.status, a.updated_at) for a in StockRiskAlert.objects.all()} == before


def test_acknowledging_goes_back_only_to_this_site(staff_client, alerts):
    response = staff_client.post(acknowledge_url(alerts["open"].pk),
                                 {"next": "https://evil.example.com/"})
    assert response.status_code == 302 and response.url == LIST


def grant(user, *names):
    """Give ``user`` the permissions ``app_label.codename``."""
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label,
                                                         codename=codename))


def test_acknowledging_needs_a_post_with_a_csrf_token(django_user_model, alerts):
    staff = django_user_model.objects.create_user(username="s", password="pw", is_staff=True)
    grant(staff, "partner.view_stockalert", "inventory_forecast.change_stockriskalert")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get(acknowledge_url(alerts["open"].pk)).status_code == 405
    assert client.post(acknowledge_url(alerts["open"].pk)).status_code == 403
    assert StockRiskAlert.objects.get(pk=alerts["open"].pk).status == StockRiskAlert.OPEN


def test_non_staff_are_refused_and_visitors_sent_to_the_dashboard_login(
        client, django_user_model, alerts):
    pk = alerts["open"].pk
    for url, method in ((LIST, client.get), (acknowledge_url(pk), client.post)):
        response = method(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('dashboard:login')}?next={url}"
    client.force_login(django_user_model.objects.create_user(username="shopper", password="pw"))
    assert client.get(LIST).status_code == 403
    assert client.post(acknowledge_url(pk)).status_code == 403
    assert StockRiskAlert.objects.get(pk=pk).status == StockRiskAlert.OPEN


def test_oscars_stock_alert_list_links_here_with_the_live_count(staff_client, alerts):
    html = staff_client.get(reverse("dashboard:stock-alert-list")).content.decode()
    assert f'href="{LIST}"' in html
    assert "Forecast stock risks (2 live)" in html


def test_the_dashboard_menu_has_the_page_for_staff_only(staff_client, client, django_user_model):
    assert "Stock risk (forecast)" in staff_client.get(reverse("dashboard:index")).content.decode()
    # A partner's user may open the dashboard, not this page: the menu leaves it out.
    partner_user = django_user_model.objects.create_user(username="partner", password="pw")
    partner_user.user_permissions.add(Permission.objects.get(
        content_type__app_label="partner", codename="dashboard_access"))
    client.force_login(partner_user)
    index = client.get(reverse("dashboard:index"))
    assert index.status_code == 200
    assert "Stock risk (forecast)" not in index.content.decode()


def test_staff_need_oscars_stock_alert_permission_to_view_and_a_change_one_to_acknowledge(
        client, django_user_model, alerts):
    pk = alerts["open"].pk
    staff = django_user_model.objects.create_user(username="editor", password="pw",
                                                  is_staff=True)
    client.force_login(staff)
    assert client.get(LIST).status_code == 403  # staff alone: no stock levels
    grant(staff, "partner.view_stockalert")
    staff = django_user_model.objects.get(pk=staff.pk)  # permissions are cached per instance
    client.force_login(staff)
    page = client.get(LIST)
    assert page.status_code == 200 and "Acknowledge</button>" not in page.content.decode()
    assert client.post(acknowledge_url(pk)).status_code == 403
    assert StockRiskAlert.objects.get(pk=pk).status == StockRiskAlert.OPEN
    grant(staff, "inventory_forecast.change_stockriskalert")
    client.force_login(django_user_model.objects.get(pk=staff.pk))
    assert "Acknowledge</button>" in client.get(LIST).content.decode()
    assert client.post(acknowledge_url(pk)).status_code == 302
    assert StockRiskAlert.objects.get(pk=pk).status == StockRiskAlert.ACKNOWLEDGED
