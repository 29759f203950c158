"""Celery tasks of the recommendations app: thin wrappers over tracking and training."""

from celery import shared_task

from oscar_insights import fanout
from oscar_insights.runs import RunInProgress

from . import tracking


@shared_task(name="recommendations.purge_expired_interactions")
def purge_expired_interactions():
    """Delete events older than RECOMMENDATIONS_RETENTION_DAYS (schedule it daily)."""
    return tracking.purge_expired()


@shared_task(name="recommendations.backfill_purchases")
def backfill_purchases(order_ids=None):
    """Purchase events for the given orders (default: every order without them)."""
    return tracking.backfill_purchases(order_ids)


@shared_task(name="recommendations.train", bind=True)
def train_recommenders(self, trigger="on demand"):
    """
    Train, evaluate and publish a new recommender version (see ``training``).  Scheduled
    nightly by beat (``trigger="schedule"``) and sent on demand; a run that finds another one
    training returns without doing anything.  The shoppers are ranked by the workers as a
    chord (:func:`rank_chunk`, then :func:`finish_training`); a Celery app without a result
    backend ranks them here.
    """
    from . import ranking, training

    def report(percent, stage):
        self.update_state(state="PROGRESS", meta={"percent": percent, "stage": stage})

    try:
        version = training.start(trigger=trigger, callback=report if self.request.id else None)
    except RunInProgress as exc:
        return {"skipped": str(exc)}
    return fanout.fan_out(version, version.rank_chunks.count(), rank_chunk, finish_training,
                          ranking.rank_chunk)


@shared_task(name="recommendations.rank_chunk", bind=True, acks_late=True)
def rank_chunk(self, version_id, index):
    """Rank one chunk of a training run's shoppers from its model file, retried up to
    ``RECOMMENDATIONS_RANK_RETRIES`` times; the last failure fails the run."""
    from . import conf, ranking

    return fanout.attempt(self, ranking.rank_chunk, version_id, index, conf.RANK_RETRIES)


@shared_task(name="recommendations.finish_training")
def finish_training(version_id):
    """Publish a training run once its shoppers are ranked."""
    from . import training

    version = training.finish(version_id)
    return {
        "version": version.pk,
        "algorithm": version.algorithm,
        "shoppers": version.shoppers,
        "products": version.products,
        "seconds": round(version.duration, 1),
    }
