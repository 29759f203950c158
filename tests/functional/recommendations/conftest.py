"""A trained shop for the storefront-block tests: the synthetic purchase log, every product in
stock, a version trained on it (two candidates, to keep the tests quick)."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from oscar.test.factories import create_stockrecord

from recommendations import training
from tests.factories import make_purchase_log


@pytest.fixture
def trained():
    """``(users, products, clusters, version)``; the cache starts and ends empty."""
    cache.clear()
    users, products, clusters = make_purchase_log()
    for product in products:  # in stock: buyable under Oscar's default strategy
        create_stockrecord(product, price="9.99", num_in_stock=50)
    with override_settings(RECOMMENDATIONS_CANDIDATES=("popularity", "item_knn"),
                           RECOMMENDATIONS_DEFAULT_ALGORITHM="item_knn"):
        version = training.train()
    yield users, products, clusters, version
    cache.clear()
