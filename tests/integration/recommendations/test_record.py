"""tracking.record: one statement, opt-out inside it, and asynchronous commit where asked."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from oscar.test.factories import UserFactory, create_product

from recommendations import tracking
from recommendations.models import Interaction, TrackingPreference
from recommendations.tracking import Shopper

pytestmark = pytest.mark.django_db


def test_record_is_one_statement_and_honours_opt_out():
    product = create_product()
    user = UserFactory()
    with CaptureQueriesContext(connection) as captured:
        tracking.record("view", Shopper(user.pk, "abc123"), product=product, source="test")
    assert len(captured) == 1
    event = Interaction.objects.get()
    assert (event.user, event.visitor_id, event.product, event.source) == (user, "abc123", product, "test")
    TrackingPreference.objects.create(user=user, opted_out=True)
    with CaptureQueriesContext(connection) as captured:
        tracking.record("view", Shopper(user.pk, "abc123"), product=product)
    assert len(captured) == 1
    assert Interaction.objects.count() == 1


def test_record_without_anyone_records_nothing():
    tracking.record("view", Shopper(), product=create_product())
    assert not Interaction.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.parametrize("durable, setting, expected", [
    (False, True, "off"), (True, True, "on"), (False, False, "on"),
])
def test_views_commit_asynchronously_on_postgresql(transactional_db, settings, durable, setting, expected):
    # transactional_db: a real transaction, not a savepoint inside the test's own transaction.
    settings.RECOMMENDATIONS_ASYNC_COMMIT = setting
    product = create_product()
    with transaction.atomic():
        tracking.record("view", Shopper(None, "v1"), product=product, durable=durable)
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == expected
    with connection.cursor() as cursor:  # SET LOCAL semantics: gone after the transaction
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert Interaction.objects.count() == 1
