"""The daily stock-risk digest: who gets it, what it says, once per risk and again when the risk
worsens, and the signed link that stops it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from inventory_forecast.digest import send_digest, unsubscribe_token
from inventory_forecast.models import StockRiskAlert
from inventory_forecast.tasks import send_digest as send_digest_task

pytestmark = pytest.mark.django_db

Email = get_model("communication", "Email")


@pytest.fixture
def buyer(django_user_model):
    user = django_user_model.objects.create_user(username="buyer", email="buyer@example.com",
                                                 password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(
        content_type__app_label="inventory_forecast", codename="view_skuforecast"))
    return user


@pytest.fixture
def alert(at_risk_history):
    return StockRiskAlert.objects.get(stockrecord_id=at_risk_history["10002"])


def test_the_digest_lists_new_risks_with_links_once(buyer, alert, settings):
    settings.INVENTORY_FORECAST_DIGEST_BASE_URL = "https://shop.example.com"
    assert send_digest() == {"alerts": 1, "sent": 1}
    [message] = mail.outbox
    assert message.to == ["buyer@example.com"]
    assert message.subject == "Stock risks: 1 new or worse"
    sku_url = "https://shop.example.com" + reverse("dashboard:inventory-forecast-sku",
                                                   args=[alert.stockrecord_id])
    assert "1 new, 0 worse" in message.body
    assert "Out of stock: Lumpy Vase (SKU 10002, Main warehouse). No stock available." \
        in message.body
    assert sku_url in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html" and f'href="{sku_url}"' in html
    assert "https://shop.example.com/dashboard/forecasts/digest/unsubscribe/" in message.body
    # Recorded in Oscar's e-mail history of the user, as Oscar's own messages are.
    assert Email.objects.filter(user=buyer, subject=message.subject).count() == 1
    alert.refresh_from_db()
    assert alert.reported_risk == "out_of_stock"
    # Reported: the next digest has nothing to say, and sends nothing.
    assert send_digest() == {"alerts": 0, "sent": 0}
    assert len(mail.outbox) == 1


def test_a_risk_is_reported_again_when_it_worsens(buyer, alert):
    StockRiskAlert.objects.filter(pk=alert.pk).update(risk="stockout_before_delivery",
                                                      reported_risk="stockout_before_delivery")
    assert send_digest()["alerts"] == 0
    StockRiskAlert.objects.filter(pk=alert.pk).update(risk="out_of_stock")
    assert send_digest() == {"alerts": 1, "sent": 1}
    assert "0 new, 1 worse" in mail.outbox[-1].body and "(worse)" in mail.outbox[-1].body


def test_a_snoozed_alert_waits_for_its_day(buyer, alert):
    today = timezone.localdate()
    StockRiskAlert.objects.filter(pk=alert.pk).update(snoozed_until=today + timedelta(days=2))
    assert send_digest(today) == {"alerts": 0, "sent": 0}
    assert send_digest(today + timedelta(days=2)) == {"alerts": 1, "sent": 1}


def test_only_active_staff_who_may_see_forecasts_and_did_not_unsubscribe_get_it(
        buyer, alert, django_user_model):
    django_user_model.objects.create_user(username="editor", email="editor@example.com",
                                          is_staff=True)  # no permission
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    gone = django_user_model.objects.create_user(username="gone", email="gone@example.com",
                                                 is_staff=True, is_active=False)
    gone.user_permissions.add(Permission.objects.get(codename="view_skuforecast"))
    Client().post(reverse("dashboard:inventory-forecast-unsubscribe",
                          args=[unsubscribe_token(buyer)]))
    assert send_digest_task.apply().get() == {"alerts": 1, "sent": 1}
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]


def test_the_signed_link_asks_then_stops_the_digest_without_signing_in(buyer, alert):
    client = Client()
    url = reverse("dashboard:inventory-forecast-unsubscribe", args=[unsubscribe_token(buyer)])
    page = client.get(url)
    assert page.status_code == 200 and "Stop sending the daily stock-risk digest to " \
        "buyer@example.com?" in page.content.decode()
    assert send_digest()["sent"] == 1  # a GET (a mail scanner) unsubscribes nobody
    StockRiskAlert.objects.filter(pk=alert.pk).update(reported_risk="")
    assert "will no longer get" in client.post(url).content.decode()
    assert send_digest() == {"alerts": 1, "sent": 0}
    forged = url.replace(unsubscribe_token(buyer)[:5], "xxxxx")
    assert client.get(forged).status_code == 404


def test_staff_turn_their_digest_off_and_on_from_the_risk_list(buyer, alert, client):
    client.force_login(buyer)
    toggle = reverse("dashboard:inventory-forecast-digest")
    page = client.get(reverse("dashboard:inventory-forecast-risk-list")).content.decode()
    assert "Stop my daily digest" in page
    client.post(toggle, {"subscribed": "0"})
    assert send_digest()["sent"] == 0
    assert "E-mail me a daily digest" in client.get(
        reverse("dashboard:inventory-forecast-risk-list")).content.decode()
    client.post(toggle, {"subscribed": "1"})
    assert send_digest()["sent"] == 1
