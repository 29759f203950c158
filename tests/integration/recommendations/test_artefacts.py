"""
A version's fitted model as a file of Django's storage, with its checksum: the shoppers' lists
are ranked from the file read back, and a missing or corrupt file fails the run clearly while
the previous version keeps serving.
"""

import hashlib
import re

import pytest
from django.test import override_settings

from oscar_insights import runs
from recommendations import artefacts, services, training
from recommendations.algorithms import top_n
from recommendations.models import RecommenderVersion
from tests.factories import make_purchase_log

pytestmark = pytest.mark.django_db

QUICK = {"RECOMMENDATIONS_CANDIDATES": ("popularity", "item_knn"),
         "RECOMMENDATIONS_DEFAULT_ALGORITHM": "item_knn"}


@pytest.fixture
def shop_log():
    return make_purchase_log()


def test_a_version_keeps_its_model_file_and_its_lists_come_from_it(shop_log):
    users, products, clusters = shop_log
    with override_settings(**QUICK):
        version = training.train()
    with artefacts.storage().open(version.artefact, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == version.artefact_sha256
    algo = artefacts.load(version)
    assert type(algo).__name__ == "ItemKNN"
    shopper = users[5]
    inner = algo.trainset.to_inner_uid(f"u{shopper.pk}")
    ranked = [algo.trainset.to_raw_iid(i) for i in top_n(algo, [inner], 10, exclude_seen=False)[inner]]
    assert services.for_shopper(user=shopper, limit=10) == ranked


def spoil(how):
    """A training callback that, once the model is saved, spoils its file (``how``)."""
    def callback(percent, stage):
        if stage == "reading the model back":
            running = RecommenderVersion.objects.get(status=RecommenderVersion.RUNNING)
            how(artefacts.storage(), running.artefact)
    return callback


def flip_a_byte(storage, name):
    path = storage.path(name)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))


@pytest.mark.parametrize("how, message", [
    (flip_a_byte, "is corrupt (SHA-256"),
    (lambda storage, name: storage.delete(name), "is missing or unreadable"),
], ids=["corrupt", "missing"])
def test_a_spoilt_model_file_fails_the_run_and_the_previous_version_keeps_serving(
        shop_log, how, message):
    users, products, clusters = shop_log
    with override_settings(**QUICK):
        previous = training.train()
        lists = services.for_shopper(user=users[5], limit=10)
        with pytest.raises(artefacts.ArtefactError, match=re.escape(message)) as raised:
            training.train(callback=spoil(how))
    assert f"Recommender version #{previous.pk + 1}" in str(raised.value)
    failed = RecommenderVersion.objects.get(pk=previous.pk + 1)
    assert failed.status == RecommenderVersion.FAILED and message in failed.error
    assert not artefacts.storage().exists(failed.artefact)  # a failed run leaves no file
    assert runs.current(RecommenderVersion) == previous
    assert services.for_shopper(user=users[5], limit=10) == lists
    assert artefacts.load(previous)  # the serving version's own file is untouched


def test_pruned_versions_take_their_model_files_with_them(shop_log):
    with override_settings(RECOMMENDATIONS_KEEP_VERSIONS=1, **QUICK):
        first = training.train()
        training.train()
        training.train()
    assert not RecommenderVersion.objects.filter(pk=first.pk).exists()
    assert not artefacts.storage().exists(first.artefact)
    kept = RecommenderVersion.objects.order_by("pk")
    assert all(artefacts.storage().exists(v.artefact) for v in kept)
