"""Query helpers for large id lists: SQLite caps the parameters of one query (32,766; 999 before
SQLite 3.32), so lists of ids are looked up and updated in chunks."""

from itertools import islice

CHUNK_SIZE = 900


def chunked(values, size=None):
    """Yield lists of at most ``size`` (default ``CHUNK_SIZE``) of ``values``."""
    size = size or CHUNK_SIZE
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookup(queryset, field, values, key="id"):
    """``{value: key}`` for the rows of ``queryset`` whose ``field`` is one of ``values``."""
    found = {}
    for chunk in chunked(values):
        found.update(queryset.filter(**{f"{field}__in": chunk}).values_list(field, key))
    return found


def existing(queryset, ids):
    """The ``ids`` that are still primary keys of ``queryset`` rows."""
    return set(lookup(queryset, "pk", ids, key="pk"))


def insert(model, objects, batch_size, progress=None):
    """Insert ``objects`` (any iterable, consumed lazily) in batches; yield them once saved."""
    iterator = iter(objects)
    while batch := list(islice(iterator, batch_size)):
        model.objects.bulk_create(batch, batch_size=batch_size)
        if progress is not None:
            progress(len(batch))
        yield from batch
