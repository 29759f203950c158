"""
A training run's shoppers ranked in chunks: every shopper the saved model knows (its inner ids,
in chunks of ``RECOMMENDATIONS_RANK_CHUNK_SIZE``: :class:`~recommendations.models.RankChunk`
rows, made once the model is saved) gets their top-N from the version's model file
(:mod:`.artefacts`), written under the version.  Each chunk is a task of the run's Celery chord
or, in the command, one after another in-process (the core's :mod:`oscar_insights.fanout`);
the run is published once every chunk is in.  A chunk done again (a retry, a redelivery)
replaces the lists it wrote.
"""

import numpy as np

from oscar_insights import fanout, runs
from oscar_insights.db import chunked

from . import artefacts, conf, publishing
from .algorithms import top_n
from .models import RankChunk, ShopperRecommendation


class IncompleteRun(Exception):
    """A training run was to be published before all its shoppers were ranked."""


def rank(algo, users, n):
    """``{shopper ("u<id>" / "v<visitor>"): [[product, score]]}``: the top ``n`` of the
    fitted ``algo`` for its inner ``users`` (their own products left out unless
    ``RECOMMENDATIONS_REPEAT_PURCHASES``); shoppers without a finite score get no list."""
    trainset = algo.trainset
    lists = {}
    inner_lists = top_n(algo, users, n, exclude_seen=not conf.REPEAT_PURCHASES,
                        with_scores=True)
    for u, items in inner_lists.items():
        ranked = [[trainset.to_raw_iid(i), round(s, 6)] for i, s in items if np.isfinite(s)]
        if ranked:
            lists[trainset.to_raw_uid(u)] = ranked
    return lists


def make_chunks(version, shoppers):
    """The ranking chunks of ``version`` over inner shoppers ``0 … shoppers - 1``; returns
    their count."""
    size = max(int(conf.RANK_CHUNK_SIZE), 1)
    chunks = [RankChunk(run=version, index=index, first=first,
                        stop=min(first + size, shoppers))
              for index, first in enumerate(range(0, shoppers, size))]
    RankChunk.objects.bulk_create(chunks, batch_size=500)
    return len(chunks)


def _forget(version, shoppers):
    """Delete the lists of ``shoppers`` (raw ids) under ``version``: a chunk done again."""
    users = [int(s[1:]) for s in shoppers if s.startswith("u")]
    visitors = [s[1:] for s in shoppers if s.startswith("v")]
    rows = ShopperRecommendation.objects.filter(version=version)
    for batch in chunked(users):
        rows.filter(user_id__in=batch).delete()
    for batch in chunked(visitors):
        rows.filter(user__isnull=True, visitor_id__in=batch).delete()


def _rank(chunk):
    version = chunk.run
    lists = rank(artefacts.load(version), range(chunk.first, chunk.stop), conf.TOP_N)
    _forget(version, list(lists))
    chunk.shoppers = publishing.write_shopper_lists(version, lists, runs.Progress(version))
    chunk.save(update_fields=["shoppers"])


def rank_chunk(version_id, index, last_attempt=True, callback=None):
    """Rank and write chunk ``index`` of training run ``version_id``
    (:func:`oscar_insights.fanout.perform`: the run fails with the last attempt's error)."""
    return fanout.perform(RankChunk, version_id, index, _rank, last_attempt, callback,
                          progress=(80, 97))


def check_complete(version):
    """:class:`IncompleteRun` unless every ranking chunk of ``version`` is done."""
    missing = fanout.parts_missing(RankChunk, version)
    if missing:
        raise IncompleteRun(f"Ranking chunks {', '.join(str(i + 1) for i in missing)} of "
                            f"recommender version #{version.pk} are not done.")
