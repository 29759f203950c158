"""
Suggested purchase orders on a plan worked out by hand: the page, the CSV, the printable page,
"mark as ordered" counting the units on order until the order is received, and who may do what.

Every stock record below has the same forecast and quantiles: 2 units a day, lead time 14 days,
review 7 days, lead-time quantile 40 (mean 28 + safety 12), protection quantile 56 (mean 42 +
safety 14): reorder point 40, order-up-to 56.  Suggested order = 56 - (available + on order)
when that position is at or below 40, rounded up to whole packs.
"""

import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from inventory_forecast.models import (
    ForecastRun,
    PurchaseOrder,
    ReplenishmentSettings,
    SkuForecast,
)
from inventory_forecast.replanning import replan

pytestmark = pytest.mark.django_db

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

LIST = reverse("dashboard:inventory-forecast-purchase-orders")
AS_OF = date(2026, 6, 1)


def order_url(partner):
    return reverse("dashboard:inventory-forecast-purchase-order", args=[partner.pk])


def ordered_url(partner):
    return reverse("dashboard:inventory-forecast-mark-ordered", args=[partner.pk])


@pytest.fixture
def plan():
    """Three records of "Acme" (available 10, 35 and 50) and one of "Zenith" (available 0);
    Acme's vase in packs of 12 at 1.25 each."""
    run = ForecastRun.objects.create(status=ForecastRun.CURRENT, as_of=AS_OF,
                                     finished_at=timezone.now())
    records = {}
    for sku, title, partner, stock in (("A-1", "Blue vase", "Acme", 10),
                                       ("A-2", "Red mug", "Acme", 35),
                                       ("A-3", "Green bowl", "Acme", 50),
                                       ("Z-1", "Candle", "Zenith", 0)):
        product = create_product(title=title, partner_name=partner, partner_sku=sku,
                                 price=5, num_in_stock=stock)
        record = product.stockrecords.get()
        records[sku] = record
        SkuForecast.objects.create(
            run=run, stockrecord=record, demand_class="smooth", method="hand",
            forecast=[14.0] * 8, mean_daily=2.0, lead_quantile=40.0, protection_quantile=56.0,
            lead_time_days=14, review_days=7, service_level=0.95, available=stock,
            safety_stock=12.0, reorder_point=40.0, order_up_to=56.0, suggested_order=0,
            expected_lost_sales=0.0, risk="ok", unit_price=5.0)
    ReplenishmentSettings.objects.create(stockrecord=records["A-1"], pack_size=12,
                                         unit_cost="1.25")
    replan([r.pk for r in records.values()], today=AS_OF)
    return records


def test_the_suggestions_are_the_plans_worked_out_by_hand(staff_client, plan):
    # 56 - 10 = 46, in packs of 12: 48.  A-2: 56 - 35 = 21.  A-3: 50 > 40, nothing.
    # Z-1: 56 - 0 = 56.
    suggested = {sku: SkuForecast.objects.get(stockrecord=r).suggested_order
                 for sku, r in plan.items()}
    assert suggested == {"A-1": 48, "A-2": 21, "A-3": 0, "Z-1": 56}
    html = staff_client.get(LIST).content.decode()
    acme, zenith = (Partner.objects.get(name=name) for name in ("Acme", "Zenith"))
    row = html[html.index(f'id="suggested_{acme.pk}"'):]
    row = " ".join(row[:row.index("</tr>")].split())
    # 2 lines, 69 units, 48 x 1.25 = 60.00 at known costs, one line without a cost.
    assert ">2<" in row and ">69<" in row and "£60.00" in row and "(1 line without a cost)" in row
    assert f'id="suggested_{zenith.pk}"' in html


