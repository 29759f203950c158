"""The recommendations section of the dashboard through Django's test client: the versions and
their evaluation, the charts' data, what the blocks earned, "Retrain now" and who may see it."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from oscar.test.factories import create_order, create_product

from recommendations.models import Attribution, Interaction, RecommenderVersion

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboard:recommendations-overview")


def chart(client, name):
    response = client.get(reverse("dashboard:recommendations-chart", args=[name]))
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_overview_shows_the_serving_version_and_its_evaluation(staff_client, trained):
    version = trained[3]
    html = staff_client.get(OVERVIEW).content.decode()
    assert f"Serving version #{version.pk} ({version.algorithm})" in html
    assert escape(version.metrics["reason"]) in html
    assert f'id="version_{version.pk}"' in html
    ndcg = version.metrics["candidates"][version.algorithm][version.metrics["protocol"]]["ndcg"]
    assert f"{ndcg:.4f}" in html
    page = staff_client.get(reverse("dashboard:recommendations-version", args=[version.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "item_knn" in body and "popularity" in body
    for stage in version.metrics["timings"]:
        assert stage in body


def test_the_ndcg_chart_has_a_point_per_published_version(staff_client, trained):
    version = trained[3]
    config = chart(staff_client, "ndcg")
    assert config["data"]["labels"] == [f"#{version.pk} {version.published_at:%Y-%m-%d}"]
    model, popularity = config["data"]["datasets"]
    protocol = version.metrics["protocol"]
    candidates = version.metrics["candidates"]
    assert model["data"] == [pytest.approx(candidates[version.algorithm][protocol]["ndcg"],
                                           abs=1e-4)]
    assert popularity["data"] == [pytest.approx(candidates["popularity"][protocol]["ndcg"],
                                                abs=1e-4)]


def test_the_events_chart_counts_each_day_by_type(staff_client, db, django_user_model):
    cache.clear()  # the counts are cached a few minutes
    shopper = django_user_model.objects.create_user(username="s", password="pw")
    product = create_product()
    now = timezone.now()
    for days, kind, count in ((0, "view", 3), (0, "basket_add", 1), (2, "view", 2),
                              (200, "view", 5)):  # the last is outside the 90 days
        for _ in range(count):
            Interaction.objects.create(event_type=kind, user=shopper, product=product,
                                       created_at=now - timedelta(days=days))
    config = chart(staff_client, "events")
    labels = config["data"]["labels"]
    assert len(labels) == 90 and labels[-1] == timezone.localdate().isoformat()
    series = {d["label"]: d["data"] for d in config["data"]["datasets"]}
    assert set(series) == {"Product view", "Basket add"}
    assert series["Product view"][-1] == 3 and series["Product view"][-3] == 2
    assert sum(series["Product view"]) == 5 and sum(series["Basket add"]) == 1
    assert config["options"]["plugins"]["title"]["text"] == "Events recorded per day"


def test_the_events_chart_of_a_shop_with_no_recent_event_ends_at_the_latest(
        staff_client, db, django_user_model):
    cache.clear()
    shopper = django_user_model.objects.create_user(username="s", password="pw")
    product = create_product()
    latest = timezone.now() - timedelta(days=400)  # an imported history, say
    for days, count in ((0, 4), (10, 1), (95, 7)):  # the last is outside its 90 days
        for _ in range(count):
            Interaction.objects.create(event_type="purchase", user=shopper, product=product,
                                       created_at=latest - timedelta(days=days))
    config = chart(staff_client, "events")
    end = timezone.localdate(latest)
    assert config["data"]["labels"][-1] == end.isoformat()
    (purchases,) = config["data"]["datasets"]
    per_day = dict(zip(config["data"]["labels"], purchases["data"]))
    ten_before = timezone.localdate(latest - timedelta(days=10)).isoformat()
    assert per_day[end.isoformat()] == 4 and per_day[ten_before] == 1
    assert sum(purchases["data"]) == 5
    assert config["options"]["plugins"]["title"]["text"] == (
        f"Events recorded per day, to the latest ({end.isoformat()}): none in the last 90 days")


def test_the_blocks_earnings_per_block_and_version(staff_client, trained, django_user_model):
    version = trained[3]
    shopper = django_user_model.objects.create_user(username="buyer", password="pw")
    product = trained[1][0]
    for _ in range(3):
        Interaction.objects.create(event_type="rec_click", user=shopper, product=product,
                                   source=f"also_bought:{version.pk}")
    order = create_order(user=shopper)
    line = order.lines.first()
    Attribution.objects.create(line=line, order=order, block="also_bought",
                               version_id=version.pk, clicked_at=timezone.now(),
                               ordered_at=timezone.now(), quantity=2, revenue=Decimal("19.98"))
    html = " ".join(staff_client.get(OVERVIEW).content.decode().split())
    row = html[html.index('id="attribution"'):]
    # No page was served: no impression, no click-through rate.
    assert ('<td>Customers who bought this also bought <small class="text-muted">also_bought'
            f'</small></td><td>#{version.pk}</td><td class="text-right">0</td>'
            '<td class="text-right">3</td><td class="text-right">-</td>'
            '<td class="text-right">1</td><td class="text-right">2</td>'
            '<td class="text-right">£19.98</td>') in row


def test_retrain_now_queues_and_follows_the_run(staff_client, trained, purge_broker):
    newest = RecommenderVersion.objects.order_by("-pk").first().pk
    response = staff_client.post(reverse("dashboard:recommendations-retrain"), follow=True)
    assert response.redirect_chain == [(f"{OVERVIEW}?progress={newest}", 302)]
    progress = reverse("dashboard:recommendations-progress")
    assert f'data-progress-url="{progress}?after={newest}"' in response.content.decode()
    assert json.loads(staff_client.get(progress, {"after": newest}).content)["state"] == "queued"


def test_who_may_see_and_retrain(client, django_user_model, db):
    response = client.get(OVERVIEW)
    assert response.status_code == 302 and response.url.startswith(reverse("dashboard:login"))
    client.force_login(django_user_model.objects.create_user(username="shopper", password="pw"))
    assert client.get(OVERVIEW).status_code == 403
    staff = django_user_model.objects.create_user(username="s", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(OVERVIEW).status_code == 403
    staff.user_permissions.add(Permission.objects.get(
        content_type__app_label="recommendations", codename="view_recommenderversion"))
    client.force_login(django_user_model.objects.get(pk=staff.pk))
    page = client.get(OVERVIEW)
    assert page.status_code == 200 and "Retrain now" not in page.content.decode()
    assert "No version published yet" in page.content.decode()
    assert client.post(reverse("dashboard:recommendations-retrain")).status_code == 403
    assert f'href="{OVERVIEW}"' in client.get(reverse("dashboard:index")).content.decode()


def previewed(response):
    """``{block: [product ids]}`` of the preview page, each block as its first page (the home
    page, for a shopper) shows it."""
    import re

    html = response.content.decode()
    found = {}
    for block, table in re.findall(r'<table [^>]*data-block="(\w+)">(.*?)</table>', html, re.S):
        found.setdefault(block, [int(pk) for pk in re.findall(r'data-product="(\d+)"', table)])
    return found


def test_the_preview_shows_what_the_storefront_renders(staff_client, trained):
    from django.test import Client

    from tests.functional.recommendations.test_blocks import shown

    client = Client()  # the shopper's browser; staff_client is another

    users, products = trained[0], trained[1]
    preview = reverse("dashboard:recommendations-preview")
    customer = users[3]
    client.force_login(customer)
    home = client.get("/")
    page = previewed(staff_client.get(preview, {"customer": customer.pk}))
    assert page["for_you"] and page["for_you"] == shown(home, "for_you")
    assert page["buy_again"] == shown(home, "buy_again")
    assert page["best_sellers"] == shown(home, "best_sellers")
    client.logout()
    product = products[5]
    storefront = client.get(product.get_absolute_url())
    page = previewed(staff_client.get(preview, {"product": product.pk}))
    assert page["also_bought"] and page["also_bought"] == shown(storefront, "also_bought")
    assert page["bought_together"] == shown(storefront, "bought_together")


@pytest.mark.parametrize("query, error", [
    ({"customer": "nobody@example.com"}, "No customer nobody@example.com."),
    ({"visitor": "not-hex"}, "A visitor id is 32 hexadecimal characters"),
    ({"product": "999999"}, "No product 999999."),
    ({"visitor": "0" * 32, "product": "own"}, "Give one customer, one visitor id or one product."),
])
def test_the_preview_says_what_it_cannot_find(staff_client, db, query, error):
    if query.get("product") == "own":
        query["product"] = create_product().pk
    response = staff_client.get(reverse("dashboard:recommendations-preview"), query)
    assert response.status_code == 200 and escape(error) in response.content.decode()


def test_the_preview_needs_the_permission_to_see_shoppers_recommendations(
        client, django_user_model, db):
    staff = django_user_model.objects.create_user(username="s", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(
        content_type__app_label="recommendations", codename="view_recommenderversion"))
    client.force_login(staff)
    assert client.get(reverse("dashboard:recommendations-preview")).status_code == 403
    assert "Preview the blocks" not in client.get(OVERVIEW).content.decode()
