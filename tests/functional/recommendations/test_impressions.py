"""
Impressions of the storefront blocks (recommendations/impressions.py): counted on every served
page, cached fragment or not, where a click would be recorded; stored after the response; and
put over the clicks as the click-through rate on the dashboard.
"""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from recommendations import impressions
from recommendations.models import BlockImpression

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def stored():
    """``{(block, version id): impressions}`` of today's stored rows."""
    return {(row.block, row.version_id): row.count
            for row in BlockImpression.objects.filter(day=timezone.localdate())}


def blocks_on(response):
    html = response.content.decode()
    return set(re.findall(r'\?rec=([a-z_]+)%3A(\d+)', html))


@override_settings(RECOMMENDATIONS_IMPRESSION_FLUSH_SECONDS=0)
def test_each_served_page_counts_one_impression_per_block_it_shows(trained):
    version = trained[3]
    product = trained[1][0]
    browser = Client(HTTP_USER_AGENT=BROWSER)
    first = browser.get(product.get_absolute_url())
    credited = {(block, int(pk)) for block, pk in blocks_on(first)}
    assert ("also_bought", version.pk) in credited
    assert stored() == dict.fromkeys(credited, 1)  # written once the response was sent
    browser.get(product.get_absolute_url())  # the same blocks, from the cached fragment
    Client(HTTP_USER_AGENT=BROWSER).get(product.get_absolute_url())  # another visitor
    assert stored() == dict.fromkeys(credited, 3)
    assert impressions.pending() == {}


@override_settings(RECOMMENDATIONS_IMPRESSION_FLUSH_SECONDS=0)
def test_bots_opted_out_and_do_not_track_browsers_count_no_impression(trained):
    product = trained[1][0]
    Client(HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)").get(
        product.get_absolute_url())
    Client(HTTP_USER_AGENT=BROWSER, HTTP_SEC_GPC="1").get(product.get_absolute_url())
    opted_out = Client(HTTP_USER_AGENT=BROWSER)
    opted_out.cookies["oscar_tracking_opt_out"] = "1"
    response = opted_out.get(product.get_absolute_url())
    assert blocks_on(response)  # the blocks are shown ...
    assert stored() == {} and impressions.pending() == {}  # ... and not counted


@override_settings(RECOMMENDATIONS_IMPRESSION_FLUSH_SECONDS=3600)
def test_the_tally_waits_in_the_process_until_a_flush_is_due(trained):
    product = trained[1][0]
    Client(HTTP_USER_AGENT=BROWSER).get(product.get_absolute_url())
    Client(HTTP_USER_AGENT=BROWSER).get(product.get_absolute_url())
    assert stored() == {}
    waiting = impressions.pending()
    assert waiting and set(waiting.values()) == {2}
    assert impressions.flush() == sum(waiting.values())
    assert stored() == {(block, version): n for (_day, block, version), n in waiting.items()}
    impressions.flush()  # nothing more to add
    assert sum(stored().values()) == sum(waiting.values())


def test_a_failed_write_keeps_the_tally_for_the_next_flush(trained, django_db_blocker, caplog):
    product = trained[1][0]
    with override_settings(RECOMMENDATIONS_IMPRESSION_FLUSH_SECONDS=3600):
        Client(HTTP_USER_AGENT=BROWSER).get(product.get_absolute_url())
    waiting = impressions.pending()
    assert waiting
    with django_db_blocker.block():  # the database refuses every query
        assert impressions.flush() == 0
    assert "kept for the next flush" in caplog.text
    assert impressions.pending() == waiting and stored() == {}
    assert impressions.flush() == sum(waiting.values())
    assert sum(stored().values()) == sum(waiting.values())


def test_the_dashboard_puts_clicks_over_impressions(trained, django_user_model):
    version = trained[3]
    product = trained[1][0]
    staff = django_user_model.objects.create_user(username="boss", password="pw",
                                                  is_staff=True, is_superuser=True)
    with override_settings(RECOMMENDATIONS_IMPRESSION_FLUSH_SECONDS=3600):
        shopper = Client(HTTP_USER_AGENT=BROWSER)
        for _ in range(4):
            page = shopper.get(product.get_absolute_url())
        link = re.search(rf'href="([^"]*\?rec=also_bought%3A{version.pk})"',
                         page.content.decode()).group(1)
        shopper.get(link)  # one click in four impressions
    dashboard = Client()
    dashboard.force_login(staff)
    # The dashboard's process writes its own tally before it sums.
    html = " ".join(dashboard.get(reverse("dashboard:recommendations-overview"))
                    .content.decode().split())
    row = html[html.index('id="attribution"'):]
    # Four impressions of the product page; the clicked product's page shows the block again.
    assert ('<td>Customers who bought this also bought <small class="text-muted">also_bought'
            f'</small></td><td>#{version.pk}</td><td class="text-right">5</td>'
            '<td class="text-right">1</td><td class="text-right">20.00 %</td>') in row
