"""
A shopper in a real browser: an anonymous visitor views three products of one kind and the home
page's "Recommended for you" turns to that kind; they click a recommended product, buy it
through Oscar's guest checkout, and the order line is attributed to the block.  Screenshots of
the home, product and basket pages are saved beside the test's files.
"""

import re

import pytest
from oscar.core.loading import get_model

from recommendations.models import Attribution

Country = get_model("address", "Country")
Order = get_model("order", "Order")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Headless user agents are on the bot list: a shopper's browser says what a desktop one says.
USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0 Safari/537.36")


def block_products(page, block):
    return [int(pk) for pk in page.locator(
        f"section.recommendations-{block} article[data-product]"
    ).evaluate_all("nodes => nodes.map(n => n.dataset.product)")]


def test_recommendations_follow_the_visit_and_a_click_that_sells_is_attributed(
        browser, live_server, tmp_path, trained):
    _users, products, clusters, version = trained
    Country.objects.update_or_create(iso_3166_1_a2="GB", defaults={
        "name": "United Kingdom", "printable_name": "United Kingdom",
        "is_shipping_country": True})
    group = [p for p, c in zip(products, clusters) if c == 2]

    context = browser.new_context(base_url=live_server.url, user_agent=USER_AGENT)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto("/")
        assert page.locator("section.recommendations-for_you").count() == 0
        before = block_products(page, "trending")
        assert before  # a new visitor: "Trending now", labelled as such
        assert page.get_by_role("heading", name="Trending now").is_visible()

        for product in group[:3]:
            page.goto(product.get_absolute_url())
        page.screenshot(path=tmp_path / "product.png", full_page=True)
        assert block_products(page, "also_bought")

        page.goto("/")
        page.screenshot(path=tmp_path / "home.png", full_page=True)
        assert page.get_by_role("heading", name="Recommended for you").is_visible()
        now = block_products(page, "for_you")
        rest = {p.pk for p in group[3:]}
        assert now != before and set(now[: len(rest)]) <= rest | {products[-1].pk}
        assert len(set(now) & rest) >= len(rest) - 1
        assert page.get_by_text(re.compile("Because you viewed")).first.is_visible()

        # Click the first recommendation, add it to the basket, buy it as a guest.
        page.locator("section.recommendations-for_you article h3 a").first.click()
        clicked = int(re.search(r"_(\d+)/", page.url).group(1))
        assert clicked == now[0] and f"rec=for_you%3A{version.pk}" in page.url
        page.locator("#add_to_basket_form button[type=submit]").click()
        page.goto("/basket/")
        page.screenshot(path=tmp_path / "basket.png", full_page=True)
        assert block_products(page, "basket")
        assert clicked not in block_products(page, "basket")

        page.goto("/checkout/")
        page.fill("#id_username", "guest@example.com")
        page.check("#id_options_0")  # a guest: no account
        page.get_by_role("button", name="Continue").click()
        page.fill("#id_first_name", "Ada")
        page.fill("#id_last_name", "Shopper")
        page.fill("#id_line1", "1 High Street")
        page.fill("#id_line4", "London")
        page.fill("#id_postcode", "N1 9GU")
        if page.locator("select#id_country").count():  # one shipping country: no choice
            page.select_option("select#id_country", "GB")
        page.locator("form#new_shipping_address button[type=submit]").click()
        page.goto("/checkout/preview/")
        page.locator("#place-order").click()
        page.wait_for_url(re.compile("/checkout/thank-you/"))
    finally:
        context.close()

    order = Order.objects.get()
    line = order.lines.get()
    row = Attribution.objects.get(line=line)
    assert (line.product_id, row.block, row.version_id) == (clicked, "for_you", version.pk)
    assert row.revenue == line.line_price_incl_tax
    for name in ("home", "product", "basket"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
