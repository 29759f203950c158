"""
The blocks' rendered HTML, cached (``recommendations.fragments``): a warm page reads no
recommendation table and no product row for its blocks, and whatever a block shows — stock, a
new version, the shopper's purchases — renders afresh the moment it changes.
"""

import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from oscar.core.loading import get_model

from recommendations import blocks, fragments, training
from tests.functional.recommendations.test_blocks import bought_together_only, shown

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries]


def test_a_warm_page_costs_no_query_for_its_blocks(client, trained):
    users, products, clusters, version = trained
    url = products[0].get_absolute_url()
    client.get(url)  # renders the blocks into the cache
    response, warm = queries_of(client, url)
    assert shown(response, "also_bought")
    with override_settings(RECOMMENDATIONS_BLOCKS_ENABLED=False):
        without, bare = queries_of(client, url)
    assert not shown(without, "also_bought")
    assert len(warm) == len(bare)
    assert not [sql for sql in warm if sql.startswith("SELECT") and "recommendations_" in sql]


def test_a_signed_in_shopper_warm_home_page_costs_no_query_for_its_blocks(client, trained):
    users, products, clusters, version = trained
    client.force_login(users[5])
    client.get("/")
    response, warm = queries_of(client, "/")
    assert shown(response, "for_you") and shown(response, "buy_again")
    with override_settings(RECOMMENDATIONS_BLOCKS_ENABLED=False):
        _response, bare = queries_of(client, "/")
    assert len(warm) == len(bare)


def test_a_product_sold_out_at_checkout_leaves_the_cached_blocks_at_once(client, trained):
    users, products, clusters, version = trained
    url = products[0].get_absolute_url()
    first = shown(client.get(url), "also_bought")[0]
    record = StockRecord.objects.get(product_id=first)
    record.allocate(record.net_stock_level)  # Oscar's checkout: the last units are allocated
    assert first not in shown(client.get(url), "also_bought")
    record.cancel_allocation(1)  # back in stock
    assert first in shown(client.get(url), "also_bought")


def test_a_new_version_renders_afresh_without_clearing_the_cache(client, trained):
    users, products, clusters, version = trained
    url = products[0].get_absolute_url()
    assert f"also_bought%3A{version.pk}" in client.get(url).content.decode()
    with override_settings(RECOMMENDATIONS_CANDIDATES=("popularity", "item_knn"),
                           RECOMMENDATIONS_DEFAULT_ALGORITHM="item_knn"):
        newer = training.train()
    html = client.get(url).content.decode()
    assert f"also_bought%3A{newer.pk}" in html and f"also_bought%3A{version.pk}" not in html


def test_each_shopper_gets_their_own_csrf_token_in_a_cached_form(client, trained):
    users, products, clusters, version = trained
    product, other = products[0], products[9]
    bought_together_only(version, product, other)
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    together = re.compile(r'<form method="post" action="[^"]*together/".*?</form>', re.S)
    first = together.search(client.get(product.get_absolute_url()).content.decode()).group(0)
    second = Client(enforce_csrf_checks=True)  # served the fragment the first one rendered
    html = second.get(product.get_absolute_url()).content.decode()
    form = together.search(html).group(0)
    assert token.search(form).group(1) != token.search(first).group(1)
    posted = second.post(reverse("recommendations-basket:add-together"),
                         {"product": [product.pk, other.pk],
                          "csrfmiddlewaretoken": token.search(form).group(1)})
    assert posted.status_code == 302  # the shopper's own token: Django's CSRF check passes
    basket = Basket.objects.get()  # the second shopper's: the first one added nothing
    assert sorted(basket.all_lines().values_list("product_id", flat=True)) == sorted(
        [product.pk, other.pk])


def test_what_a_shopper_just_bought_leaves_their_cached_blocks(
        client, trained, django_capture_on_commit_callbacks):
    from oscar.test.factories import create_basket, create_order

    users, products, clusters, version = trained
    shopper = users[5]
    client.force_login(shopper)
    url = products[0].get_absolute_url()
    first = Product.objects.get(pk=shown(client.get(url), "also_bought")[0])
    # Stock not tracked: the order changes no stock record, only what the shopper bought.
    ProductClass.objects.filter(pk=first.product_class_id).update(track_stock=False)
    basket = create_basket(empty=True)
    basket.add_product(first)
    with django_capture_on_commit_callbacks(execute=True):
        create_order(basket=basket, user=shopper)
    assert first.pk in blocks.bought_by(shopper)
    assert first.pk not in shown(client.get(url), "also_bought")


def test_a_change_made_in_another_process_reaches_this_one_within_its_local_seconds(
        client, trained, settings):
    settings.RECOMMENDATIONS_FRAGMENT_LOCAL_SECONDS = 0.5
    users, products, clusters, version = trained
    url = products[0].get_absolute_url()
    first = shown(client.get(url), "also_bought")[0]
    # Another web process sells the last units: its receivers renew the shared stamp; nothing
    # in this process hears of it.
    StockRecord.objects.filter(product_id=first).update(num_allocated=F("num_in_stock"))
    cache.set(fragments.STAMP_KEY, time.time_ns(), None)
    assert first in shown(client.get(url), "also_bought")  # this process's memory
    time.sleep(0.6)
    assert first not in shown(client.get(url), "also_bought")


def test_a_fragment_this_process_holds_outlives_its_local_seconds_while_the_stamps_hold(
        client, trained, settings):
    settings.RECOMMENDATIONS_FRAGMENT_LOCAL_SECONDS = 0.5
    users, products, clusters, version = trained
    url = products[0].get_absolute_url()
    before = shown(client.get(url), "also_bought")
    # The shared cache loses everything but the version and the catalogue stamp (evicted):
    # once this process asks again, the stamps still match the fragment it holds.
    kept = cache.get_many([blocks.VERSION_KEY, fragments.STAMP_KEY])
    cache.clear()
    cache.set_many(kept, None)
    time.sleep(0.6)
    response, warm = queries_of(client, url)
    assert shown(response, "also_bought") == before
    assert not [sql for sql in warm if sql.startswith("SELECT") and "recommendations_" in sql]
    # A new stamp: the fragment held is outdated and is rendered afresh.
    cache.set(fragments.STAMP_KEY, time.time_ns(), None)
    time.sleep(0.6)
    response, fresh = queries_of(client, url)
    assert shown(response, "also_bought") == before
    assert [sql for sql in fresh if sql.startswith("SELECT") and "recommendations_" in sql]


def test_a_warm_page_reads_nothing_shared_within_its_local_seconds(client, trained, settings):
    settings.RECOMMENDATIONS_FRAGMENT_LOCAL_SECONDS = 30
    users, products, clusters, version = trained
    url = products[0].get_absolute_url()
    before = shown(client.get(url), "also_bought")
    cache.clear()  # the shared cache emptied (a Redis restart): this process still has it all
    response, warm = queries_of(client, url)
    assert shown(response, "also_bought") == before
    assert not [sql for sql in warm if sql.startswith("SELECT") and "recommendations_" in sql]
    # Every page asks the shared cache: it holds nothing, so the blocks are read afresh.
    settings.RECOMMENDATIONS_FRAGMENT_LOCAL_SECONDS = 0
    response, cold = queries_of(client, url)
    assert shown(response, "also_bought") == before
    assert [sql for sql in cold if sql.startswith("SELECT") and "recommendations_" in sql]
