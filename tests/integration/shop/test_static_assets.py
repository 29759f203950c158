"""
What the pages link to is collected by ``collectstatic`` and served by WhiteNoise, as in
production (DEBUG off): the browser tests' live server serves the apps' static folders directly,
so they would not notice an asset missing from STATIC_ROOT.
"""

import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from whitenoise.middleware import WhiteNoiseFileResponse

from shop import settings as shop_settings

ASSET = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"')


pytestmark = pytest.mark.slow  # collectstatic gzips every one of Oscar's files, TinyMCE included


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """The shop's static files collected, with its production storage, into a new STATIC_ROOT."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=shop_settings.STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["customer:login", "dashboard:login"])
def test_every_asset_a_page_links_to_is_collected_and_served_by_whitenoise(
        page, collected_static):
    client = Client()  # a new handler: WhiteNoise scans STATIC_ROOT when it is built
    html = client.get(reverse(page)).content.decode()
    assets = ASSET.findall(html)
    assert "/static/oscar/js/jquery/jquery.min.js" in assets
    for url in assets:
        assert url.startswith("/static/"), f"{url} is not one of the shop's static files"
        response = client.get(url)
        assert response.status_code == 200, url
        assert isinstance(response, WhiteNoiseFileResponse), url
