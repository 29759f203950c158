"""
A training run end to end through a real Celery worker process and the configured broker: the
shoppers ranked in chunks by the chord, the same lists as one process ranking them all from the
same model file.
"""


import pytest
from django_celery_results.models import TaskResult

from oscar_insights.runs import acquire
from recommendations import artefacts, conf, ranking, services
from recommendations.models import RecommenderVersion, ShopperRecommendation
from recommendations.tasks import train_recommenders
from tests.factories import make_purchase_log
from tests.runs import finished

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


@pytest.mark.worker_env(DJANGO_SETTINGS_MODULE="tests.worker_settings")
def test_worker_trains_ranks_in_chunks_publishes_and_respects_the_lock(celery_worker_process):
    users, _products, _clusters = make_purchase_log()
    log = celery_worker_process

    result = train_recommenders.delay(trigger="on demand")
    payload = result.get(timeout=300)
    assert payload.get("dispatched"), log.read_text()[-4000:]
    assert payload["parts"] == 4  # 160 shoppers, 50 per chunk (tests.worker_settings)
    version = finished(RecommenderVersion, payload["run"], log)
    assert version.status == RecommenderVersion.CURRENT, version.error
    assert version.trigger == "on demand"
    assert version.algorithm != "popularity"
    assert version.shoppers == len(users)
    assert version.metrics["ranking"]["chunks"] == 4
    assert sorted(version.rank_chunks.values_list("shoppers", flat=True)) == [10, 50, 50, 50]
    # The lists the worker wrote chunk by chunk are those of one process ranking every shopper
    # from the same model file.
    algo = artefacts.load(version)
    whole = ranking.rank(algo, range(algo.trainset.n_users), conf.TOP_N)
    written = {f"u{row.user_id}" if row.user_id else f"v{row.visitor_id}": row.items
               for row in ShopperRecommendation.objects.filter(version=version)}
    assert written == whole
    assert version.metrics["candidates"]["popularity"]["all"]["ndcg"] > 0
    assert len(services.for_shopper(user=users[0], limit=5)) == 5
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS" and stored.task_name == "recommendations.train"
    body = TaskResult.objects.get(task_name="recommendations.finish_training")
    assert body.status == "SUCCESS" and f'"version": {version.pk}' in body.result

    # While a run holds the lock, the task returns without training.
    running = acquire(RecommenderVersion, "another worker")
    skipped = train_recommenders.delay(trigger="schedule").get(timeout=120)
    assert skipped["skipped"].startswith(f"Recommender version #{running.pk} is still running")
    assert RecommenderVersion.objects.filter(status=RecommenderVersion.CURRENT).get() == version
