"""
Train, evaluate and publish recommenders: the plain functions behind the Celery task and the
``train_recommendations`` command.

A training run (:func:`train`):

1. takes the lock (:mod:`oscar_insights.runs`): a :class:`~recommendations.models.RecommenderVersion`
   in status *running*; a run without progress for ``RECOMMENDATIONS_TRAINING_TIMEOUT``
   seconds is declared dead and no longer blocks;
2. reads the event log (:func:`datasets.load_events`);
3. runs the temporal hold-out protocol of ``docs/evaluation.md`` for every candidate of
   ``RECOMMENDATIONS_CANDIDATES`` and for popularity, hyper-parameters tuned on a validation
   split inside the training period (:mod:`.selection`);
4. fits the best candidate on the whole log if it beats popularity on NDCG@10 (else popularity
   serves), saves it as the version's model file (:mod:`.artefacts`) and writes the
   related-product lists under the version;
5. ranks every shopper's top-N from the model file in chunks (:mod:`.ranking`): tasks of a
   Celery chord spread over the workers, or one after another in the command;
6. once every chunk is in, makes the version current in one transaction and prunes old
   versions (:mod:`.publishing`).

Until step 6 commits, shoppers get the previous version; a failure or an interruption marks
the run *failed*, deletes what it wrote and leaves the previous version serving.
"""

from typing import NamedTuple

import numpy as np

from oscar_insights import runs

from . import (
    artefacts,
    conf,
    datasets,
    evaluation,
    measures,
    publishing,
    ranking,
    related,
    selection,
)
from .algorithms import registry
from .evaluation import temporal_holdout
from .eventlog import microseconds
from .models import ProductRecommendation, RecommenderVersion
from .selection import BASELINE, choose, evaluate_candidates


class NothingToLearn(Exception):
    """The event log holds nothing to train on."""


def train(trigger="", k=10, callback=None):
    """
    One training run in this process (see the module docstring): :func:`start`, every ranking
    chunk one after another (:mod:`.ranking`), :func:`finish`; returns the published version.
    Raises :class:`~oscar_insights.runs.RunInProgress` without doing anything when another run
    holds the lock; any other error marks the version failed (the previous one keeps serving)
    and is re-raised.  ``callback(percent, stage)`` is told of progress.
    """
    version = start(trigger, k, callback)
    for index in range(version.rank_chunks.count()):
        ranking.rank_chunk(version.pk, index, callback=callback)
    return finish(version.pk, callback)


def start(trigger="", k=10, callback=None):
    """
    Start a training run: take the lock, evaluate, fit and save the winner, write the product
    lists and split the shoppers into ranking chunks.  Returns the version, *running*; its
    chunks are then ranked by :func:`ranking.rank_chunk` (anywhere, in any order) and the run
    is published by :func:`finish`.
    """
    version = runs.acquire(RecommenderVersion, trigger, conf.TRAINING_TIMEOUT)
    with runs.attempt(version):
        _prepare(version, k, runs.Progress(version, callback))
    return version


def finish(version_id, callback=None):
    """Publish training run ``version_id`` once its shoppers are ranked; returns the version,
    now current.  An error (a chunk not done included) fails the run and is re-raised."""
    version = RecommenderVersion.objects.get(pk=version_id)
    try:
        with runs.attempt(version):
            ranking.check_complete(version)
            runs.Progress(version, callback)(98, "publishing")
            chunks = version.rank_chunks.all()
            metrics = {**version.metrics, "ranking": {
                "chunks": len(chunks), "seconds": round(sum(c.seconds or 0 for c in chunks), 1),
                "workers": len({c.worker for c in chunks})}}
            publishing.publish(version, metrics=metrics)
    finally:
        artefacts.forget()
    runs.prune(RecommenderVersion, conf.KEEP_VERSIONS)
    version.refresh_from_db()
    return version


class Computed(NamedTuple):
    """What :func:`compute` returns: everything a version publishes."""

    algorithm: str
    params: dict
    metrics: dict
    popular: list  # [[product, distinct buyers]], best first
    trending: list  # [[product, score]]
    shopper_lists: dict  # shopper ("u<id>" / "v<visitor>") -> [[product, score]]
    product_lists: dict  # kind -> {product: [(product, score)]}
    shoppers: int  # shoppers the fitted winner ranks (0: popularity serves everyone)


