"""
Item x item models, computed so that memory grows with the data, not with items²: EASE over a
bounded set of items (its closed form is dense), and item-kNN whose neighbour lists are built
in blocks of items.
"""

import numpy as np
import scipy.sparse as sp
from scipy.linalg import get_lapack_funcs
from surprise import AlgoBase, PredictionImpossible

from .base import TopNMixin

ITEM_BLOCK_BYTES = 256 * 2**20  # default bound of ItemKNN's block temporaries
_GRAM_BLOCK_BYTES = 64 * 2**20  # bound of the sparse blocks EASE assembles its gram from
_KNN_BYTES_PER_PAIR = 40  # a similarity in a block: product, cosine, filter, sort, rank
_GRAM_BYTES_PER_PAIR = 8  # a co-occurrence in a gram block: float32 value, int32 column
_BUILD_BYTES_PER_RATING = 56  # TopNMixin.interactions(): Python lists, COO, then CSR arrays


def _csr_bytes(n_rows, nnz, value_bytes=8):
    """Bytes of a CSR matrix with int32 indices: a value and a column per entry, row pointers."""
    return nnz * (value_bytes + 4) + 4 * (n_rows + 1)


def _co_occurrences(n_users, n_items, n_ratings):
    """
    Item pairs with a common user, estimated from the shape alone: at most ``n_items ** 2``, and
    at most the sum over users of their item count squared, which is ``R**2 / U + R`` when the
    counts spread like Poisson counts (more for a long tail of heavy users, fewer when many users
    share the same pairs).
    """
    if not n_users:
        return 0
    return min(n_items * n_items, n_ratings * n_ratings / n_users + n_ratings)


def _item_blocks(X, bytes_per_pair, block_bytes):
    """
    Consecutive item ranges ``(start, stop)`` of the CSR users x items matrix ``X`` such that the
    sparse product ``X[:, start:stop].T @ X`` holds at most ``block_bytes`` at ``bytes_per_pair``
    per item pair.  An item's pairs are bounded by the number of items and by the work of its
    row of the product (the items of each of its users); an item whose bound alone exceeds
    ``block_bytes`` is a block of its own.  Sparse items make wide blocks, popular ones narrow.
    """
    n_items = X.shape[1]
    row_lengths = np.diff(X.indptr)
    work = np.bincount(X.indices, weights=np.repeat(row_lengths, row_lengths), minlength=n_items)
    reach = np.cumsum(np.minimum(work, n_items) * float(bytes_per_pair))
    start = 0
    while start < n_items:
        before = reach[start - 1] if start else 0.0
        stop = max(int(np.searchsorted(reach, before + block_bytes, side="right")), start + 1)
        yield start, stop
        start = stop


def _gram(X, lambda_):
    """
    ``X'X + lambda_ I`` as a dense float32 array, for the float32 CSR users x items ``X``: the
    rows come from sparse blocks of at most ``_GRAM_BLOCK_BYTES``, written in place, so neither
    a float64 copy nor the whole sparse product is ever held next to it.
    """
    n_items = X.shape[1]
    gram = np.zeros((n_items, n_items), dtype=np.float32)
    by_item = X.T.tocsr()
    for start, stop in _item_blocks(X, _GRAM_BYTES_PER_PAIR, _GRAM_BLOCK_BYTES):
        (by_item[start:stop] @ X).toarray(out=gram[start:stop])  # adds to the zeros
    gram[np.diag_indices_from(gram)] += lambda_
    return gram


