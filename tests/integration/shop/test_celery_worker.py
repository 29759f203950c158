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
