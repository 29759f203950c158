"""
Train, evaluate and publish recommenders: the plain functions behind the Celery tasks and the
``train_recommendations`` / ``evaluate_recommendations`` commands.

A training run (:func:`train`):

1. takes the lock: a :class:`~recommendations.models.RecommenderVersion` row in status
   *training* (a unique constraint allows one; a run without progress for
   ``RECOMMENDATIONS_TRAINING_TIMEOUT`` seconds is declared dead and no longer blocks);
2. reads the event log (:func:`datasets.load_events`);
3. runs the temporal hold-out protocol of ``EVALUATION.md`` for every candidate of
   ``RECOMMENDATIONS_CANDIDATES`` and for popularity, hyper-parameters tuned on a validation
   split inside the training period (:func:`evaluate_candidates`);
4. fits the best candidate on the whole log if it beats popularity on NDCG@10 (else popularity
   serves), and computes each shopper's top-N and the related-product lists;
5. writes them under the new version, then switches the active version in one transaction
   and prunes old versions.

Until step 5 commits, shoppers get the previous version; a failure or an interruption marks
the run *failed*, deletes what it wrote and leaves the previous version serving.
"""

import itertools
import json
import logging
import time
import traceback
from collections import Counter
from datetime import timedelta
from typing import NamedTuple

import numpy as np
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import conf, datasets, related
from .algorithms import registry, top_n
from .evaluation import (
    PROTOCOLS,
    evaluate_algorithm,
    evaluate_lists,
    temporal_holdout,
    top_n_from_scores,
    validation_holdout,
)

logger = logging.getLogger(__name__)

BASELINE = "popularity"


class TrainingInProgress(Exception):
    """Another training run holds the lock."""


class TrainingAborted(Exception):
    """The run lost its lock (declared dead after the timeout) and must not publish."""


class NothingToLearn(Exception):
    """The event log holds nothing to train on."""


# --- Tuning and evaluation --------------------------------------------------------------------

def _grid(values):
    """Every combination of ``{param: [values]}`` as dicts."""
    names = list(values)
    return [dict(zip(names, combo)) for combo in itertools.product(*(values[n] for n in names))]


def _key(params):
    return json.dumps(params, sort_keys=True, default=str)


class FittedModels(dict):
    """
    Algorithms fitted on a trainset, by name and parameters, so that a training run fits each
    (name, parameters, trainset) once: a blend and its components, tuning and evaluation
    share them.  ``seconds`` keeps each one's fit time.
    """

    def __init__(self):
        super().__init__()
        self.seconds = {}

    def get_fitted(self, name, params, trainset):
        key = (id(trainset), name, _key(params))
        if key not in self:
            started = time.perf_counter()
            algo = registry.build(name, params)
            entry = registry.spec(name)
            if "components" in entry:
                overrides = params.get("components", {})
                algo.components = [
                    (self.get_fitted(component, overrides.get(component, {}), trainset), weight,
                     normalise)
                    for (component, _w, _n), (_a, weight, normalise)
                    in zip(entry["components"], algo.components)
                ]
            self[key] = algo.fit(trainset)
            self.seconds[key] = time.perf_counter() - started
        return self[key]

    def fit_seconds(self, name, params, trainset):
        return self.seconds.get((id(trainset), name, _key(params)), 0.0)

    def forget(self, trainset):
        """Drop the models of ``trainset`` (its hold-out is done with)."""
        for key in [key for key in self if key[0] == id(trainset)]:
            del self[key]


def tune(names, validation, k=10, protocols=PROTOCOLS, progress=None, models=None):
    """
    Hyper-parameters per algorithm and protocol, chosen by NDCG@k on ``validation``:
    ``{name: {protocol: params}}`` for the algorithms with a ``tune`` grid (blends: the weights
    of their components, each component with its own tuned parameters).
    """
    models = FittedModels() if models is None else models
    trainset = validation.trainset()
    tuned = {}
    order = []
    for name in names:  # components are tuned before the blends that use them
        for component in registry.components(name):
            if component not in order:
                order.append(component)
        if name not in order:
            order.append(name)
    for name in order:
        entry = registry.spec(name)
        if "tune" not in entry:
            continue
        if progress:
            progress(f"tuning {name}")
        if "components" in entry:
            tuned[name] = _tune_blend(name, validation, k, tuned, protocols, models)
            continue
        scores = {}
        for params in _grid(entry["tune"]):
            result = evaluate_algorithm(models.get_fitted(name, params, trainset), validation, k,
                                        protocols=protocols)
            scores[_key(params)] = (params, {p: result[p]["ndcg"] for p in protocols})
        tuned[name] = {
            p: max(scores.values(), key=lambda item, p=p: item[1][p])[0] for p in protocols
        }
    return tuned


