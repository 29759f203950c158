"""
The storefront blocks, rendered by the test client against a trained version: the right
products appear, the excluded ones do not, and the read path costs a fixed number of queries.
"""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_product

from recommendations import blocks, services, training
from recommendations.models import Interaction, ProductRecommendation

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db


def shown(response, block):
    """Product ids of ``block`` on the page, in order."""
    html = response.content.decode()
    match = re.search(rf'<section class="recommendations recommendations-{block} .*?</section>',
                      html, re.S)
    return [int(pk) for pk in re.findall(r'data-product="(\d+)"', match.group(0))] if match \
        else []


def bought_together_only(version, product, other):
    """Publish ``other`` as the one product "Frequently bought together" with ``product``."""
    ProductRecommendation.objects.filter(version=version, product=product,
                                         kind="bought_together").delete()
    ProductRecommendation.objects.create(version=version, product=product,
                                         kind="bought_together", items=[[other.pk, 3.0]])


def titles(response):
    return re.findall(r"<h2>(.*?)</h2>", response.content.decode())


def test_product_page_shows_also_bought_from_the_products_own_group(client, trained):
    users, products, clusters, version = trained
    product = products[0]
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    ids = shown(response, "also_bought")
    assert ids and product.pk not in ids
    assert ids == [pk for pk in services.related(product.pk, "also_bought", 50)
                   if pk != product.pk][:len(ids)]
    group = {p.pk for p, c in zip(products, clusters) if c == clusters[0]}
    assert set(ids) <= group | {products[-1].pk}
    html = response.content.decode()
    assert f"?rec=also_bought%3A{version.pk}" in html  # links carry block and version
    assert "Customers who bought this also bought" in titles(response)


def test_unavailable_non_public_and_curated_products_are_left_out(client, trained):
    users, products, clusters, version = trained
    product = products[0]
    listed = [pk for pk in services.related(product.pk, "also_bought", 50) if pk != product.pk]
    gone, hidden, curated = listed[:3]
    StockRecord.objects.filter(product_id=gone).update(num_in_stock=0)  # sold out
    Product.objects.filter(pk=hidden).update(is_public=False)
    product.recommended_products.add(Product.objects.get(pk=curated))  # Oscar's own field
    response = client.get(product.get_absolute_url())
    ids = shown(response, "also_bought") + shown(response, "bought_together")
    assert ids and not {gone, hidden, curated} & set(ids)
    assert len(ids) == len(set(ids))  # no product twice on the page
    assert Product.objects.get(pk=curated).title in response.content.decode()  # Oscar shows it


def test_variants_are_shown_as_their_parent(client, trained):
    users, products, clusters, version = trained
    product = products[0]
    first = [pk for pk in services.related(product.pk, "also_bought", 50) if pk != product.pk][0]
    parent = create_product(title="Teapot family", structure="parent")
    Product.objects.filter(pk=first).update(structure="child", parent=parent, title="")
    response = client.get(product.get_absolute_url())
    ids = shown(response, "also_bought")
    assert parent.pk in ids and first not in ids


def test_basket_page_suggests_from_the_whole_basket_but_not_its_contents(client, trained):
    users, products, clusters, version = trained
    for product in products[:2]:
        client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    response = client.get(reverse("basket:summary"))
    ids = shown(response, "basket")
    assert ids and not {products[0].pk, products[1].pk} & set(ids)
    assert "You might also like" in titles(response)


def test_add_both_to_basket_goes_through_oscars_basket(client, trained):
    users, products, clusters, version = trained
    product, other = products[0], products[9]
    bought_together_only(version, product, other)
    response = client.get(product.get_absolute_url())
    together = shown(response, "bought_together")
    assert together == [other.pk]
    assert f'name="product" value="{other.pk}"' in response.content.decode()
    posted = client.post(reverse("recommendations-basket:add-together"),
                         {"product": [product.pk, together[0]]})
    assert posted.status_code == 302 and posted["Location"] == reverse("basket:summary")
    basket = Basket.objects.get()
    assert sorted(basket.all_lines().values_list("product_id", flat=True)) == sorted(
        [product.pk, together[0]])
    # An unknown id adds nothing and says so.
    client.post(reverse("recommendations-basket:add-together"), {"product": ["999999", "x"]})
    assert basket.all_lines().count() == 2


def test_home_page_without_history_is_labelled_trending(client, trained):
    response = client.get("/")
    assert response.status_code == 200
    labels = titles(response)
    assert "Recommended for you" not in labels  # nothing personal to show
    assert "Trending now" in labels
    assert shown(response, "trending") and shown(response, "best_sellers")


def test_a_signed_in_shopper_gets_their_own_list_and_buy_it_again(client, trained):
    users, products, clusters, version = trained
    shopper = users[5]
    client.force_login(shopper)
    response = client.get("/")
    ids = shown(response, "for_you")
    own = services.for_shopper(shopper, limit=50)
    assert ids and ids == [pk for pk in own if pk in ids]  # their own list, in its order
    again = shown(response, "buy_again")
    bought = set(Interaction.objects.filter(user=shopper, event_type="purchase")
                 .values_list("product_id", flat=True))
    assert again and set(again) <= bought


