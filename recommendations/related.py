"""
Item-to-item lists: products related to a product, from behaviour or from the catalogue.

Pure functions over plain Python / numpy data (no ORM); ``training.py`` feeds them the event
log and the catalogue and publishes what they return: ``{product: [(product, score), ...]}``,
best first, never the product itself.

* :func:`co_occurrence` - items that share groups (shoppers or baskets) with an item.

  - ``measure="cosine"``: ``c_ij / sqrt(n_i n_j)`` ("customers who bought this also bought",
    "viewed this, viewed that"); a best-seller shared by everyone is damped by its own count.
  - ``measure="lift"``: ``c_ij N / (n_i n_j)``, how many times more often *i* and *j* share a
    group than if they were independent ("frequently bought together" within one basket).  It
    does not return best-sellers: a product in every basket has a lift of 1 with everything.

  ``c_ij`` = groups holding both, ``n_i`` = groups holding *i*, ``N`` = groups.  Pairs with
  fewer than ``min_support`` common groups are dropped: one shared basket proves nothing.

* :func:`catalogue_similarity` - TF-IDF cosine of titles and categories, for products nobody
  has bought or viewed yet.
"""

import re
from collections import Counter

import numpy as np
import scipy.sparse as sp

MEASURES = ("cosine", "lift")


def _index(values):
    index = {}
    for value in values:
        if value not in index:
            index[value] = len(index)
    return index


def co_occurrence(pairs, n=50, min_support=2, measure="cosine", chunk_size=2048):
    """
    ``{item: [(other item, score), ...]}`` from ``pairs`` of (group, item): the ``n`` items
    scoring highest with each item under ``measure`` (see the module docstring), among pairs
    with at least ``min_support`` common groups.  Items without such a pair are absent.
    """
    if measure not in MEASURES:
        raise ValueError(f"Unknown measure {measure!r}: one of {', '.join(MEASURES)}.")
    pairs = set(pairs)
    if not pairs:
        return {}
    groups = _index(g for g, _ in pairs)
    items = _index(i for _, i in pairs)
    rows = np.fromiter((groups[g] for g, _ in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((items[i] for _, i in pairs), dtype=np.int64, count=len(pairs))
    G = sp.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=(len(groups), len(items)))
    counts = np.asarray(G.sum(axis=0)).ravel()
    GT = G.T.tocsr()
    names = list(items)
    result = {}
    for start in range(0, len(names), chunk_size):
        stop = min(start + chunk_size, len(names))
        common = (GT[start:stop] @ G).tocoo()  # chunk x items, c_ij
        keep = (common.data >= min_support) & (common.row + start != common.col)
        i, j, c = common.row[keep] + start, common.col[keep], common.data[keep]
        if measure == "cosine":
            score = c / np.sqrt(counts[i] * counts[j])
        else:
            score = c * len(groups) / (counts[i] * counts[j])
        # Best first per item: sort by item, then score descending, then common groups.
        order = np.lexsort((-c, -score, i))
        i, j, score = i[order], j[order], score[order]
        bounds = np.flatnonzero(np.diff(i)) + 1
        for block_i, block_j, block_s in zip(np.split(i, bounds), np.split(j, bounds),
                                             np.split(score, bounds)):
            if len(block_i):
                result[names[block_i[0]]] = [
                    (names[other], float(value)) for other, value in zip(block_j[:n], block_s[:n])
                ]
    return result


TOKEN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def tokens(text):
    """Lower-cased words of two letters or more (numbers and sizes carry little meaning)."""
    return TOKEN.findall(text.lower())


def catalogue_similarity(products, n=50, category_weight=1.0, chunk_size=512):
    """
    ``{product: [(product, score), ...]}`` from ``products``: (id, title, category ids).

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
    result = {}
    for start in range(0, len(ids), chunk_size):
        block = (X[start : start + chunk_size] @ XT).toarray()
        block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = -1.0
        top = np.argpartition(-block, keep_n - 1, axis=1)[:, :keep_n]
        for r, candidates in enumerate(top):
            scores = block[r, candidates]
            order = np.argsort(-scores, kind="stable")
            ranked = [(ids[candidates[k]], float(scores[k])) for k in order if scores[k] > 1e-9]
            if ranked:
                result[ids[start + r]] = ranked
    return result