def _tune_blend(name, validation, k, tuned, protocols, models, batch_size=1024):
    """
    The weights of a blend's components by grid search on ``validation``.  Each component is
    fitted once and each weight combination only re-ranks the cached scores, batch by batch.
    """
    entry = registry.spec(name)
    grid = _grid(entry["tune"])
    trainset = validation.trainset()
    chosen = {}
    for protocol in protocols:
        relevant, exclude_seen = validation.protocol(protocol)
        users = sorted(relevant)
        components = []
        for component, weight, normalise in entry["components"]:
            params = tuned.get(component, {}).get(protocol, {})
            algo = models.get_fitted(component, params, trainset)
            components.append((component, algo, float(weight), normalise, params))
        lists = [{} for _ in grid]
        for start in range(0, len(users), batch_size):
            batch = users[start : start + batch_size]
            inner = [trainset.to_inner_uid(u) for u in batch]
            matrices = {}
            for component, algo, _weight, normalise, _params in components:
                scores = algo.score_matrix(inner)
                if normalise:
                    best = scores.max(axis=1, keepdims=True)
                    scores = scores / np.where(best > 0, best, 1.0)
                matrices[component] = scores
            seen = components[0][1].interactions()[inner] > 0 if exclude_seen else None
            for g, weights in enumerate(grid):
                total = sum(weights.get(c, w) * matrices[c] for c, _a, w, _n, _p in components)
                top = top_n_from_scores(total, k, seen)
                for row, user in enumerate(batch):
                    lists[g][user] = [
                        trainset.to_raw_iid(i) for i in top[row]
                        if seen is None or not seen[row, i]
                    ]
        ndcg = [evaluate_lists(found, relevant, len(validation.catalogue), k)["ndcg"]
                for found in lists]
        best = grid[int(np.argmax(ndcg))]
        chosen[protocol] = {
            **best,
            "components": {c: p for c, _a, _w, _n, p in components if p},
        }
    return chosen


def evaluate_candidates(holdout, names, k=10, protocols=PROTOCOLS, progress=None,
                        max_validation_users=None):
    """
    The protocol for every algorithm of ``names`` (popularity always included, first):
    ``{name: {protocol: metrics, "params": {protocol: params}, "fit_seconds": s}}``, metrics as
    :func:`evaluation.evaluate_lists`.  Parameters are tuned on the validation split inside
    the training period, never on the test period.
    """
    names = [BASELINE] + [n for n in names if n != BASELINE]
    for name in names:
        registry.spec(name)  # unknown names fail before any work
    validation = validation_holdout(holdout, max_users=max_validation_users)
    models = FittedModels()
    tuned = tune(names, validation, k, protocols, progress, models)
    models.forget(validation.trainset())
    trainset = holdout.trainset()
    results = {}
    for name in names:
        if progress:
            progress(f"evaluating {name}")
        params = {p: tuned.get(name, {}).get(p, {}) for p in protocols}
        result = {"params": params, "fit_seconds": 0.0}
        by_params = {}
        for p in protocols:
            by_params.setdefault(_key(params[p]), []).append(p)
        for same in by_params.values():
            algo = models.get_fitted(name, params[same[0]], trainset)
            measured = evaluate_algorithm(algo, holdout, k, protocols=same)
            result["fit_seconds"] += models.fit_seconds(name, params[same[0]], trainset)
            result.update({p: measured[p] for p in same})
        results[name] = result
    return results


def choose(results, protocol):
    """
    ``(name, reason)``: the candidate with the best NDCG on ``protocol`` if it beats
    popularity, else popularity.
    """
    baseline = results[BASELINE][protocol]["ndcg"]
    best = max(results, key=lambda name: results[name][protocol]["ndcg"])
    score = results[best][protocol]["ndcg"]
    if best != BASELINE and score > baseline:
        return best, f"{best} NDCG@10 {score:.4f} > popularity {baseline:.4f} ({protocol} items)"
    return BASELINE, (f"no candidate beat popularity (best {best} {score:.4f}, popularity "
                      f"{baseline:.4f}, {protocol} items): popularity serves")


# --- The training run ---------------------------------------------------------------------------

def _models():
    from .models import ProductRecommendation, RecommenderVersion, ShopperRecommendation

    return RecommenderVersion, ShopperRecommendation, ProductRecommendation


