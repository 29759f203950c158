"""A real Celery worker process runs a real task end to end, on the configured broker."""

import pytest
from django.db import connection
from django_celery_results.models import TaskResult

from shop.tasks import health_check

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


def test_worker_runs_the_health_check(celery_worker_process):
    result = health_check.delay()
    payload = result.get(timeout=60)
    assert payload["status"] == "ok"
    assert payload["database"] == connection.vendor
    # The worker stored the result in the test database and logged the check.
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "shop.health_check"
    log = celery_worker_process.read_text()
    assert "Health check: worker" in log
    assert f"Task shop.health_check[{result.id}] succeeded" in log


@pytest.mark.worker_env(RECOMMENDATIONS_RETENTION_DAYS="730")
def test_worker_purges_expired_events(celery_worker_process):
    from datetime import timedelta

    from django.utils import timezone
    from oscar.test.factories import create_product

    from recommendations.models import Interaction
    from recommendations.tasks import purge_expired_interactions

    product = create_product()
    old = Interaction.objects.create(event_type="view", visitor_id="old", product=product)
    Interaction.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    kept = Interaction.objects.create(event_type="view", visitor_id="new", product=product)
    # The worker keeps 730 days of events (the app's default; the demo shop keeps them forever).
    result = purge_expired_interactions.delay()
    log = celery_worker_process
    assert result.get(timeout=60) == 1, log.read_text()[-4000:]
    assert list(Interaction.objects.values_list("pk", flat=True)) == [kept.pk], log.read_text()[-4000:]
