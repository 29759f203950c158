"""The Oscar storefront and dashboard over imported history, through the real views."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")
Country = get_model("address", "Country")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def test_product_page_shows_title_price_and_stock(client, imported_history):
    mug = Product.objects.get(upc="20001")
    StockRecord.objects.filter(product=mug).update(num_in_stock=7)
    response = client.get(mug.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Red Mug" in html
    assert "£2.50" in html
    assert "In stock (7 available)" in html


def test_catalogue_and_search_list_imported_products(client, imported_history):
    call_command("rebuild_index", interactive=False, verbosity=0)
    catalogue = client.get(reverse("catalogue:index"))
    assert catalogue.status_code == 200
    assert {p.object.upc for p in catalogue.context["products"]} == {"20001", "20002", "20003A", "20004"}
    search = client.get(reverse("search:search"), {"q": "mug"})
    assert search.status_code == 200
    titles = {result.object.title for result in search.context["page_obj"].object_list}
    assert titles == {"Red Mug", "Blue Mug"}


def test_dashboard_lists_imported_orders_with_their_cancellations(staff_client, imported_history):
    listing = staff_client.get(reverse("dashboard:order-list"))
    assert listing.status_code == 200
    numbers = {order.number for order in listing.context["orders"]}
    assert numbers == {"500001", "500002", "500003", "500004", "500008", "500009"}
    detail = staff_client.get(reverse("dashboard:order-detail", args=["500002"]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Cancellation invoice C500010" in html
    assert "Red Mug" in html


def test_dashboard_customer_page_shows_their_orders(staff_client, imported_history):
    customer = get_user_model().objects.get(username="customer-10002")
    response = staff_client.get(reverse("dashboard:user-detail", args=[customer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "500003" in html and "500008" in html
    assert "500001" not in html


def test_customers_see_only_their_own_order_history(client, imported_history):
    customer = get_user_model().objects.get(username="customer-10001")
    client.force_login(customer)
    response = client.get(reverse("customer:order-list"))
    assert response.status_code == 200
    assert {order.number for order in response.context["orders"]} == {"500001", "500002"}
    other = client.get(reverse("customer:order", args=["500003"]))
    assert other.status_code == 404


def test_a_signed_in_shopper_can_check_out(client, imported_history):
    Country.objects.create(iso_3166_1_a2="GB", name="United Kingdom", is_shipping_country=True)
    customer = get_user_model().objects.get(username="customer-10002")
    client.force_login(customer)
    vase = Product.objects.get(upc="20003A")
    StockRecord.objects.filter(product=vase).update(num_in_stock=5)
    added = client.post(reverse("basket:add", args=[vase.pk]), {"quantity": 2})
    assert added.status_code == 302
    address = {
        "first_name": "Ada", "last_name": "Lovelace", "line1": "1 High Street",
        "line4": "London", "postcode": "N1 9GU", "country": "GB",
    }
    response = client.post(reverse("checkout:shipping-address"), address, follow=True)
    # With one (free) shipping method and no payment provider, Oscar skips to the last steps.
    assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")
    assert client.get(reverse("checkout:preview")).status_code == 200
    response = client.post(reverse("checkout:preview"), {"action": "place_order"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("checkout:thank-you")
    order = Order.objects.exclude(shipping_code="imported").get()
    assert order.user == customer
    assert list(order.lines.values_list("partner_sku", "quantity")) == [("20003A", 2)]
    assert StockRecord.objects.get(product=vase).num_allocated == 2
