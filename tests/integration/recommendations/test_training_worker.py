"""A training run end to end through a real Celery worker process and the configured broker."""

import pytest
from django_celery_results.models import TaskResult

from oscar_insights.runs import acquire
from recommendations import services
from recommendations.models import RecommenderVersion
from recommendations.tasks import train_recommenders
from tests.factories import make_purchase_log

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


def test_worker_trains_and_publishes_and_respects_the_lock(celery_worker_process):
    users, _products, _clusters = make_purchase_log()
    log = celery_worker_process

    result = train_recommenders.delay(trigger="on demand")
    payload = result.get(timeout=300)
    assert "version" in payload, log.read_text()[-4000:]
    version = RecommenderVersion.objects.get(pk=payload["version"])
    assert version.status == RecommenderVersion.CURRENT
    assert version.trigger == "on demand"
    assert payload["algorithm"] == version.algorithm != "popularity"
    assert payload["shoppers"] == len(users) == version.shoppers
    assert version.metrics["candidates"]["popularity"]["all"]["ndcg"] > 0
    assert len(services.for_shopper(user=users[0], limit=5)) == 5
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS" and stored.task_name == "recommendations.train"

    # While a run holds the lock, the task returns without training.
    running = acquire(RecommenderVersion, "another worker")
    skipped = train_recommenders.delay(trigger="schedule").get(timeout=120)
    assert skipped["skipped"].startswith(f"Recommender version #{running.pk} is still running")
    assert RecommenderVersion.objects.filter(status=RecommenderVersion.CURRENT).get() == version
