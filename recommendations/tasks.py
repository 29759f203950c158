"""Celery tasks of the recommendations app: thin wrappers over tracking and training."""

from celery import shared_task

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
    Train, evaluate and publish a new recommender version (see ``training.train``).  Scheduled
    nightly by beat (``trigger="schedule"``) and sent on demand; a run that finds another one
    training returns without doing anything.
    """
    from . import training

    def report(percent, stage):
        self.update_state(state="PROGRESS", meta={"percent": percent, "stage": stage})

    try:
        version = training.train(trigger=trigger, callback=report if self.request.id else None)
    except RunInProgress as exc:
        return {"skipped": str(exc)}
    return {
        "version": version.pk,
        "algorithm": version.algorithm,
        "shoppers": version.shoppers,
        "products": version.products,
        "seconds": round(version.duration, 1),
    }