def acquire_lock(trigger=""):
    """
    A new version in status *training*, or :class:`TrainingInProgress` when another run holds
    the lock.  A run without progress for ``TRAINING_TIMEOUT`` seconds is marked failed first.
    """
    RecommenderVersion, _s, _p = _models()
    now = timezone.now()
    stale = now - timedelta(seconds=conf.TRAINING_TIMEOUT)
    for dead in RecommenderVersion.objects.filter(status=RecommenderVersion.TRAINING,
                                                  heartbeat_at__lt=stale):
        _discard(dead, f"Interrupted: no progress since {dead.heartbeat_at:%Y-%m-%d %H:%M:%S %Z} "
                       f"(stage: {dead.stage or 'starting'}).")
    try:
        with transaction.atomic():
            return RecommenderVersion.objects.create(trigger=trigger[:32], started_at=now,
                                                     heartbeat_at=now)
    except IntegrityError:
        running = RecommenderVersion.objects.filter(status=RecommenderVersion.TRAINING).first()
        if running is None:
            raise TrainingInProgress("Another training run holds the lock.") from None
        raise TrainingInProgress(
            f"Training #{running.pk} is still running ({running.stage or 'starting'}, "
            f"{running.progress} %), started {running.started_at:%Y-%m-%d %H:%M:%S %Z}."
        ) from None


def _discard(version, error):
    """Delete what ``version`` wrote and mark it failed with ``error``."""
    RecommenderVersion, ShopperRecommendation, ProductRecommendation = _models()
    RecommenderVersion.objects.filter(pk=version.pk, status=RecommenderVersion.TRAINING).update(
        status=RecommenderVersion.FAILED, error=error, finished_at=timezone.now()
    )
    # Only a failed version's rows go: a version that got published is never emptied.
    if RecommenderVersion.objects.filter(pk=version.pk, status=RecommenderVersion.FAILED).exists():
        ShopperRecommendation.objects.filter(version=version).delete()
        ProductRecommendation.objects.filter(version=version).delete()


class _Progress:
    """Records stage, percentage and heartbeat on the version; times each stage."""

    def __init__(self, version, callback=None):
        self.version = version
        self.callback = callback
        self.timings = {}
        self._stage = None
        self._started = time.perf_counter()

    def __call__(self, percent, stage):
        RecommenderVersion, _s, _p = _models()
        now = time.perf_counter()
        if self._stage:
            self.timings[self._stage] = round(now - self._started, 2)
        self._stage, self._started = stage, now
        updated = RecommenderVersion.objects.filter(
            pk=self.version.pk, status=RecommenderVersion.TRAINING
        ).update(progress=percent, stage=stage[:128], heartbeat_at=timezone.now())
        if not updated:
            raise TrainingAborted(f"Training #{self.version.pk} lost its lock (declared dead).")
        self.version.progress, self.version.stage = percent, stage
        logger.info("Training #%s: %s %%, %s", self.version.pk, percent, stage)
        if self.callback:
            self.callback(percent, stage)

    def heartbeat(self, detail):
        self(self.version.progress, f"{self._stage.split(':')[0]}: {detail}")


def train(trigger="", k=10, callback=None):
    """
    One training run (see the module docstring); returns the published version.  Raises
    :class:`TrainingInProgress` without doing anything when another run holds the lock; any
    other error marks the version failed (the previous one keeps serving) and is re-raised.
    ``callback(percent, stage)`` is told of progress.
    """
    version = acquire_lock(trigger)
    try:
        _train(version, k, _Progress(version, callback))
    except BaseException as exc:  # KeyboardInterrupt and Celery's time limits included
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        _discard(version, f"{detail}\n\n{traceback.format_exc()[-4000:]}")
        raise
    prune()
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


