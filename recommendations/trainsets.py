"""
A Surprise ``Trainset`` held as one sparse matrix: what every algorithm is fitted on.

Surprise's own trainset keeps each rating twice as Python tuples (``ur`` and ``ir``, about 200
bytes per rating); :class:`MatrixTrainset` keeps a users x items CSR matrix of the ratings
(12 bytes per rating) and gives ``ur`` / ``ir`` as read-only mappings that build a user's or an
item's list when asked, so Surprise's algorithms (SVD, the k-NN family) run on it unchanged
while ours read :attr:`MatrixTrainset.matrix` directly.  Users and items are numbered in the
order of their first rating, as Surprise numbers them.

The event log it was built from rides along (``trainset.log``, ``trainset.now``) for the
algorithms that weigh time themselves; a pickled trainset (the saved model) leaves it out.
"""

from collections.abc import Mapping
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp
from surprise import Trainset


class _Lists(Mapping):
    """``{row: [(column, value), ...]}`` of a CSR matrix (or of the transpose of
    ``transpose_of``), each list built when asked."""

    def __init__(self, matrix=None, transpose_of=None):
        self._matrix, self._of = matrix, transpose_of

    @property
    def _matrix(self):
        if self._csr is None:  # the items' lists: the transpose, built on first use
            self._csr, self._of = self._of.T.tocsr(), None
        return self._csr

    @_matrix.setter
    def _matrix(self, matrix):
        self._csr = matrix

    def __getitem__(self, row):
        if not (isinstance(row, int | np.integer) and 0 <= row < self._matrix.shape[0]):
            raise KeyError(row)
        start, end = self._matrix.indptr[row], self._matrix.indptr[row + 1]
        return list(zip(self._matrix.indices[start:end].tolist(),
                        self._matrix.data[start:end].tolist(), strict=True))

    def __iter__(self):
        return iter(range(self._matrix.shape[0]))

    def __len__(self):
        return self._matrix.shape[0]


class MatrixTrainset(Trainset):
    """
    ``matrix``: users x items CSR of ratings (inner ids); ``users`` / ``items``: the raw id of
    each inner id.  ``log`` / ``now`` / ``user_of_code`` / ``item_of_code``: the event log
    and, per code of its shoppers and items, the inner id (-1: not in the trainset).
    """

    def __init__(self, matrix, users, items, rating_scale, log=None, now=None,
                 user_of_code=None, item_of_code=None):
        self.matrix = sp.csr_matrix(matrix, dtype=np.float64)
        self.matrix.sort_indices()
        self.users, self.items = list(users), list(items)
        super().__init__(None, None, len(self.users), len(self.items), self.matrix.nnz,
                         tuple(rating_scale), None, None)
        self.log, self.now = log, now
        self.user_of_code, self.item_of_code = user_of_code, item_of_code
        self._index()

    def _index(self):
        self.ur = _Lists(self.matrix)
        self.ir = _Lists(transpose_of=self.matrix)
        self._raw2inner_id_users = {raw: inner for inner, raw in enumerate(self.users)}
        self._raw2inner_id_items = {raw: inner for inner, raw in enumerate(self.items)}

    def __getstate__(self):
        return {"matrix": self.matrix, "users": self.users, "items": self.items,
                "rating_scale": self.rating_scale, "now": self.now}

    def __setstate__(self, state):
        self.__init__(state["matrix"], state["users"], state["items"], state["rating_scale"],
                      now=state["now"])

    def to_raw_uid(self, iuid):
        try:
            return self.users[iuid]
        except (IndexError, TypeError):
            raise ValueError(f"{iuid} is not a valid inner id.") from None

    def to_raw_iid(self, iiid):
        try:
            return self.items[iiid]
        except (IndexError, TypeError):
            raise ValueError(f"{iiid} is not a valid inner id.") from None

    def all_ratings(self, batch=65_536):
        """``(user, item, rating)`` of every rating, made ``batch`` at a time (Surprise's SVD
        reads them once per epoch: never a Python object per rating all at once)."""
        coo = self.matrix.tocoo()
        for start in range(0, coo.nnz, batch):
            end = start + batch
            yield from zip(coo.row[start:end].tolist(), coo.col[start:end].tolist(),
                           coo.data[start:end].tolist(), strict=True)

    @cached_property
    def global_mean(self):
        # Read by every batch of scores: once, not a pass over every rating per batch.
        return float(self.matrix.data.mean()) if self.matrix.nnz else 0.0


def from_pairs(log, pairs, rating_scale, now=None):
    """A :class:`MatrixTrainset` of the rating :class:`~.eventlog.Pairs` of ``log`` (codes of
    its labels), users and items numbered in the order the pairs come."""
    user_inner, user_codes = pd.factorize(pairs.shopper)
    item_inner, item_codes = pd.factorize(pairs.item)
    shape = (len(user_codes), len(item_codes))
    matrix = sp.csr_matrix((pairs.value, (user_inner, item_inner)), shape=shape)
    user_of_code = np.full(len(log.shoppers), -1, dtype=np.int64)
    user_of_code[user_codes] = np.arange(len(user_codes))
    item_of_code = np.full(len(log.items), -1, dtype=np.int64)
    item_of_code[item_codes] = np.arange(len(item_codes))
    shoppers = np.asarray(log.shoppers, dtype=object)
    items = pd.Index(log.items)[item_codes].tolist()
    return MatrixTrainset(matrix, shoppers[user_codes].tolist(), items, rating_scale, log,
                          now if now is not None else log.now, user_of_code, item_of_code)
