"""
Model selection: the temporal hold-out of ``docs/evaluation.md`` for every candidate algorithm,
hyper-parameters tuned on a validation split inside the training period, and the choice of the
one to publish.  No database: the training run (:mod:`.training`) and the
``evaluate_recommendations`` command call these on an event log.
"""

import itertools
import json
import logging
import time

import numpy as np

from . import conf, measures
from .algorithms import registry
from .algorithms.base import OverBudget, rows_per_batch, top_n_from_scores
from .evaluation import (
    PROTOCOLS,
    evaluate_algorithm,
    evaluate_lists,
    evaluate_measure,
    validation_holdout,
)
from .measures import CoOccurrence, Popularity

BASELINE = "popularity"
logger = logging.getLogger(__name__)


def budget_bytes():
    """``RECOMMENDATIONS_MEMORY_BUDGET_MB`` in bytes (None: no budget)."""
    return conf.MEMORY_BUDGET_MB * 2**20 if conf.MEMORY_BUDGET_MB else None


def check_budget(name, algo, trainset, budget=None):
    """Tell ``algo`` its ``budget`` (bytes; default the setting's), then raise
    :class:`OverBudget` when it says it needs more than that to fit ``trainset``, sized to it
    (EASE bounds its items to the budget)."""
    budget = budget_bytes() if budget is None else budget
    shape = (trainset.n_users, trainset.n_items, trainset.n_ratings)
    algo.memory_budget_bytes = budget or None  # first: an algorithm may size itself to it
    needed = algo.estimate_bytes(*shape) if hasattr(algo, "estimate_bytes") else 0
    if budget and needed > budget:
        raise OverBudget(
            f"{name} would need about {needed / 2**20:,.0f} MB for {shape[0]:,} shoppers x "
            f"{shape[1]:,} products ({shape[2]:,} pairs), over RECOMMENDATIONS_MEMORY_BUDGET_MB "
            f"= {budget / 2**20:,.0f}")


def outcome(name, exc):
    """The result entry of a candidate that could not run: skipped (over the memory budget)
    or failed (it raised), with the reason; logged."""
    if isinstance(exc, OverBudget):
        logger.warning("Candidate %s skipped: %s", name, exc)
        return {"skipped": str(exc)}
    logger.error("Candidate %s failed: %s: %s", name, type(exc).__name__, exc,
                 exc_info=(type(exc), exc, exc.__traceback__))
    return {"failed": f"{type(exc).__name__}: {exc}"}


def evaluated(results):
    """The names of ``results`` that have metrics (neither skipped nor failed)."""
    return [name for name, result in results.items()
            if "skipped" not in result and "failed" not in result]


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
        self.errors = {}  # key -> the exception its fit raised (raised again, never refitted)

    def get_fitted(self, name, params, trainset):
        key = (id(trainset), name, _key(params))
        if key in self.errors:
            raise self.errors[key]
        if key not in self:
            try:
                self._fit(key, name, params, trainset)
            except Exception as exc:
                self.errors[key] = exc
                raise
        return self[key]

    def _fit(self, key, name, params, trainset):
        started = time.perf_counter()
        algo = registry.build(name, params)
        check_budget(name, algo, trainset)
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

    def fit_seconds(self, name, params, trainset):
        return self.seconds.get((id(trainset), name, _key(params)), 0.0)

    def forget(self, trainset, name=None, keep=()):
        """Drop the models of ``trainset`` (its hold-out is done with), or only those of
        algorithm ``name`` but the parameters of ``keep``: a fitted model can weigh hundreds of
        MB (factors of a million shoppers), so a run keeps only those it will use again."""
        kept = {_key(params) for params in keep}

        def dropped(key):
            return key[0] == id(trainset) and (name is None or key[1] == name
                                               and key[2] not in kept)

        for key in [key for key in self if dropped(key)]:
            del self[key]
        for key in [key for key in self.errors if dropped(key)]:
            del self.errors[key]