def compute(log, catalogue=(), k=10, step=None):
    """
    The computing part of a training run, no database: evaluate the candidates on ``log``
    (a :class:`datasets.EventLog`), fit the winner on the whole log, rank products for every
    shopper, and build the related-product lists (``catalogue``: see
    :func:`datasets.load_catalogue`).  ``step(percent, stage)`` is told of progress.
    """
    step = step or (lambda percent, stage: None)
    protocol = "all" if conf.REPEAT_PURCHASES else "new"
    names = list(conf.CANDIDATES)
    for name in names + [conf.DEFAULT_ALGORITHM]:
        registry.spec(name)

    step(5, "evaluating candidates")
    holdout = temporal_holdout(log.purchases, other_events=log.events,
                               max_users=conf.EVALUATION_MAX_USERS) if log.purchases else None
    test_shoppers = len(holdout.protocol(protocol)[0]) if holdout else 0
    metrics = {"protocol": protocol, "k": k, "test_shoppers": test_shoppers}
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
        metrics.update(split=holdout.split.isoformat(), catalogue=len(holdout.catalogue),
                       candidates=results)
    del holdout

    step(50, f"fitting {chosen} on all events")
    ratings = datasets.ratings(datasets.confidences(log.events, log.now), log.reviews)
    trainset = datasets.build_trainset(ratings, events=log.events, now=log.now)
    del ratings
    algo = registry.build(chosen, params).fit(trainset)

    step(60, "ranking products for each shopper")
    n = conf.TOP_N
    buyers = Counter(i for _s, i in {(s, i) for s, i, _w, _o in log.purchases})
    popular = [[item, count] for item, count in buyers.most_common(n)]
    trending = []
    if log.purchases:
        trend = registry.build("trending").fit(trainset)
        order = np.argsort(-trend.item_scores, kind="stable")[:n]
        trending = [[trainset.to_raw_iid(i), round(float(trend.item_scores[i]), 6)]
                    for i in order if trend.item_scores[i] > 0]
    shopper_lists = {}
    if chosen != BASELINE:  # popularity: everyone reads the version's popular list
        inner_lists = top_n(algo, range(trainset.n_users), n,
                            exclude_seen=not conf.REPEAT_PURCHASES, with_scores=True)
        for u, items in inner_lists.items():
            ranked = [[trainset.to_raw_iid(i), round(s, 6)] for i, s in items if np.isfinite(s)]
            if ranked:
                shopper_lists[trainset.to_raw_uid(u)] = ranked
    del algo, trainset

    step(70, "related products")
    from .models import ProductRecommendation

    support = conf.MIN_SUPPORT
    product_lists = {
        ProductRecommendation.ALSO_BOUGHT: related.co_occurrence(
            ((s, i) for s, i, _w, _o in log.purchases), n, support, "cosine"),
        ProductRecommendation.BOUGHT_TOGETHER: related.co_occurrence(
            ((o, i) for _s, i, _w, o in log.purchases if o is not None), n, support, "lift"),
        ProductRecommendation.ALSO_VIEWED: related.co_occurrence(
            ((s, i) for s, i, t, _w in log.events if t == "view"), n, support, "cosine"),
        ProductRecommendation.SIMILAR: related.catalogue_similarity(catalogue, n),
    }
    return Computed(chosen, params, metrics, popular, trending, shopper_lists, product_lists)


def _train(version, k, step):
    RecommenderVersion, _s, _p = _models()
    step(2, "reading the event log")
    log = datasets.load_events()
    if not log.events:
        raise NothingToLearn("No events to learn from yet: nothing was recorded or imported.")
    RecommenderVersion.objects.filter(pk=version.pk).update(events=len(log.events))
    result = compute(log, datasets.load_catalogue(), k, step)
    del log

    step(85, "writing lists")
    shoppers = _write_shopper_lists(version, result.shopper_lists, step)
    products = _write_product_lists(version, result.product_lists, step)

    step(98, "publishing")
    metrics = {**result.metrics, "timings": step.timings}
    _publish(version, result.algorithm, result.params, metrics, result.popular,
             result.trending, shoppers, products)


def _existing(model, ids):
    """The ``ids`` that still exist as ``model`` rows (looked up in SQLite-sized chunks)."""
    from inventory_forecast.db import lookup

    return set(lookup(model.objects.all(), "pk", ids, key="pk"))


def _bulk(model, rows, step, label, still_valid, batch_size=1000):
    """
    Insert ``rows`` in batches.  A batch refused by a foreign key (a user or product deleted
    since it was checked) is retried once with the rows ``still_valid(batch)`` keeps.
    """
    written = 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        try:
            with transaction.atomic():
                model.objects.bulk_create(batch)
        except IntegrityError:
            batch = still_valid(batch)
            with transaction.atomic():
                model.objects.bulk_create(batch)
        written += len(batch)
        step.heartbeat(f"{label} {min(start + batch_size, len(rows)):,}/{len(rows):,}")
    return written


