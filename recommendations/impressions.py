"""
Impressions: how many times each block of each published version was shown on a served page,
so that the dashboard can put clicks over impressions (click-through rate).

A counter, not an event: rendering a block adds one to this process's tally of
``(day, block, version)`` (:func:`count`, a dictionary under a lock: no cache or database round
trip on the page), and the tally is added to :class:`~recommendations.models.BlockImpression`
rows at most every ``RECOMMENDATIONS_IMPRESSION_FLUSH_SECONDS``, after a response has been sent
(:meth:`.middleware.TrackingContext.call_after_response`), and when the process exits.  A
process killed outright loses at most that many seconds of its impressions; a write is one
transaction, and a failed one keeps the whole tally for the next flush.

Impressions are counted where clicks are recorded: not for bots, opted-out shoppers or browsers
that ask not to be tracked (:attr:`.middleware.TrackingContext.skip`), so that clicks over
impressions compares like with like.  A block that filled its list from its fallback (the
"Trending now" items of "Recommended for you") counts an impression of each block its items'
links credit.  Counts hold no shopper: they are not personal data.
"""

import atexit
import logging
import threading
import time
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from . import conf
from .middleware import context_for
from .models import BlockImpression

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_tally = Counter()  # (day, block, version id or 0) -> impressions not yet written
_flushed_at = time.monotonic()


def sources(shown):
    """The ``(block, version)`` pairs credited by the items of rendered blocks: ``shown`` is
    ``[(block, items)]`` as the partials get it."""
    return tuple(sorted({(item.block, item.version or 0) for _block, items in shown
                         for item in items}))


def count(request, shown_sources):
    """One impression of each of ``shown_sources`` on ``request``'s page (unless the request is
    not tracked); schedules a flush after the response when one is due."""
    if not shown_sources:
        return
    context = context_for(request)
    if context.skip:
        return
    day = timezone.localdate()
    with _lock:
        for block, version in shown_sources:
            _tally[(day, block, version)] += 1
        due = time.monotonic() - _flushed_at >= conf.IMPRESSION_FLUSH_SECONDS
    if due:
        context.call_after_response(flush)


def pending():
    """This process's impressions not yet written, ``{(day, block, version): n}``."""
    with _lock:
        return dict(_tally)


def forget():
    """Drop this process's tally unwritten (as a new process would start)."""
    with _lock:
        _tally.clear()


def flush():
    """Add this process's tally to the stored counts; returns the impressions written.  A
    failure is logged and the tally kept for the next flush."""
    global _flushed_at
    with _lock:
        tally = dict(_tally)
        _tally.clear()
        _flushed_at = time.monotonic()
    if not tally:
        return 0
    try:
        _write(tally)
    except Exception:
        logger.exception("Could not store %d recommendation impressions; kept for the next "
                         "flush", sum(tally.values()))
        with _lock:
            _tally.update(tally)
        return 0
    return sum(tally.values())


@transaction.atomic  # all or nothing: a tally kept after a failure is added once
def _write(tally):
    for (day, block, version), n in sorted(tally.items()):
        rows = BlockImpression.objects.filter(day=day, block=block, version_id=version)
        if rows.update(count=F("count") + n):
            continue
        try:
            with transaction.atomic():
                BlockImpression.objects.create(day=day, block=block, version_id=version,
                                               count=n)
        except IntegrityError:  # another process created the row first
            rows.update(count=F("count") + n)


def totals(since=None):
    """Stored impressions per ``(block, version or None)`` since the day ``since`` (a date)."""
    rows = BlockImpression.objects.all()
    if since is not None:
        rows = rows.filter(day__gte=since)
    return {(block, version or None): n for block, version, n in
            rows.values_list("block", "version_id").annotate(n=Sum("count"))
            .values_list("block", "version_id", "n")}


atexit.register(flush)
