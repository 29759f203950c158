"""Training runs on the real database: evaluation, publishing, the lock, failures, pruning."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from oscar_insights import runs
from recommendations import publishing, services, tracking, training
from recommendations.models import (
    Interaction,
    ProductRecommendation,
    RecommenderVersion,
    ShopperRecommendation,
)
from tests.factories import make_purchase_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_log():
    return make_purchase_log()


def test_training_publishes_the_best_candidate_with_its_metrics(shop_log):
    users, products, clusters = shop_log
    stages = []
    version = training.train(trigger="test", callback=lambda p, s: stages.append((p, s)))

    assert version.status == RecommenderVersion.CURRENT
    assert version.progress == 100 and version.finished_at and version.duration > 0
    assert [p for p, _ in stages] == sorted(p for p, _ in stages)  # progress only grows
    metrics = version.metrics
    assert metrics["protocol"] == "all" and metrics["test_shoppers"] >= 50
    candidates = metrics["candidates"]
    assert set(candidates) == {"popularity", "trending", "repeat", "item_knn", "als", "ease",
                               "baseline", "svd", "blend"}
    chosen = candidates[version.algorithm]["all"]["ndcg"]
    assert version.algorithm != "popularity"
    assert chosen > candidates["popularity"]["all"]["ndcg"]
    assert chosen == max(c["all"]["ndcg"] for c in candidates.values())
    assert set(metrics["timings"]) >= {"reading the event log", "evaluating candidates"}

    # Each shopper's own list, best first; it mostly holds their own group's products.
    assert version.shoppers == len(users)
    shopper = users[5]
    ids = services.for_shopper(user=shopper, limit=10)
    assert len(ids) == 10
    group = {p.pk for p, c in zip(products, clusters) if c == 5 % 4}
    assert len(set(ids[:6]) & group) >= 5

    # Related products (these purchases have no orders, so no "bought together" here).
    kinds = set(ProductRecommendation.objects.filter(version=version).values_list("kind", flat=True))
    assert kinds == {"also_bought", "also_viewed", "similar"}
    teapot = products[0]
    also = services.related(teapot.pk, "also_bought", limit=5)
    assert teapot.pk not in also and len(also) == 5
    assert len(set(also) & {p.pk for p, c in zip(products, clusters) if c == 0}) >= 4
    similar = services.related(teapot.pk, "similar", limit=3)
    assert all("teapot" in type(teapot).objects.get(pk=pk).title for pk in similar)
    assert services.popular(1) == [products[-1].pk]  # the best-seller
    assert len(services.trending(5)) == 5


@override_settings(RECOMMENDATIONS_MIN_SUPPORT=1)
def test_bought_together_comes_from_products_in_the_same_order(imported_history):
    # Order 500009 (red mug) also held a blue mug, recorded at checkout.
    mug_purchase = Interaction.objects.get(event_type="purchase", order__number="500009")
    blue = type(mug_purchase.product).objects.get(upc="20002")
    Interaction.objects.create(event_type="purchase", user=mug_purchase.user, product=blue,
                               order=mug_purchase.order, created_at=mug_purchase.created_at)
    training.train()
    baskets = {}
    for order_id, product_id in Interaction.objects.filter(event_type="purchase").values_list(
        "order_id", "product_id"
    ):
        baskets.setdefault(order_id, set()).add(product_id)
    together = [b for b in baskets.values() if len(b) > 1]
    assert together == [{mug_purchase.product_id, blue.pk}]
    for basket in together:
        for product in basket:
            assert set(services.related(product, "bought_together")) >= basket - {product}
    lonely = {p for b in baskets.values() for p in b} - {p for b in together for p in b}
    for product in lonely:  # never in a basket with anything: its similar products instead
        assert services.related(product, "bought_together") == services.related(product, "similar")


def test_a_new_version_replaces_the_old_one_atomically_and_old_ones_are_pruned(shop_log):
    first = training.train()
    with override_settings(RECOMMENDATIONS_KEEP_VERSIONS=1):  # superseded ones, besides current
        second = training.train()
        first.refresh_from_db()
        assert first.status == RecommenderVersion.SUPERSEDED
        assert second.status == RecommenderVersion.CURRENT
        third = training.train()
    assert list(RecommenderVersion.objects.values_list("pk", flat=True)) == [third.pk, second.pk]
    assert not ShopperRecommendation.objects.filter(version=first).exists()
    assert RecommenderVersion.objects.filter(status=RecommenderVersion.CURRENT).count() == 1


def test_the_lock_lets_one_training_run_at_a_time(shop_log):
    running = runs.acquire(RecommenderVersion, "first")
    with pytest.raises(runs.RunInProgress, match=f"Recommender version #{running.pk} is still running"):
        training.train()
    assert RecommenderVersion.objects.count() == 1
    # A run with no progress for longer than the timeout is declared dead.
    RecommenderVersion.objects.filter(pk=running.pk).update(
        heartbeat_at=timezone.now() - timedelta(hours=4)
    )
    version = training.train()
    running.refresh_from_db()
    assert running.status == RecommenderVersion.FAILED
    assert running.error.startswith("Interrupted: no progress since")
    assert version.status == RecommenderVersion.CURRENT
    # The dead run cannot publish over the new one if it wakes up.
    with pytest.raises(runs.RunAborted):
        runs.Progress(running)(90, "writing lists")


def test_a_failure_mid_training_keeps_the_previous_version_serving(shop_log, monkeypatch):
    users, _products, _clusters = shop_log
    old = training.train()
    before = services.for_shopper(user=users[0])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # Shopper lists are written, then writing the product lists fails.
    monkeypatch.setattr(publishing, "write_product_lists", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        training.train()
    failed = RecommenderVersion.objects.get(status=RecommenderVersion.FAILED)
    assert failed.error.startswith("RuntimeError: disk full")
    assert not ShopperRecommendation.objects.filter(version=failed).exists()
    old.refresh_from_db()
    assert old.status == RecommenderVersion.CURRENT
    assert services.for_shopper(user=users[0]) == before
    # The lock was released: the next run goes ahead.
    monkeypatch.undo()
    assert training.train().status == RecommenderVersion.CURRENT


def test_an_interrupted_training_is_marked_failed(shop_log):
    def interrupt(percent, stage):
        if stage.startswith("fitting"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        training.train(callback=interrupt)
    version = RecommenderVersion.objects.get()
    assert version.status == RecommenderVersion.FAILED
    assert "KeyboardInterrupt" in version.error
    assert services.active_version() is None
    assert services.for_shopper(user=shop_log[0][0]) == []


def test_too_few_test_shoppers_publishes_the_default_unjudged():
    make_purchase_log(n_users=12, per_cluster=4)
    with override_settings(RECOMMENDATIONS_DEFAULT_ALGORITHM="ease"):
        version = training.train()
    assert version.algorithm == "ease"
    assert "without evaluation" in version.metrics["reason"]
    assert "candidates" not in version.metrics


@override_settings(RECOMMENDATIONS_CANDIDATES=("popularity", "baseline"))
def test_popularity_serves_when_no_candidate_beats_it(shop_log):
    users = shop_log[0]
    version = training.train()
    base = version.metrics["candidates"]
    assert base["baseline"]["all"]["ndcg"] <= base["popularity"]["all"]["ndcg"]
    assert version.algorithm == "popularity"
    assert "no candidate beat popularity" in version.metrics["reason"]
    assert version.shoppers == 0
    assert services.for_shopper(user=users[0], limit=3) == services.popular(3)


def test_privacy_opted_out_and_erased_shoppers_lose_their_lists(shop_log):
    users = shop_log[0]
    tracking.set_opt_out(users[1], True)
    training.train()
    assert not ShopperRecommendation.objects.filter(user=users[1]).exists()
    assert ShopperRecommendation.objects.filter(user=users[2]).exists()
    # Opting out later withdraws the published list at once.
    tracking.set_opt_out(users[2], True)
    assert not ShopperRecommendation.objects.filter(user=users[2]).exists()
    tracking.erase_shopper_events(users[3])
    assert not ShopperRecommendation.objects.filter(user=users[3]).exists()
    users[4].delete()
    assert not ShopperRecommendation.objects.filter(user_id=users[4].pk).exists()
    # A shopper only ever gets their own list.
    own = ShopperRecommendation.objects.get(user=users[5]).items
    assert services.for_shopper(user=users[5]) == [pk for pk, _ in own]


def test_nothing_to_learn_fails_clearly():
    with pytest.raises(training.NothingToLearn, match="No events to learn from"):
        training.train()
    with pytest.raises(CommandError, match="No events to learn from"):
        call_command("train_recommendations")
    assert set(RecommenderVersion.objects.values_list("status", flat=True)) == {"failed"}


def test_train_command_prints_the_table(shop_log, capsys):
    call_command("train_recommendations")
    out = capsys.readouterr().out
    version = RecommenderVersion.objects.get()
    assert out.splitlines()[0].startswith("model")
    assert "popularity" in out and "ease" in out
    assert f"Published version #{version.pk}: {version.algorithm}" in out


def test_unknown_candidate_is_a_clear_error(shop_log):
    events = Interaction.objects.count()
    with (override_settings(RECOMMENDATIONS_CANDIDATES=("popularity", "nope")),
          pytest.raises(CommandError, match="Unknown algorithm 'nope'")):
        call_command("train_recommendations")
    assert Interaction.objects.count() == events
    assert RecommenderVersion.objects.get().status == RecommenderVersion.FAILED


def test_anonymous_visitors_get_their_own_list(shop_log):
    from django.contrib.auth.models import AnonymousUser

    _users, products, clusters = shop_log
    candles = [p for p, c in zip(products, clusters) if c == 1]
    for product in candles[:3]:
        Interaction.objects.create(event_type="basket_add", visitor_id="a" * 32, product=product)
    training.train()
    own = ShopperRecommendation.objects.get(visitor_id="a" * 32)
    assert services.for_shopper(user=AnonymousUser(), visitor_id="a" * 32) == [p for p, _ in own.items]
    assert services.for_shopper(user=AnonymousUser(), visitor_id="b" * 32) == services.popular()
    assert services.for_shopper() == services.popular()
    # Their list leans to what shoppers with the same taste bought.
    top = set(services.for_shopper(visitor_id="a" * 32, limit=5))
    assert len(top & {p.pk for p in candles}) >= 3


def test_opting_out_or_erasing_during_a_run_keeps_the_shopper_out_of_it(shop_log):
    users = shop_log[0]

    def meanwhile(percent, stage):
        if stage == "ranking shoppers":  # their history read, their list not yet written
            tracking.set_opt_out(users[7], True)
        if stage == "publishing":  # written, not yet switched
            tracking.erase_shopper_events(users[8])

    version = training.train(callback=meanwhile)
    assert not ShopperRecommendation.objects.filter(user__in=users[7:9]).exists()
    assert ShopperRecommendation.objects.filter(user=users[9]).exists()
    assert version.shoppers == len(users) - 2
    assert services.for_shopper(user=users[8], limit=3) == services.popular(3)


def test_a_run_declared_dead_cannot_publish(shop_log):
    def die(percent, stage):
        if stage == "publishing":  # another process declares this run dead
            RecommenderVersion.objects.filter(status="running").update(status="failed")

    with pytest.raises(runs.RunAborted):
        training.train(callback=die)
    assert services.active_version() is None
    assert not ShopperRecommendation.objects.exists()


def test_a_failing_candidate_leaves_the_run_publishing_the_best_of_the_rest(shop_log):
    from recommendations import conf

    algorithms = {**conf.DEFAULTS["ALGORITHMS"], "broken": {
        "class": "tests.unit.recommendations.test_candidates_at_scale.Broken"}}
    with override_settings(RECOMMENDATIONS_ALGORITHMS=algorithms,
                           RECOMMENDATIONS_CANDIDATES=("broken", "item_knn", "repeat")):
        version = training.train()
    assert version.status == RecommenderVersion.CURRENT
    candidates = version.metrics["candidates"]
    assert candidates["broken"] == {"failed": "ValueError: singular matrix in the shop's own algorithm"}
    best = max(("item_knn", "repeat"), key=lambda n: candidates[n]["all"]["ndcg"])
    assert version.algorithm == best
    assert ShopperRecommendation.objects.filter(version=version).exists()
