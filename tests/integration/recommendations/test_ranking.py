"""
A training run's shoppers ranked in chunks from its model file, in-process (the command's way;
the chord through a real worker is in ``test_training_worker.py``): chunks done in any order or
twice write the same lists, a chunk that cannot read the model fails the run and the previous
version keeps serving, a run is not published before every chunk is in.
"""

import pytest
from django.test import override_settings

from oscar_insights import runs
from recommendations import artefacts, ranking, services, training
from recommendations.models import RecommenderVersion, ShopperRecommendation
from tests.factories import make_purchase_log
from tests.integration.recommendations.test_artefacts import QUICK, flip_a_byte

pytestmark = pytest.mark.django_db
CHUNKED = {**QUICK, "RECOMMENDATIONS_RANK_CHUNK_SIZE": 50}


@pytest.fixture
def shop_log():
    return make_purchase_log()


def lists_of(version):
    return {(row.user_id, row.visitor_id): row.items
            for row in ShopperRecommendation.objects.filter(version=version)}


@override_settings(**CHUNKED)
def test_chunks_in_any_order_and_done_twice_publish_the_lists_of_one_whole_ranking(shop_log):
    users = shop_log[0]
    in_order = training.train()
    assert in_order.rank_chunks.count() == 4 and in_order.shoppers == len(users)
    version = training.start()
    for index in (3, 1, 0, 2, 1):  # chunk 2 redelivered after its worker died
        ranking.rank_chunk(version.pk, index)
    assert version.rank_chunks.get(index=1).attempts == 2
    version = training.finish(version.pk)
    assert version.status == RecommenderVersion.CURRENT and version.shoppers == len(users)
    assert lists_of(version) == lists_of(in_order)
    with override_settings(RECOMMENDATIONS_RANK_CHUNK_SIZE=10_000):
        whole = training.train()
    assert whole.rank_chunks.count() == 1 and lists_of(whole) == lists_of(in_order)


@override_settings(**CHUNKED)
def test_a_chunk_that_cannot_read_the_model_fails_the_run_and_the_previous_version_serves(
        shop_log):
    users = shop_log[0]
    previous = training.train()
    before = services.for_shopper(user=users[5], limit=10)
    version = training.start()
    flip_a_byte(artefacts.storage(), version.artefact)
    artefacts.forget()  # a worker process that has not read the file yet
    with pytest.raises(artefacts.ArtefactError, match="is corrupt"):
        ranking.rank_chunk(version.pk, 0)
    version.refresh_from_db()
    assert version.status == RecommenderVersion.FAILED
    assert version.error.startswith("Ranking chunk 1 of 4 failed after 1 attempt: ")
    assert not ShopperRecommendation.objects.filter(version=version).exists()
    assert runs.current(RecommenderVersion) == previous
    assert services.for_shopper(user=users[5], limit=10) == before
    with pytest.raises(runs.RunAborted):  # the other chunks of the failed run do nothing
        ranking.rank_chunk(version.pk, 1)


@override_settings(**CHUNKED)
def test_a_run_is_not_published_before_every_chunk_is_in(shop_log):
    version = training.start()
    ranking.rank_chunk(version.pk, 0)
    with pytest.raises(ranking.IncompleteRun, match="Ranking chunks 2, 3, 4 of recommender"):
        training.finish(version.pk)
    assert RecommenderVersion.objects.get(pk=version.pk).status == RecommenderVersion.FAILED
    assert services.active_version() is None
