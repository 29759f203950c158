"""POST /api/recommendations/events/ for headless storefronts."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from rest_framework.authtoken.models import Token

from recommendations.models import Interaction, TrackingPreference
from tests.factories import visitor_of

Product = get_model("catalogue", "Product")
URL = "/api/recommendations/events/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def posted():
    return Interaction.objects.filter(source__in=["api", "app_home"]).order_by("id")


def post(client, body, **extra):
    return client.post(URL, body, content_type="application/json", **extra)


def test_url_name():
    assert reverse("recommendations-api:events") == URL


@override_settings(RECOMMENDATIONS_RETENTION_DAYS=None)
def test_centuries_old_timestamps_are_refused_even_without_retention(client, imported_history):
    mug = Product.objects.get(upc="20001")
    response = post(client, [{"type": "view", "product": mug.pk, "timestamp": stamp}
                             for stamp in ("1789-07-14T12:00:00Z", "0001-01-01T00:00:00Z",
                                           "1990-01-02T00:00:00Z")])
    data = response.json()
    assert response.status_code == 201 and data["stored"] == 1
    assert [r["errors"] for r in data["rejected"]] == [
        {"timestamp": [
            "Timestamp is implausible (date before 1990-01-01): from 1990-01-01 to now."]},
        {"timestamp": ["Datetime value out of range."]}]  # DRF's own, in the shop's time zone


def test_valid_items_are_stored_and_bad_ones_rejected_with_reasons(client, imported_history):
    mug = Product.objects.get(upc="20001")
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    body = [
        {"type": "view", "product": mug.pk},
        {"type": "basket_add", "upc": "20002", "quantity": 2, "source": "app_home"},
        {"type": "view", "product": 999999},
        {"type": "view", "upc": "NOPE"},
        {"type": "view", "product": mug.pk, "timestamp": future},
        {"type": "teleport", "product": mug.pk},
        {"type": "review", "product": mug.pk},
        {"type": "search"},
        {"type": "purchase", "product": mug.pk},
        "not an object",
        {"type": "view", "product": mug.pk, "user": 1},
        {"type": "search", "query": "blue mug"},
    ]
    response = post(client, body)
    assert response.status_code == 201
    data = response.json()
    assert data["stored"] == 3 and data["ignored"] == 0
    reasons = {r["index"]: r["errors"] for r in data["rejected"]}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert reasons[2] == {"product": ["Unknown product id 999999."]}
    assert reasons[3] == {"upc": ["Unknown product upc 'NOPE'."]}
    assert reasons[4] == {"timestamp": [
        "Timestamp is implausible (date in the future): from 1990-01-01 to now."]}
    assert "type" in reasons[5] and "type" in reasons[8]  # unknown type; purchases come from orders
    assert reasons[6] == {"score": ["A review event needs its score (1-5)."]}
    assert reasons[7] == {"query": ["A search event needs its query."]}
    assert reasons[9] == {"non_field_errors": ["Not an object."]}
    assert "user" in reasons[10]
    stored = list(Interaction.objects.exclude(source="order_history").order_by("id"))
    assert [(e.event_type, e.product_id, e.quantity, e.query) for e in stored] == [
        ("view", mug.pk, None, ""),
        ("basket_add", Product.objects.get(upc="20002").pk, 2, ""),
        ("search", None, None, "blue mug"),
    ]
    visitor = visitor_of(response.cookies)
    assert {e.visitor_id for e in stored} == {visitor}


def test_a_batch_with_no_valid_item_is_a_400_and_stores_nothing(client, imported_history):
    response = post(client, [{"type": "view", "product": 999999}])
    assert response.status_code == 400
    assert response.json()["rejected"][0]["index"] == 0
    assert not posted().exists()


def test_oversized_and_malformed_batches_are_400(client, imported_history, settings):
    settings.RECOMMENDATIONS_API_MAX_BATCH = 3
    mug = Product.objects.get(upc="20001")
    response = post(client, [{"type": "view", "product": mug.pk}] * 4)
    assert response.status_code == 400
    assert response.json()["detail"] == "A batch holds at most 3 events; this one has 4."
    assert post(client, {"type": "view"}).status_code == 400
    assert post(client, []).status_code == 400
    bad_json = client.post(URL, "{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert not posted().exists()


def test_signed_in_browser_needs_csrf_token(imported_history):
    user = get_user_model().objects.create_user("bob", "bob@example.com", "pw")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    mug = Product.objects.get(upc="20001")
    refused = post(browser, [{"type": "view", "product": mug.pk}])
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    browser.get(mug.get_absolute_url())  # a page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = post(browser, [{"type": "view", "product": mug.pk}], HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert posted().get().user == user


def test_anonymous_browser_needs_csrf_token_too(imported_history):
    browser = Client(enforce_csrf_checks=True)
    mug = Product.objects.get(upc="20001")
    assert post(browser, [{"type": "view", "product": mug.pk}]).status_code == 403
    assert not posted().exists()


def test_server_token_posts_for_users_and_visitors(imported_history):
    server = get_user_model().objects.create_user("storefront", "sf@example.com", "pw")
    server.user_permissions.add(Permission.objects.get(codename="add_interaction"))
    token = Token.objects.create(user=server)
    shopper = get_user_model().objects.get(username="customer-10001")
    opted = get_user_model().objects.get(username="customer-10002")
    TrackingPreference.objects.create(user=opted, opted_out=True)
    mug = Product.objects.get(upc="20001")
    api = Client(enforce_csrf_checks=True)  # token clients need no CSRF token
    when = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    response = post(
        api,
        [
            {"type": "view", "product": mug.pk, "user": shopper.pk, "timestamp": when.isoformat()},
            {"type": "view", "product": mug.pk, "visitor_id": "app-visitor-42"},
            {"type": "view", "product": mug.pk, "user": opted.pk},
            {"type": "view", "product": mug.pk, "user": 987654},
            {"type": "view", "product": mug.pk},
        ],
        HTTP_AUTHORIZATION=f"Token {token.key}",
        HTTP_USER_AGENT="python-requests/2.32.3",  # a server client is no bot
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["stored"], data["ignored"]) == (2, 1)
    assert data["ignored_reason"] == "their users opted out of tracking"
    assert {r["index"] for r in data["rejected"]} == {3, 4}
    events = list(posted())
    assert (events[0].user, events[0].created_at) == (shopper, when)
    assert (events[1].user, events[1].visitor_id) == (None, "app-visitor-42")


def test_token_without_permission_is_refused(imported_history):
    user = get_user_model().objects.create_user("nobody", "n@example.com", "pw")
    token = Token.objects.create(user=user)
    mug = Product.objects.get(upc="20001")
    response = post(Client(), [{"type": "view", "product": mug.pk, "user": user.pk}],
                    HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403


def test_opted_out_browser_events_are_ignored_not_stored(client, imported_history):
    mug = Product.objects.get(upc="20001")
    response = post(client, [{"type": "view", "product": mug.pk}], HTTP_SEC_GPC="1")
    assert response.status_code == 201
    assert response.json() == {"stored": 0, "ignored": 1, "rejected": [], "ignored_reason": (
        "the browser asks not to be tracked (Global Privacy Control or Do Not Track)")}
    assert not posted().exists()


def test_clients_are_throttled(client, imported_history, settings):
    settings.RECOMMENDATIONS_API_THROTTLE_RATE = "2/min"
    mug = Product.objects.get(upc="20001")
    body = [{"type": "view", "product": mug.pk}]
    assert post(client, body).status_code == 201
    assert post(client, body).status_code == 201
    throttled = post(client, body)
    assert throttled.status_code == 429
    assert posted().count() == 2


def test_huge_ids_are_rejected_per_item_not_a_crash(client, imported_history):
    mug = Product.objects.get(upc="20001")
    response = post(client, [{"type": "view", "product": 10**30}, {"type": "view", "product": mug.pk}])
    assert response.status_code == 201
    assert response.json()["rejected"][0]["index"] == 0
    assert posted().count() == 1


def test_forged_forwarded_for_headers_do_not_dodge_the_throttle(client, imported_history, settings):
    settings.RECOMMENDATIONS_API_THROTTLE_RATE = "1/min"
    mug = Product.objects.get(upc="20001")
    body = [{"type": "view", "product": mug.pk}]
    assert post(client, body, HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 201
    assert post(client, body, HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 429


def test_a_body_nested_too_deeply_is_a_400_not_a_500(client, db):
    response = client.post(URL, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - the body is nested too deeply."}


@pytest.mark.parametrize("headers, reason", [
    ({"HTTP_USER_AGENT": "python-requests/2.32.3"},
     "the user agent is on the bot list (RECOMMENDATIONS_BOT_USER_AGENTS); a server client "
     "authenticates with a token"),
    ({"HTTP_SEC_GPC": "1"},
     "the browser asks not to be tracked (Global Privacy Control or Do Not Track)"),
])
def test_ignored_events_say_why(client, imported_history, headers, reason):
    mug = Product.objects.get(upc="20001")
    data = post(client, [{"type": "view", "product": mug.pk}], **headers).json()
    assert (data["stored"], data["ignored"], data["ignored_reason"]) == (0, 1, reason)
    assert not posted().exists()


@override_settings(RECOMMENDATIONS_TRACKING_ENABLED=False)
def test_a_server_client_records_nothing_while_tracking_is_off(imported_history):
    server = get_user_model().objects.create_user("storefront", "sf@example.com", "pw")
    server.user_permissions.add(Permission.objects.get(codename="add_interaction"))
    token = Token.objects.create(user=server)
    mug = Product.objects.get(upc="20001")
    data = post(Client(), [{"type": "view", "product": mug.pk, "visitor_id": "app-visitor-42"}],
                HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert (data["stored"], data["ignored"]) == (0, 1)
    assert "switched off" in data["ignored_reason"] and not posted().exists()
