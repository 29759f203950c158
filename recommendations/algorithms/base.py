"""The top-N contract shared by every algorithm."""

import numpy as np
import scipy.sparse as sp


def confidence_matrix(trainset, weights, half_life_days, dtype=np.float64):
    """
    Users x items CSR matrix (inner ids) of the decayed confidence of the trainset's event log
    (:func:`recommendations.eventlog.pair_confidence`) as of its ``now``; pairs the trainset
    does not know are left out.
    """
    from ..eventlog import pair_confidence

    log = getattr(trainset, "log", None)
    if log is None:
        raise ValueError(
            "This algorithm weighs time: give the trainset its event log "
            "(recommendations.datasets.trainset(log), or build_trainset(..., events=..., now=...))."
        )
    pairs = pair_confidence(log, trainset.now, weights, half_life_days)
    users, items = trainset.user_of_code[pairs.shopper], trainset.item_of_code[pairs.item]
    known = (users >= 0) & (items >= 0)
    return sp.csr_matrix((pairs.value[known].astype(dtype), (users[known], items[known])),
                         shape=(trainset.n_users, trainset.n_items))


# Scores of a batch of shoppers are a dense batch x items array, with about this many copies
# alive at once while a top-N is cut (scores, their masked copy, the partition's indices).
SCORE_COPIES = 4
SCORE_BATCH_BYTES = 256 * 2**20  # at most this much for them, whatever the catalogue's size


def rows_per_batch(n_items, limit=2048, copies=SCORE_COPIES):
    """Shoppers per batch of scores so that the batch stays within ``SCORE_BATCH_BYTES``."""
    return max(1, min(limit, SCORE_BATCH_BYTES // max(n_items * 8 * copies, 1)))


class OverBudget(MemoryError):
    """An algorithm would need more memory than ``RECOMMENDATIONS_MEMORY_BUDGET_MB`` allows."""


class TopNMixin:
    """
    Vectorised scoring for an ``AlgoBase`` subclass.

    Subclasses implement :meth:`score_matrix`: the scores of the given inner user ids for every
    inner item id, computed from the learned parameters in one go (numpy / scipy.sparse), equal
    to what ``estimate`` gives pair by pair.  Never one ``predict()`` call per pair.

    :meth:`estimate_bytes` says what ``fit`` needs for data of a given shape, so that a
    candidate over the memory budget is skipped before it starts; subclasses whose memory grows
    faster than the data (items², users x items) override it.  ``memory_budget_bytes`` is set by
    the training run before ``fit`` (None: unbounded) for algorithms that size themselves.
    """

    memory_budget_bytes = None

    def estimate_bytes(self, n_users, n_items, n_ratings):
        """Peak bytes of ``fit``: by default, two sparse copies of the ratings (the matrix
        :meth:`interactions` gives and one derived from it) and a few floats per user and
        item."""
        return n_ratings * 2 * 12 + (n_users + n_items) * 200

    def fit(self, trainset):
        self._interactions = None  # a new training set: rebuild the matrix on demand
        return super().fit(trainset)

    def score_matrix(self, users):
        """Dense array (len(users) x n_items) of scores; the hook subclasses write."""
        raise NotImplementedError

    def interactions(self):
        """The training set as a users x items CSR matrix of its ratings (built once)."""
        matrix = getattr(self.trainset, "matrix", None)  # a MatrixTrainset holds it already
        if matrix is not None:
            return matrix
        if getattr(self, "_interactions", None) is None:
            ts = self.trainset
            rows, cols, vals = [], [], []
            for u, ratings in ts.ur.items():
                for i, r in ratings:
                    rows.append(u)
                    cols.append(i)
                    vals.append(r)
            self._interactions = sp.csr_matrix(
                (vals, (rows, cols)), shape=(ts.n_users, ts.n_items), dtype=np.float64
            )
        return self._interactions


def top_n_from_scores(scores, n, exclude=None):
    """
    Row-wise top-``n`` column indices of a dense score matrix (users x items), best first.
    ``exclude`` is a boolean matrix (or scipy sparse) of the same shape whose True cells rank
    last (a row with fewer than ``n`` other items ends with excluded ones; drop them with the
    scores if that matters).  Vectorised: ``argpartition``, then a sort of the ``n`` kept per row.
    """
    scores = np.array(scores, dtype=np.float64, copy=True)
    if exclude is not None:
        if hasattr(exclude, "toarray"):
            rows, cols = exclude.nonzero()
            scores[rows, cols] = -np.inf
        else:
            scores[np.asarray(exclude, dtype=bool)] = -np.inf
    n = min(n, scores.shape[1])
    if n == 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64)
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def top_n(algo, users, n, exclude_seen=True, batch_size=2048, with_scores=False):
    """
    ``{inner user: [inner items, best first]}`` of length ``n`` for ``users`` (inner ids), in
    batches of at most ``batch_size`` users (fewer for a big catalogue: :func:`rows_per_batch`).
    ``exclude_seen`` leaves out the user's training items.  ``with_scores`` gives ``(item,
    score)`` pairs instead of items.
    """
    users = list(users)
    seen = algo.interactions() if exclude_seen else None
    batch_size = rows_per_batch(algo.trainset.n_items, batch_size)
    result = {}
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = algo.score_matrix(batch)
        exclude = (seen[batch] > 0).tocsr() if seen is not None else None
        top = top_n_from_scores(scores, n, exclude)
        for k, user in enumerate(batch):
            items = top[k]
            if exclude is not None:
                excluded = set(exclude.indices[exclude.indptr[k] : exclude.indptr[k + 1]])
                items = [i for i in items if i not in excluded]
            if with_scores:
                result[user] = [(int(i), float(scores[k, i])) for i in items]
            else:
                result[user] = [int(i) for i in items]
    return result