def test_bought_products_of_a_class_not_bought_again_are_left_out(client, trained):
    users, products, clusters, version = trained
    shopper = users[5]
    client.force_login(shopper)
    bought = set(Interaction.objects.filter(user=shopper, event_type="purchase")
                 .values_list("product_id", flat=True))
    with override_settings(RECOMMENDATIONS_REBUY_PRODUCT_CLASSES=()):
        cache.clear()
        ids = shown(client.get("/"), "for_you")
    assert ids and not bought & set(ids)
    klass = products[0].get_product_class()
    with override_settings(RECOMMENDATIONS_REBUY_PRODUCT_CLASSES=(klass.slug,)):
        cache.clear()
        ids = shown(client.get("/"), "for_you")
    assert bought & set(ids)  # this shop's class is bought again: the strongest signal


def test_an_anonymous_shoppers_list_follows_what_they_view_now(client, trained):
    users, products, clusters, version = trained
    client.get("/")  # a visitor id
    group = [p for p, c in zip(products, clusters) if c == 2]
    for product in group[:3]:
        client.get(product.get_absolute_url(), HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux)")
    response = client.get("/")
    ids = shown(response, "for_you")
    assert "Recommended for you" in titles(response)
    assert ids and not {p.pk for p in group[:3]} & set(ids)
    assert {p.pk for p in group[3:]} <= set(ids)  # the rest of the group they browse
    html = response.content.decode()
    assert any(f"Because you viewed {p.title}" in html for p in group[:3])


def test_the_read_path_costs_the_same_queries_for_4_or_12_products(rf, trained):
    users, products, clusters, version = trained
    request = rf.get("/")
    request.user = users[5]
    request.session = {}
    counts = []
    for limit in (4, 12):
        blocks.recommend(request, "for_you", limit=limit)  # warm the cache
        with CaptureQueriesContext(connection) as queries:
            items = blocks.recommend(request, "for_you", limit=limit)
        assert len(items) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3


def test_a_new_version_is_read_without_clearing_the_cache(rf, trained):
    users, products, clusters, version = trained
    request = rf.get("/")
    request.user = users[5]
    request.session = {}
    first = blocks.recommend(request, "for_you")
    assert {item.version for item in first} == {version.pk}
    with override_settings(RECOMMENDATIONS_CANDIDATES=("popularity", "item_knn"),
                           RECOMMENDATIONS_DEFAULT_ALGORITHM="item_knn"):
        newer = training.train()
    assert {item.version for item in blocks.recommend(request, "for_you")} == {newer.pk}


def test_an_unknown_block_is_a_clear_error(rf):
    with pytest.raises(blocks.UnknownBlock, match="Unknown block 'nope'"):
        blocks.recommend(rf.get("/"), "nope")


def test_the_thank_you_block_complements_the_order(rf, trained):
    from oscar.test.factories import create_order

    users, products, clusters, version = trained
    basket = Basket.objects.create()
    basket.strategy = get_class("partner.strategy", "Selector")().strategy()
    basket.add_product(products[0], 1)
    order = create_order(basket=basket, user=users[3])
    request = rf.get("/")
    request.user = users[3]
    request.session = {}
    items = blocks.recommend(request, "thank_you", order=order, basket=Basket())
    assert items and products[0].pk not in {item.product.pk for item in items}


def test_blocks_can_be_switched_off(client, trained):
    users, products, clusters, version = trained
    with override_settings(RECOMMENDATIONS_BLOCKS_ENABLED=False):
        response = client.get(products[0].get_absolute_url())
    assert response.status_code == 200 and 'class="recommendations ' not in response.content.decode()


def test_an_order_of_a_clicked_product_is_attributed_to_the_block_and_version(
        client, trained, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone
    from oscar.test.factories import create_order

    from recommendations import attribution
    from recommendations.models import Attribution

    users, products, clusters, version = trained
    shopper, other = users[7], users[8]
    client.force_login(shopper)
    page = client.get(products[0].get_absolute_url())
    clicked = shown(page, "also_bought")[0]
    link = re.search(rf'href="([^"]*_{clicked}/\?rec=[^"]+)"', page.content.decode()).group(1)
    client.get(link.replace("&amp;", "&"), HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux)")
    not_clicked = products[20]
    # Another shopper's click of the second product, and an old click of ours, count for nothing.
    Interaction.objects.create(event_type="rec_click", user=other, product=not_clicked,
                               source=f"trending:{version.pk}")
    Interaction.objects.create(event_type="rec_click", user=shopper, product=products[21],
                               source=f"trending:{version.pk}",
                               created_at=timezone.now() - timedelta(days=8))
    basket = Basket.objects.create(owner=shopper)
    basket.strategy = get_class("partner.strategy", "Selector")().strategy()
    for product in (Product.objects.get(pk=clicked), not_clicked, products[21]):
        basket.add_product(product, 2)
    with django_capture_on_commit_callbacks(execute=True):
        order = create_order(basket=basket, user=shopper)
    (row,) = Attribution.objects.filter(order=order)
    line = order.lines.get(product_id=clicked)
    assert (row.line_id, row.block, row.version_id) == (line.pk, "also_bought", version.pk)
    assert row.quantity == 2 and row.revenue == line.line_price_incl_tax
    totals = attribution.summary()[("also_bought", version.pk)]
    assert totals["clicks"] == 1 and totals["lines"] == 1 and totals["revenue"] == row.revenue