def tune(names, validation, k=10, protocols=PROTOCOLS, progress=None, models=None,
         problems=None):
    """
    Hyper-parameters per algorithm and protocol, chosen by NDCG@k on ``validation``:
    ``{name: {protocol: params}}`` for the algorithms with a ``tune`` grid (blends: the weights
    of their components, each component with its own tuned parameters).  An algorithm that
    cannot be tuned (over the memory budget, or it raised) is left out, its :func:`outcome`
    in ``problems`` (a dict) when given.
    """
    problems = {} if problems is None else problems
    models = FittedModels() if models is None else models
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
        try:
            tuned[name] = _tune(name, entry, validation, k, tuned, protocols, models)
        except Exception as exc:  # this candidate is out; the others go on
            problems[name] = outcome(name, exc)
    return tuned


def _tune(name, entry, validation, k, tuned, protocols, models):
    if "components" in entry:
        return _tune_blend(name, validation, k, tuned, protocols, models)
    trainset = validation.trainset()
    scores = {}
    for params in _grid(entry["tune"]):
        result = evaluate_algorithm(models.get_fitted(name, params, trainset), validation, k,
                                    protocols=protocols)
        scores[_key(params)] = (params, {p: result[p]["ndcg"] for p in protocols})
        # Only the model measured is held: at a million shoppers one weighs hundreds of MB, and
        # keeping the best so far of each protocol beside it held three.  A blend tuned after
        # this refits the chosen parameters (one fit each).
        models.forget(trainset, name)
    return _best(scores, protocols)


def _best(scores, protocols):
    return {p: max(scores.values(), key=lambda item, p=p: item[1][p])[0] for p in protocols}


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
        batch_size = rows_per_batch(trainset.n_items, batch_size,
                                    copies=len(components) + 4)
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
        # Each protocol's components only while it is measured (the next may tune others).
        later = protocols[protocols.index(protocol) + 1:]
        del components
        for component, _weight, _normalise in entry["components"]:
            models.forget(trainset, component,
                          keep=[tuned.get(component, {}).get(p, {}) for p in later])
    return chosen


def evaluate_candidates(holdout, names, k=10, protocols=PROTOCOLS, progress=None,
                        max_validation_users=None):
    """
    The protocol for every algorithm of ``names`` (popularity always included, first):
    ``{name: {protocol: metrics, "params": {protocol: params}, "fit_seconds": s}}``, metrics as
    :func:`evaluation.evaluate_lists`; a candidate over the memory budget or that raised gets
    ``{"skipped": reason}`` / ``{"failed": reason}`` and the others go on.  Parameters are tuned on the validation split inside
    the training period, never on the test period.
    """
    names = given = [BASELINE] + [n for n in names if n != BASELINE]
    for name in names:
        registry.spec(name)  # unknown names fail before any work
    validation = validation_holdout(holdout, max_users=max_validation_users)
    models = FittedModels()
    problems = {}
    tuned = tune(names, validation, k, protocols, progress, models, problems)
    models.forget(validation.trainset())
    trainset = holdout.trainset()
    results = {}
    names = evaluation_order(names)
    for position, name in enumerate(names):
        if progress:
            progress(f"evaluating {name}")
        if name in problems:
            results[name] = problems[name]
            continue
        try:
            results[name] = _evaluate(name, tuned, holdout, trainset, k, protocols, models)
        except Exception as exc:  # this candidate is out; the others go on
            results[name] = outcome(name, exc)
        # Measured: models go unless a blend still to come is made of them.
        needed = {c for later in names[position + 1:] for c in registry.components(later)}
        for done in {*names[: position + 1], *registry.components(name)} - needed:
            models.forget(trainset, done)
    if BASELINE not in evaluated(results):
        raise RuntimeError(f"The baseline could not be evaluated: {results[BASELINE]}")
    return {name: results[name] for name in given}