def test_the_csv_holds_the_partners_lines_worst_risk_first(staff_client, plan):
    acme = Partner.objects.get(name="Acme")
    response = staff_client.get(order_url(acme), {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="purchase-order-acme-2026-06-01.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # The vase's 10 units last 5 days, under the 14-day lead time: stock-out before delivery,
    # the worse risk, first.  The mugs' 35 last 17.5 days, at or below the reorder point.
    assert rows == [
        ["SKU", "Title", "Quantity", "Pack size", "Unit cost", "Reason"],
        ["A-1", "Blue vase", "48", "12", "1.25", "5 days of cover, lead time 14 days"],
        ["A-2", "Red mug", "21", "1", "", "At or below reorder point 40"],
    ]


def test_the_printable_page_has_the_lines_and_totals_and_no_dashboard(staff_client, plan):
    acme = Partner.objects.get(name="Acme")
    html = staff_client.get(order_url(acme), {"print": 1}).content.decode()
    assert "Purchase order for Acme" in html and "planned on" in html
    assert "Blue vase" in html and "Red mug" in html and "Green bowl" not in html
    assert ">69<" in " ".join(html.split()).replace("> ", ">").replace(" <", "<")
    assert 'id="bottom_nav_bar"' not in html


def test_marking_ordered_counts_the_units_until_received(staff_client, plan):
    acme = Partner.objects.get(name="Acme")
    a1, a2 = plan["A-1"], plan["A-2"]
    # The buyer orders 60 vases (5 packs) instead of 48, and the mugs as suggested.
    response = staff_client.post(ordered_url(acme), {f"quantity-{a1.pk}": "60",
                                                     f"quantity-{a2.pk}": "21"}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    order = PurchaseOrder.objects.get()
    assert [str(m) for m in response.context["messages"]] == [
        f"Purchase order #{order.pk} from Acme recorded: 81 units on order, counted by the "
        "plans until it is marked received."]
    assert order.status == "open" and order.partner == acme
    assert order.expected_on == timezone.localdate() + timedelta(days=14)
    assert sorted(order.lines.values_list("stockrecord__partner_sku", "quantity", "unit_cost")) \
        == [("A-1", 60, pytest.approx(1.25)), ("A-2", 21, None)]
    # Positions 70 and 56: above the reorder point, nothing suggested any more.
    forecasts = {f.stockrecord_id: f for f in SkuForecast.objects.all()}
    assert (forecasts[a1.pk].on_order, forecasts[a1.pk].suggested_order) == (60, 0)
    assert (forecasts[a2.pk].on_order, forecasts[a2.pk].suggested_order) == (21, 0)
    assert f'id="suggested_{acme.pk}"' not in staff_client.get(LIST).content.decode()
    # Received: the units no longer count as on order (the stock entered in Oscar does).
    close = reverse("dashboard:inventory-forecast-purchase-order-close", args=[order.pk])
    received = staff_client.post(close, {"status": "received"}, follow=True)
    assert [str(m) for m in received.context["messages"]] == [
        f"Purchase order #{order.pk} marked received."]
    order.refresh_from_db()
    assert order.status == "received" and order.closed_at is not None
    assert SkuForecast.objects.get(stockrecord=a1).suggested_order == 48
    again = staff_client.post(close, {"status": "cancelled"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        f"Purchase order #{order.pk} was already closed."]


@pytest.mark.parametrize("data, error", [
    ({"A-1": "-5"}, "Quantities are whole numbers of units"),
    ({"A-1": "lots"}, "Quantities are whole numbers of units"),
    ({"A-1": "0", "A-2": "0"}, "Nothing to order: every quantity is 0."),
    ({"A-3": "10"}, "Some lines are no longer suggested for this partner"),
    ({"Z-1": "10"}, "Some lines are no longer suggested for this partner"),
])
def test_a_bad_order_is_refused_with_the_reason(staff_client, plan, data, error):
    acme = Partner.objects.get(name="Acme")
    post = {f"quantity-{plan[sku].pk}": value for sku, value in data.items()}
    response = staff_client.post(ordered_url(acme), post, follow=True)
    assert response.redirect_chain == [(order_url(acme), 302)]
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith(error)
    assert not PurchaseOrder.objects.exists()


def test_a_forecast_run_counts_open_orders_too(plan):
    from inventory_forecast.purchasing import mark_ordered, on_order

    acme = Partner.objects.get(name="Acme")
    mark_ordered(acme, {plan["A-2"].pk: 30, plan["A-1"].pk: 0})
    assert on_order() == {plan["A-2"].pk: 30}
    assert on_order([plan["A-1"].pk]) == {}


def test_partner_users_see_and_order_for_their_partners_only(client, django_user_model, plan):
    acme, zenith = (Partner.objects.get(name=name) for name in ("Acme", "Zenith"))
    user = django_user_model.objects.create_user(username="zen", password="pw")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="partner",
                                                     codename="dashboard_access"))
    zenith.users.add(user)
    client.force_login(user)
    html = client.get(LIST).content.decode()
    assert f'id="suggested_{zenith.pk}"' in html and f'id="suggested_{acme.pk}"' not in html
    assert client.get(order_url(acme)).status_code == 404
    assert client.get(order_url(acme), {"format": "csv"}).status_code == 404
    assert client.post(ordered_url(acme), {f"quantity-{plan['A-1'].pk}": "48"}).status_code \
        == 404
    assert client.post(ordered_url(zenith), {f"quantity-{plan['Z-1'].pk}": "56"}).status_code \
        == 302
    assert PurchaseOrder.objects.get().partner == zenith


def test_staff_need_the_add_permission_to_order(client, django_user_model, plan):
    acme = Partner.objects.get(name="Acme")
    staff = django_user_model.objects.create_user(username="s", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(
        content_type__app_label="inventory_forecast", codename="view_skuforecast"))
    client.force_login(staff)
    page = client.get(order_url(acme))
    assert page.status_code == 200 and "Mark as ordered</button>" not in page.content.decode()
    assert client.post(ordered_url(acme), {f"quantity-{plan['A-1'].pk}": "48"}).status_code \
        == 403
    assert not PurchaseOrder.objects.exists()


def test_the_dashboard_index_tile_counts_risks_stock_outs_and_orders(staff_client, plan):
    html = " ".join(staff_client.get(reverse("dashboard:index")).content.decode().split())
    tile = html[html.index('id="forecast_tile"'):]
    # At risk: A-1 (5 days of cover, under the lead time) and Z-1 (out of stock).  A stock-out
    # within 7 days: A-1 (Z-1 has none left to run out of).  Orders: 48 + 21 + 56 = 125 units
    # in 3 lines, at the selling price of 5.00: 625.00.
    assert '<span class="h3 mb-0">2</span>SKUs at risk' in tile
    assert '<span class="h3 mb-0">1</span>stock-outs expected in 7 days' in tile
    assert '<span class="h3 mb-0">£625.00</span>' in tile
    assert "(3 lines, 125 units)" in tile


def test_the_tile_is_scoped_and_hidden_from_who_may_not_see_forecasts(
        client, django_user_model, plan):
    staff = django_user_model.objects.create_user(username="s", password="pw", is_staff=True)
    client.force_login(staff)
    assert 'id="forecast_tile"' not in client.get(reverse("dashboard:index")).content.decode()
    zenith = Partner.objects.get(name="Zenith")
    user = django_user_model.objects.create_user(username="zen", password="pw")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="partner",
                                                     codename="dashboard_access"))
    zenith.users.add(user)
    client.force_login(user)
    html = " ".join(client.get(reverse("dashboard:index")).content.decode().split())
    tile = html[html.index('id="forecast_tile"'):]
    assert '<span class="h3 mb-0">1</span>SKUs at risk' in tile  # Z-1 only
    assert "(1 line, 56 units)" in tile
