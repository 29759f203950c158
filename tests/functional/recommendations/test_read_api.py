"""The read API: the blocks as JSON, permissions, bad parameters, unknown ids, the schema."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from recommendations import services

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"recommendations-api:{name}", kwargs=kwargs)


def test_products_come_with_what_a_storefront_needs(client, trained):
    users, products, clusters, version = trained
    response = client.get(url("product", pk=products[0].pk), {"limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["block"] == "also_bought" and len(body["results"]) == 3
    first = body["results"][0]
    assert set(first) == {"id", "title", "url", "price", "currency", "available", "image",
                          "reason", "block", "version"}
    expected = [pk for pk in services.related(products[0].pk, "also_bought", 50)][:3]
    assert [r["id"] for r in body["results"]] == expected
    assert first["price"] == "9.99" and first["available"] is True
    assert first["url"].startswith("http://testserver/") and f"also_bought%3A{version.pk}" in first["url"]
    assert first["reason"] == f"Customers who bought {products[0].title} also bought this"


def test_a_shopper_gets_only_their_own_list(client, trained):
    users, products, clusters, version = trained
    shopper, other = users[5], users[6]
    client.force_login(shopper)
    mine = [r["id"] for r in client.get(url("for-me"), {"limit": 8}).json()["results"]]
    assert mine == [pk for pk in services.for_shopper(shopper, limit=50) if pk in mine]
    assert client.get(url("for-me"), {"user": other.pk}).status_code == 403
    assert client.get(url("for-me"), {"user": shopper.pk}).status_code == 200


def test_anonymous_visitors_get_the_trending_fallback(client, trained):
    body = client.get(url("for-me")).json()
    assert body["results"] and {r["block"] for r in body["results"]} == {"trending"}
    assert client.get(url("for-me"), {"user": 1}).status_code == 403


def test_staff_with_the_permission_may_ask_for_any_customer(client, trained, django_user_model):
    users, products, clusters, version = trained
    staff = django_user_model.objects.create_user(username="merch", email="m@example.com",
                                                  password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(url("for-me"), {"user": users[6].pk}).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_shopperrecommendation"))
    client.force_login(django_user_model.objects.get(pk=staff.pk))
    theirs = [r["id"] for r in client.get(url("for-me"), {"user": users[6].pk, "limit": 6})
              .json()["results"]]
    assert theirs == [pk for pk in services.for_shopper(users[6], limit=50) if pk in theirs]
    assert client.get(url("for-me"), {"user": 999999}).status_code == 404


@pytest.mark.parametrize("name, kwargs, params, field", [
    ("product", {"pk": 1}, {"kind": "magic"}, "kind"),
    ("trending", {}, {"limit": "0"}, "limit"),
    ("trending", {}, {"limit": "51"}, "limit"),
    ("best-sellers", {}, {"limit": "ten"}, "limit"),
    ("basket", {}, {"products": "1,x"}, "products"),
    ("for-me", {}, {"user": "me"}, "user"),
])
def test_bad_parameters_are_400_with_the_reason(client, trained, name, kwargs, params, field):
    response = client.get(url(name, **kwargs), params)
    assert response.status_code == 400 and field in response.json()


def test_unknown_ids_are_404(client, trained):
    assert client.get(url("product", pk=999999)).status_code == 404
    response = client.get(url("basket"), {"products": "999998,999999"})
    assert response.status_code == 404 and "999998, 999999" in response.json()["detail"]


def test_basket_recommendations_leave_out_the_basket(client, trained):
    users, products, clusters, version = trained
    ids = [products[0].pk, products[1].pk]
    body = client.get(url("basket"), {"products": ",".join(map(str, ids))}).json()
    assert body["results"] and not set(ids) & {r["id"] for r in body["results"]}


def test_the_openapi_schema_validates_and_the_docs_page_is_served(client):
    from openapi_spec_validator import validate

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert {"/api/recommendations/for-me/", "/api/recommendations/events/",
            "/api/recommendations/products/{id}/"} <= set(schema["paths"])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and "swagger-ui" in docs.content.decode()
    assert "cdn" not in docs.content.decode().lower()  # assets from the shop's static files