def _write_shopper_lists(version, lists, step):
    from django.contrib.auth import get_user_model
    from oscar.core.loading import get_model

    _v, ShopperRecommendation, _p = _models()
    User = get_user_model()
    user_ids = _existing(User, {int(s[1:]) for s in lists if s.startswith("u")})
    products = set(get_model("catalogue", "Product").objects.values_list("pk", flat=True))
    rows = []
    for shopper, items in lists.items():
        items = [pair for pair in items if pair[0] in products]  # deleted since: left out
        if not items:
            continue
        if shopper.startswith("u"):
            if int(shopper[1:]) in user_ids:  # deleted since the log was read: nothing to write
                rows.append(ShopperRecommendation(version=version, user_id=int(shopper[1:]),
                                                  items=items))
        else:
            rows.append(ShopperRecommendation(version=version, visitor_id=shopper[1:],
                                              items=items))

    def still_valid(batch):
        alive = _existing(User, {row.user_id for row in batch if row.user_id})
        return [row for row in batch if row.user_id is None or row.user_id in alive]

    return _bulk(ShopperRecommendation, rows, step, "shopper lists", still_valid)


def _write_product_lists(version, lists_by_kind, step):
    from oscar.core.loading import get_model

    _v, _s, ProductRecommendation = _models()
    Product = get_model("catalogue", "Product")
    mentioned = {p for lists in lists_by_kind.values() for p in lists}
    existing = _existing(Product, mentioned)
    rows = []
    for kind, lists in lists_by_kind.items():
        for product, items in lists.items():
            kept = [[i, round(s, 6)] for i, s in items if i in existing]
            if product in existing and kept:
                rows.append(ProductRecommendation(version=version, product_id=product, kind=kind,
                                                  items=kept))
    def still_valid(batch):
        alive = _existing(Product, {row.product_id for row in batch})
        return [row for row in batch if row.product_id in alive]

    _bulk(ProductRecommendation, rows, step, "product lists", still_valid)
    return len(_existing(Product, {row.product_id for row in rows}))


def _publish(version, algorithm, params, metrics, popular, trending, shoppers, products):
    """Make ``version`` the active one and retire the previous, in one transaction."""
    RecommenderVersion, _s, _p = _models()
    now = timezone.now()
    from .models import ShopperRecommendation, TrackingPreference

    with transaction.atomic():
        # Shoppers who opted out or erased their history while the run was reading or
        # computing: their lists go before anyone can see them.
        withdrawn = TrackingPreference.objects.filter(
            models.Q(opted_out=True) | models.Q(history_erased_at__gte=version.started_at)
        ).values("user_id")
        ShopperRecommendation.objects.filter(version=version, user_id__in=withdrawn).delete()
        shoppers = ShopperRecommendation.objects.filter(version=version).count()
        RecommenderVersion.objects.filter(status=RecommenderVersion.ACTIVE).update(
            status=RecommenderVersion.RETIRED
        )
        published = RecommenderVersion.objects.filter(
            pk=version.pk, status=RecommenderVersion.TRAINING
        ).update(
            status=RecommenderVersion.ACTIVE, algorithm=algorithm, params=params,
            metrics=json.loads(json.dumps(metrics, default=str)), popular=popular,
            trending=trending, shoppers=shoppers, products=products, progress=100,
            stage="published", heartbeat_at=now, finished_at=now, published_at=now,
        )
        if published != 1:  # declared dead meanwhile: roll the switch back
            raise TrainingAborted(f"Training #{version.pk} lost its lock (declared dead).")


def prune(keep=None):
    """
    Delete published versions beyond the newest ``keep`` (``RECOMMENDATIONS_KEEP_VERSIONS``),
    and failed runs beyond the newest ``keep`` (kept for their error messages); the active
    version always stays.  Returns the number of versions deleted.
    """
    RecommenderVersion, ShopperRecommendation, ProductRecommendation = _models()
    keep = max(conf.KEEP_VERSIONS if keep is None else keep, 1)
    versions = RecommenderVersion.objects.order_by("-started_at", "-id")
    published = versions.filter(status__in=[RecommenderVersion.ACTIVE, RecommenderVersion.RETIRED])
    kept = set(published.values_list("pk", flat=True)[:keep])
    kept |= set(versions.filter(status=RecommenderVersion.FAILED).values_list("pk", flat=True)[:keep])
    doomed = list(
        versions.filter(status__in=[RecommenderVersion.RETIRED, RecommenderVersion.FAILED])
        .exclude(pk__in=kept).values_list("pk", flat=True)
    )
    if doomed:
        # Children first, in one statement each (no per-row cascade in Python).
        ShopperRecommendation.objects.filter(version_id__in=doomed).delete()
        ProductRecommendation.objects.filter(version_id__in=doomed).delete()
        RecommenderVersion.objects.filter(pk__in=doomed).delete()
    return len(doomed)
