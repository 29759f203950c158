"""
Item-to-item lists from the catalogue (the lists from behaviour are :mod:`.measures`').

Pure functions over plain Python / numpy data (no ORM); ``training.py`` feeds them the
catalogue and publishes what they return: ``{product: [(product, score), ...]}``, best first,
never the product itself.

* :func:`catalogue_similarity` - TF-IDF cosine of titles and categories, for products nobody
  has bought or viewed yet.
"""

import re
from collections import Counter

import numpy as np
import scipy.sparse as sp

from .measures import RankedLists


def _index(values):
    index = {}
    for value in values:
        if value not in index:
            index[value] = len(index)
    return index


TOKEN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def tokens(text):
    """Lower-cased words of two letters or more (numbers and sizes carry little meaning)."""
    return TOKEN.findall(text.lower())


def catalogue_similarity(products, n=50, category_weight=1.0, chunk_size=512):
    """
    ``{product: [(product, score), ...]}`` (:class:`~.measures.RankedLists`) from
    ``products``: (id, title, category ids).

    Each product is a TF-IDF vector (smoothed idf, L2-normalised) of its title words plus one
    term per category (times ``category_weight``); the score is the cosine.  Products sharing
    nothing score 0 and are left out.
    """
    products = list(products)
    if len(products) < 2:
        return {}
    documents = [
        Counter(tokens(title)) + Counter({f"#category:{c}": category_weight for c in categories})
        for _id, title, categories in products
    ]
    vocabulary = _index(term for doc in documents for term in doc)
    df = np.zeros(len(vocabulary))
    rows, cols, vals = [], [], []
    for r, doc in enumerate(documents):
        for term, tf in doc.items():
            col = vocabulary[term]
            df[col] += 1
            rows.append(r)
            cols.append(col)
            vals.append(tf)
    idf = np.log((1 + len(documents)) / (1 + df)) + 1
    X = sp.csr_matrix((vals, (rows, cols)), shape=(len(documents), len(vocabulary)))
    X = X @ sp.diags(idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1 / np.where(norms > 0, norms, 1)) @ X
    XT = X.T.tocsc()
    ids = [product_id for product_id, _t, _c in products]
    keep_n = min(n, len(ids) - 1)
    codes = np.full((len(ids), keep_n), -1, dtype=np.int32)
    values = np.zeros((len(ids), keep_n))
    for start in range(0, len(ids), chunk_size):
        block = (X[start : start + chunk_size] @ XT).toarray()
        block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = -1.0
        top = np.argpartition(-block, keep_n - 1, axis=1)[:, :keep_n]
        scores = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-scores, axis=1, kind="stable")
        top, scores = np.take_along_axis(top, order, axis=1), np.take_along_axis(scores, order,
                                                                                 axis=1)
        stop = start + block.shape[0]
        codes[start:stop] = np.where(scores > 1e-9, top, -1)
        values[start:stop] = np.where(scores > 1e-9, scores, 0.0)
    return RankedLists(ids, codes, values)