def compute(log, catalogue=(), k=10, step=None, through=None, rank=True):
    """
    The computing part of a training run, no database: evaluate the candidates on ``log``
    (a :class:`datasets.EventLog`), fit the winner on the whole log, rank products for every
    shopper (unless ``rank`` is false: the training run ranks them in chunks from the saved
    model, :mod:`.ranking`), and build the related-product lists (``catalogue``: see
    :func:`datasets.load_catalogue`).  ``step(percent, stage)`` is told of progress;
    ``through(algorithm)``, when given, is called with the fitted winner and returns it as
    ranked (the training run: the model as saved and read back).
    """
    step = step or (lambda percent, stage: None)
    protocol = "all" if conf.REPEAT_PURCHASES else "new"
    names = list(conf.CANDIDATES)
    for name in names + [conf.DEFAULT_ALGORITHM]:
        registry.spec(name)

    step(5, "evaluating candidates")
    purchases = bool(log.kind_mask("purchase").any())
    holdout = temporal_holdout(log, max_users=conf.EVALUATION_MAX_USERS) if purchases else None
    test_shoppers = len(holdout.protocol(protocol)[0]) if holdout else 0
    metrics = {"protocol": protocol, "k": k, "test_shoppers": test_shoppers}
    runners_up = []
    if test_shoppers < conf.MIN_TEST_SHOPPERS:
        chosen, params = conf.DEFAULT_ALGORITHM, {}
        metrics["reason"] = (
            f"only {test_shoppers} test shoppers (< RECOMMENDATIONS_MIN_TEST_SHOPPERS = "
            f"{conf.MIN_TEST_SHOPPERS}): {chosen} published without evaluation"
        )
    else:
        # 5 % -> 50 % over the tuning and evaluation stages.
        stages = len(names) + 1 + sum("tune" in registry.spec(n) for n in names)
        done = iter(range(stages + 100))
        results = evaluate_candidates(
            holdout, names, k, max_validation_users=conf.EVALUATION_MAX_USERS,
            progress=lambda stage: step(min(5 + 45 * next(done) // stages, 49), stage),
        )
        chosen, metrics["reason"] = choose(results, protocol)
        params = results[chosen]["params"][protocol]
        # Should the winner fail on all events (more data than the hold-out), the runners-up
        # that beat popularity, best first, then popularity.
        runners_up = [(name, results[name]["params"][protocol])
                      for name in selection.beating_popularity(results, protocol)
                      if name != chosen]
        metrics.update(split=holdout.split.isoformat(), catalogue=len(holdout.catalogue),
                       candidates=results)
    split = holdout.split if holdout else None
    del holdout

    step(50, "popular and trending products")
    trainset = datasets.trainset(log)
    n = conf.TOP_N
    buyers = log.incidence("purchase").getnnz(axis=0)  # shoppers who bought each product
    popular = [[log.items[i], int(buyers[i])]
               for i in np.argsort(-buyers, kind="stable")[:n] if buyers[i]]
    del buyers
    trending = []
    if purchases:  # from the log, which the saved model leaves out
        trend = registry.build("trending").fit(trainset)
        order = np.argsort(-trend.item_scores, kind="stable")[:n]
        trending = [[trainset.to_raw_iid(i), round(float(trend.item_scores[i]), 6)]
                    for i in order if trend.item_scores[i] > 0]
        del trend

    step(52, f"fitting {chosen} on all events")
    order = [(chosen, params), *runners_up, (BASELINE, {})]
    chosen, params, algo = _fit_first(order, trainset, metrics)
    if through is not None:
        del trainset
        algo = through(algo)
        trainset = algo.trainset

    shopper_lists = {}
    shoppers = trainset.n_users if chosen != BASELINE else 0
    if rank and shoppers:  # popularity: everyone reads the version's popular list
        step(65, "ranking products for each shopper")
        shopper_lists = ranking.rank(algo, range(shoppers), n)
    del algo, trainset

    step(70, "related products")
    support = conf.MIN_SUPPORT
    product_lists = {
        ProductRecommendation.ALSO_BOUGHT: _shared_shoppers(log, "purchase", n, support),
        ProductRecommendation.BOUGHT_TOGETHER: bought_together(log, split, n, k, metrics),
        ProductRecommendation.ALSO_VIEWED: _shared_shoppers(log, "view", n, support),
        ProductRecommendation.SIMILAR: related.catalogue_similarity(catalogue, n),
    }
    return Computed(chosen, params, metrics, popular, trending, shopper_lists, product_lists,
                    shoppers)


def _fit_first(order, trainset, metrics):
    """``(name, params, fitted algorithm)``: the first of ``order`` ((name, params) pairs) that
    fits ``trainset`` within the memory budget; those that cannot are listed in
    ``metrics["fallbacks"]`` with their reason.  Popularity, last, always fits."""
    for name, params in order:
        algo = registry.build(name, params)
        try:
            selection.check_budget(name, algo, trainset)
            fitted = algo.fit(trainset)
        except Exception as exc:
            if name == BASELINE:
                raise
            metrics.setdefault("fallbacks", []).append(
                {"algorithm": name, **selection.outcome(name, exc)})
            continue
        if metrics.get("fallbacks"):
            metrics["reason"] = (f"{metrics['reason']}; on all events "
                                 f"{', '.join(f['algorithm'] for f in metrics['fallbacks'])} "
                                 f"could not be fitted: {name} published")
        return name, params, fitted
    raise AssertionError("unreachable: popularity is last")


def _shared_shoppers(log, kind, n, support):
    """``{product: [(product, score)]}``: the products most often in the same shoppers'
    ``kind`` events, by cosine (``c_ij / sqrt(n_i n_j)``, :class:`measures.Cosine`), pairs
    with at least ``support`` shoppers in common."""
    return measures.ranked(measures.Cosine(min_support=support).fit(log.incidence(kind)),
                           log.items, n)


def bought_together(log, split, n, k=10, metrics=None):
    """
    ``{product: [(product, score)]}``: the "frequently bought together" lists of ``log``'s
    orders under ``RECOMMENDATIONS_BOUGHT_TOGETHER_MEASURE``, its parameters tuned on the basket
    protocol's validation split inside the training period (before ``split``, the hold-out's),
    then fitted on every order (baskets aged as of ``log.now``).  ``metrics`` (a dict), when
    given, gets the measure's and popularity's basket-protocol scores on the test baskets.
    """
    name = conf.BOUGHT_TOGETHER_MEASURE
    measures.spec(name)
    baskets = evaluation.Baskets.of_log(log)
    params = {}
    if split is not None and len(baskets.basket):
        holdout = evaluation.basket_holdout(baskets, split)
        validation = evaluation.validation_baskets(baskets, holdout)
        if validation.test.shape[0] >= conf.MIN_TEST_BASKETS:
            params, _tried = selection.tune_measure(name, validation, k)
            if metrics is not None and holdout.test.shape[0]:
                metrics["bought_together"] = {
                    "measure": name, "params": params, "k": k,
                    name: evaluation.evaluate_measure(measures.build(name, params), holdout, k),
                    BASELINE: evaluation.evaluate_measure(measures.Popularity(), holdout, k),
                }
        del holdout, validation
    chosen = np.unique(baskets.basket)
    catalogue, columns = baskets.catalogue(chosen)
    ages = (microseconds(log.now) - baskets.dated[chosen]) / 86_400e6
    measure = measures.build(name, params).fit(baskets.matrix(chosen, columns, len(catalogue)),
                                               ages)
    return measures.ranked(measure, catalogue, n)


def _saved(version, algo, step):
    """``algo`` saved as ``version``'s model file and read back (artefacts.py)."""
    step(55, "saving the model")
    artefacts.save(version, algo)
    del algo
    step(57, "reading the model back")
    return artefacts.load(version)


def _prepare(version, k, step):
    step(2, "reading the event log")
    log = datasets.load_events()
    if not len(log):
        raise NothingToLearn("No events to learn from yet: nothing was recorded or imported.")
    RecommenderVersion.objects.filter(pk=version.pk).update(events=len(log))
    result = compute(log, datasets.load_catalogue(), k, step,
                     through=lambda algo: _saved(version, algo, step), rank=False)
    del log

    step(75, "writing product lists")
    products = publishing.write_product_lists(version, result.product_lists, step)
    step(80, "ranking shoppers")
    RecommenderVersion.objects.filter(pk=version.pk).update(
        algorithm=result.algorithm, params=result.params, popular=result.popular,
        trending=result.trending, products=products,
        metrics=publishing.jsonable({**result.metrics, "timings": step.timings}))
    version.refresh_from_db()
    ranking.make_chunks(version, result.shoppers)