def _spd_inverse_in_place(matrix):
    """
    Overwrite the symmetric positive definite, C- or F-contiguous ``matrix`` with its inverse,
    by Cholesky (LAPACK potrf + potri) in its own precision and without an n x n copy: in
    float32 three times faster than ``np.linalg.inv`` in float64, with a relative error near
    1e-6 - far below what ranking notices.  False when ``matrix`` is not positive definite (it
    is then overwritten with garbage).
    """
    if not matrix.size:
        return True
    square = matrix.T if matrix.flags.c_contiguous else matrix  # Fortran order: LAPACK's own
    potrf, potri = get_lapack_funcs(("potrf", "potri"), (square,))
    factor, info = potrf(square, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        upper, info = potri(factor, lower=False, overwrite_c=True)
    if info != 0:
        return False
    if not np.shares_memory(upper, square):  # LAPACK could not work in place after all
        square[...] = upper
        del upper
    # potri wrote the upper triangle: mirror it onto the lower one, a strip of columns at a
    # time, so that the copies (numpy's of an overlapping source, the diagonal block's) stay
    # small: at most 2**20 values and 256 x 256.
    n = square.shape[0]
    strip = max(1, min(256, 2**20 // n))
    for start in range(0, n, strip):
        stop = min(start + strip, n)
        diagonal = square[start:stop, start:stop]
        diagonal[...] = np.triu(diagonal) + np.triu(diagonal, 1).T
        square[stop:, start:stop] = square[start:stop, stop:].T
    return True


class EASE(TopNMixin, AlgoBase):
    """
    Embarrassingly Shallow Autoencoder (Steck, 2019): an item-item weight matrix ``B`` with a
    zero diagonal, in closed form ``B = I - P / diag(P)`` with ``P = (X'X + lambda I)^-1``, on
    the binary user x item matrix ``X``.  Scores are ``X B``.

    ``lambda_`` is the L2 regularisation (tune it on a validation split).  Memory grows with the
    square of the items fitted (one float32 n x n array, inverted in place, plus the sparse
    input: 3,600 items ~50 MB, 20,000 items 1.6 GB, 61,000 items 15 GB) and time with their
    cube (3,600 items: under 2 s on two cores; 20,000 items: minutes).

    ``max_items`` bounds the items the closed form is fitted on: the ``max_items`` bought by the
    most users (ties to the lower inner id); the registry's default is 10,000 (a fit of a few
    tens of seconds here; time grows with the cube).  The other items are known but not modelled: they
    score 0.0, in ``score_matrix`` (always n_items wide) and ``estimate``, so that a blend ranks
    them by its other components.  When ``max_items`` is None and the training framework has
    set ``memory_budget_bytes`` (bytes; None: unbounded), the bound is lowered to the largest
    item count whose fit, as :meth:`estimate_bytes` counts it, fits the budget.
    """

    memory_budget_bytes = None  # set by the training framework before ``fit``

    def __init__(self, lambda_=400.0, binary=True, max_items=None):
        AlgoBase.__init__(self)
        self.lambda_ = lambda_
        self.binary = binary
        self.max_items = max_items

    def fit(self, trainset):
        super().fit(trainset)
        X = self.interactions().astype(np.float32)  # B's precision: scoring casts neither
        if self.binary:
            X.data[:] = 1.0
        n_users, n_items = X.shape
        fitted = self.fitted_items(n_users, n_items, X.nnz)
        self.items = self._column = None  # None: every item is fitted
        if fitted < n_items:
            # The most-bought items, by distinct users (X holds one entry per pair), ties to
            # the lower inner id.
            ranked = np.argsort(-X.getnnz(axis=0), kind="stable")
            self.items = np.sort(ranked[:fitted])
            self._column = np.full(n_items, -1, dtype=np.int64)
            self._column[self.items] = np.arange(fitted)
            X = X[:, self.items]
        self.X = X
        P = _gram(X, self.lambda_)
        if not _spd_inverse_in_place(P):  # not positive definite (lambda_ <= 0)
            P = np.linalg.inv(_gram(X, self.lambda_))
        P /= -np.diag(P)  # in place: B = I - P / diag(P), its diagonal zeroed below
        np.fill_diagonal(P, 0.0)
        self.B = P
        return self

    def fitted_items(self, n_users, n_items, n_ratings):
        """How many of ``n_items`` items ``fit`` models: at most ``max_items`` (None: all),
        and no more than the budget allows."""
        bound = n_items if self.max_items is None else max(0, min(self.max_items, n_items))
        if self.memory_budget_bytes is None:
            return bound
        low, high = 0, bound  # the fit's bytes grow with the items: bisect
        while low < high:
            middle = (low + high + 1) // 2
            if self._fit_bytes(n_users, n_items, n_ratings, middle) <= self.memory_budget_bytes:
                low = middle
            else:
                high = middle - 1
        return low

    def estimate_bytes(self, n_users, n_items, n_ratings):
        """Peak bytes of ``fit`` on ``n_ratings`` ratings by ``n_users`` users of ``n_items``
        items, with the item bound applied."""
        fitted = self.fitted_items(n_users, n_items, n_ratings)
        return self._fit_bytes(n_users, n_items, n_ratings, fitted)

    @staticmethod
    def _fit_bytes(n_users, n_items, n_ratings, fitted):
        # The ratings cached as float64, their float32 copy and (bounded) its fitted columns,
        # the items x users copy of those, the gram (inverted and scaled in place into B) and
        # one gram block; or the building of the cached ratings, if more.
        held = _csr_bytes(n_users, n_ratings) + _csr_bytes(n_users, n_ratings, 4)
        if fitted < n_items:
            held += _csr_bytes(n_users, n_ratings, 4)
        block = min(_GRAM_BLOCK_BYTES,
                    _GRAM_BYTES_PER_PAIR * _co_occurrences(n_users, fitted, n_ratings))
        fit = held + _csr_bytes(fitted, n_ratings, 4) + 4 * fitted * fitted + block
        return int(max(fit, _BUILD_BYTES_PER_RATING * n_ratings))

    def estimate(self, u, i):
        if not (self.trainset.knows_user(u) and self.trainset.knows_item(i)):
            raise PredictionImpossible("User or item unknown.")
        if self._column is not None:
            i = self._column[i]
            if i < 0:  # known, not among the fitted items
                return 0.0
        return float((self.X[u] @ self.B[:, i])[0])

    def score_matrix(self, users):
        scores = np.asarray(self.X[users] @ self.B)
        if self.items is None:
            return scores
        full = np.zeros((len(users), self.trainset.n_items), dtype=scores.dtype)
        full[:, self.items] = scores
        return full


class ItemKNN(TopNMixin, AlgoBase):
    """
    Item-based k nearest neighbours on co-occurrence: the cosine similarity of two items' binary
    user columns, each item keeping its ``k`` most similar items (``shrink`` damps pairs with
    few common users).  The score of item *i* for user *u* is the sum of the similarities
    between *i* and *u*'s items among *i*'s neighbours; 0 when none.

    The similarities are computed for blocks of items (:func:`item_neighbours`), never as an
    items x items matrix: memory grows with items x ``k`` plus ``block_bytes`` (bytes) of block
    temporaries, time with the item pairs that have a common user.
    """

    def __init__(self, k=100, shrink=0.0, block_bytes=ITEM_BLOCK_BYTES):
        AlgoBase.__init__(self)
        self.k = k
        self.shrink = shrink
        self.block_bytes = block_bytes

    def fit(self, trainset):
        super().fit(trainset)
        X = self.interactions().copy()
        X.data[:] = 1.0
        self.X = X.tocsr()
        self.S = item_neighbours(self.X, self.k, self.shrink, self.block_bytes)
        return self

    def estimate_bytes(self, n_users, n_items, n_ratings):
        """Peak bytes of ``fit`` on ``n_ratings`` ratings by ``n_users`` users of ``n_items``
        items: the cached ratings, their binary copy and its items x users copy, plus the
        largest of one block (with the neighbours of the blocks before it, 12 bytes each), the
        assembly of ``S`` from those and the blocks' bounds; or the building of the cached
        ratings, if more."""
        pairs = _co_occurrences(n_users, n_items, n_ratings)
        kept = min(n_items * min(self.k, max(n_items - 1, 0)), pairs)
        held = 2 * _csr_bytes(n_users, n_ratings) + _csr_bytes(n_items, n_ratings)
        block = _KNN_BYTES_PER_PAIR * pairs  # a single block holds its own neighbours
        if block > self.block_bytes:
            block = self.block_bytes + 12 * kept
        transient = max(block, 24 * kept, 24 * n_ratings)
        return int(max(held + transient, _BUILD_BYTES_PER_RATING * n_ratings))

    def estimate(self, u, i):
        if not (self.trainset.knows_user(u) and self.trainset.knows_item(i)):
            raise PredictionImpossible("User or item unknown.")
        return float(self.S[i].multiply(self.X[u]).sum())

    def score_matrix(self, users):
        return np.asarray((self.X[users] @ self.S.T).todense())


def item_neighbours(X, k, shrink=0.0, block_bytes=ITEM_BLOCK_BYTES):
    """
    Sparse items x items matrix whose row *i* holds item *i*'s ``k`` nearest neighbours: its
    ``k`` largest positive cosine similarities ``X_i . X_j / (|X_i| |X_j| + shrink)`` (j != i;
    ties go to the lower item id) between the columns of the sparse users x items ``X``.

    Computed for consecutive blocks of items from the sparse product ``X[:, block].T @ X``, so
    that no items x items matrix exists, dense or sparse: each block holds at most
    ``block_bytes`` (see :func:`_item_blocks`) and the result ``n_items x k`` entries.
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    n_items = X.shape[1]
    k = min(k, max(n_items - 1, 0))
    if k <= 0:
        return sp.csr_matrix((n_items, n_items))
    by_item = X.T.tocsr()  # items x users: a block's rows are slices of it
    norms = np.sqrt(np.asarray(by_item.multiply(by_item).sum(axis=1)).ravel())
    counts, columns, values = [], [], []
    for start, stop in _item_blocks(X, _KNN_BYTES_PER_PAIR, block_bytes):
        block = _top_k_cosine(by_item[start:stop] @ X, norms, start, k, shrink)
        for kept, part in zip((counts, columns, values), block, strict=True):
            kept.append(part)
    indptr = np.concatenate(([0], np.cumsum(np.concatenate(counts))))
    S = sp.csr_matrix((np.concatenate(values), np.concatenate(columns), indptr),
                      shape=(n_items, n_items))
    S.sort_indices()
    return S


def _top_k_cosine(dots, norms, start, k, shrink):
    """
    For the CSR block ``dots`` of item rows ``start...`` (``X_i . X_j`` of every pair with a
    common user, consumed in place), each row's ``k`` largest positive cosines, the diagonal
    left out: ``(per-row counts, columns, values)``, rows in order, the most similar first.
    """
    n_rows = dots.shape[0]
    rows = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(dots.indptr))
    denominator = norms[dots.indices]
    denominator *= norms[start : start + n_rows][rows]
    denominator += shrink
    denominator += 1e-12
    similarity = dots.data
    similarity /= denominator
    del denominator
    keep = similarity > 0
    keep &= dots.indices != rows + start  # an item is not its own neighbour
    rows, columns, similarity = rows[keep], dots.indices[keep], similarity[keep]
    del keep, dots
    order = np.lexsort((columns, -similarity, rows))  # by row, best first, lower id on ties
    columns, similarity = columns[order], similarity[order]
    del order
    per_row = np.bincount(rows, minlength=n_rows)
    del rows
    first = np.cumsum(per_row) - per_row
    top = np.arange(len(similarity)) - np.repeat(first, per_row) < k
    return np.minimum(per_row, k), columns[top], similarity[top]