def evaluation_order(names):
    """``names`` in the order the hold-out measures them: the candidates no blend is made of
    first, then each blend right after those of its components that are candidates too.  A
    blend's components stay fitted until it is measured; measured in the given order, EASE's
    items x items weights (400 MB at 10,000 items) sat beside SVD's factors of a million
    shoppers (800 MB) while those were fitted."""
    parts = {c for name in names for c in registry.components(name)}
    order = [n for n in names if n not in parts and not registry.components(n)]
    for name in names:
        if registry.components(name):
            order += [c for c in registry.components(name) if c in names and c not in order]
            order.append(name)
    order += [n for n in names if n not in order]  # components of no blend given
    return order


def _evaluate(name, tuned, holdout, trainset, k, protocols, models):
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
    return result


def beating_popularity(results, protocol):
    """The evaluated candidates whose NDCG on ``protocol`` beats popularity's, best first."""
    baseline = results[BASELINE][protocol]["ndcg"]
    return sorted((name for name in evaluated(results)
                   if name != BASELINE and results[name][protocol]["ndcg"] > baseline),
                  key=lambda name: -results[name][protocol]["ndcg"])


def choose(results, protocol):
    """
    ``(name, reason)``: the candidate with the best NDCG on ``protocol`` if it beats
    popularity, else popularity (skipped and failed candidates do not compete).
    """
    baseline = results[BASELINE][protocol]["ndcg"]
    winners = beating_popularity(results, protocol)
    if winners:
        best = winners[0]
        score = results[best][protocol]["ndcg"]
        return best, f"{best} NDCG@10 {score:.4f} > popularity {baseline:.4f} ({protocol} items)"
    best = max(evaluated(results), key=lambda name: results[name][protocol]["ndcg"])
    score = results[best][protocol]["ndcg"]
    return BASELINE, (f"no candidate beat popularity (best {best} {score:.4f}, popularity "
                      f"{baseline:.4f}, {protocol} items): popularity serves")


# --- Related-products measures (the basket protocol) ------------------------------------------


def tune_measure(name, validation, k=10):
    """
    ``(params, results)``: the parameters of measure ``name`` (``RECOMMENDATIONS_RELATED_MEASURES``)
    chosen on ``validation`` (a :class:`evaluation.BasketHoldOut` inside the training period)
    from its ``tune`` grid: the best Recall@10 (then HitRate@10) among the settings whose share
    of rarely bought listed items is at most that of raw co-occurrence on the same split, so
    that a gain is never bought with rarities; ``{}`` without a grid.  ``results`` lists
    ``(params, metrics)`` of every setting tried.
    """
    entry = measures.spec(name)
    if "tune" not in entry:
        return {}, []
    ceiling = evaluate_measure(CoOccurrence(min_support=1), validation, k)["rare_share"]
    tried = [(params, evaluate_measure(measures.build(name, params), validation, k))
             for params in _grid(entry["tune"])]
    allowed = [t for t in tried if t[1]["rare_share"] <= ceiling + 1e-12] or tried
    best = max(allowed, key=lambda t: (t[1]["recall"], t[1]["hit_rate"], -t[1]["rare_share"]))
    return best[0], tried


def evaluate_measures(holdout, validation, names, k=10, progress=None):
    """
    The basket protocol for popularity and every measure of ``names``:
    ``{name: {**metrics, "params": tuned params}}``, metrics as
    :func:`evaluation.evaluate_measure`; ``validation`` (None: no tuning) picks the parameters
    of the measures with a ``tune`` grid (:func:`tune_measure`).
    """
    for name in names:
        measures.spec(name)
    results = {BASELINE: {**evaluate_measure(Popularity(), holdout, k), "params": {}}}
    for name in names:
        params = {}
        if validation is not None:
            if progress:
                progress(f"tuning {name}")
            params, _tried = tune_measure(name, validation, k)
        if progress:
            progress(f"evaluating {name}")
        results[name] = {**evaluate_measure(measures.build(name, params), holdout, k),
                         "params": params}
    return results
