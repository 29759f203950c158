"""
The life of a background run (:class:`~oscar_insights.models.BackgroundRun`): take the lock,
report progress, fail or publish, prune.  The same behaviour for every run model:

* :func:`acquire` creates a *running* run and the model's :class:`RunLock` row in one
  transaction; a second run gets :class:`RunInProgress`.  A holder without progress for
  ``timeout`` seconds (a killed worker) is declared dead first: failed, its results deleted;
* :class:`Progress` records stage, percentage and heartbeat, and raises :class:`RunAborted` when
  the run was declared dead meanwhile, so a run that wakes up cannot go on;
* :func:`publish` makes the run current and the previous one superseded in one transaction,
  only while the run still holds the lock, then releases it;
* :func:`attempt` fails the run on any error, ``KeyboardInterrupt`` and Celery's time limits
  included: the error is stored, the results deleted, the lock released, the current run left
  serving;
* :func:`prune` deletes superseded and failed runs beyond the newest few.
"""

import logging
import time
import traceback
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import BackgroundRun, RunLock

logger = logging.getLogger(__name__)


class RunInProgress(Exception):
    """Another run of the same kind holds the lock."""


class RunAborted(Exception):
    """The run lost its lock (declared dead after the timeout) and must not publish."""


def _name(model):
    return model._meta.label_lower


def label(run):
    return f"{type(run)._meta.verbose_name.capitalize()} #{run.pk}"


def acquire(model, trigger="", timeout=3 * 3600):
    """A new run of ``model`` holding the lock, or :class:`RunInProgress`."""
    name = _name(model)
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                run = model.objects.create(trigger=trigger[:32], started_at=now, heartbeat_at=now)
                RunLock.objects.create(name=name, run_id=run.pk, acquired_at=now)
            return run
        except IntegrityError:
            lock = RunLock.objects.filter(name=name).first()
            if lock is None:  # released meanwhile
                continue
            holder = model.objects.filter(pk=lock.run_id).first()
            alive = (holder is not None and holder.status == BackgroundRun.RUNNING
                     and holder.heartbeat_at >= now - timedelta(seconds=timeout))
            if alive:
                raise RunInProgress(
                    f"{label(holder)} is still running ({holder.stage or 'starting'}, "
                    f"{holder.progress} %), started {holder.started_at:%Y-%m-%d %H:%M:%S %Z}."
                ) from None
            if holder is not None:
                fail(holder, f"Interrupted: no progress since "
                             f"{holder.heartbeat_at:%Y-%m-%d %H:%M:%S %Z} "
                             f"(stage: {holder.stage or 'starting'}).")
            RunLock.objects.filter(name=name, run_id=lock.run_id).delete()
    raise RunInProgress(f"Another {model._meta.verbose_name} holds the lock.")


def fail(run, error):
    """Mark ``run`` failed with ``error`` if it is still running, delete its results (also when
    it was failed already) and release its lock.  A run that was published is never emptied.
    Returns whether this call failed it."""
    model = type(run)
    failed = model.objects.filter(pk=run.pk, status=BackgroundRun.RUNNING).update(
        status=BackgroundRun.FAILED, error=error, finished_at=timezone.now())
    # Also when another process failed it first (declared dead): what it wrote since goes too.
    if failed or model.objects.filter(pk=run.pk, status=BackgroundRun.FAILED).exists():
        model.delete_results([run.pk])
    RunLock.objects.filter(name=_name(model), run_id=run.pk).delete()
    return bool(failed)


def describe(exc):
    """The error text stored on a failed run: the exception, then the end of its traceback."""
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return f"{detail}\n\n{traceback.format_exc()[-4000:]}"


@contextmanager
def attempt(run):
    """Fail ``run`` (and re-raise) on any exception raised inside the block."""
    try:
        yield run
    except BaseException as exc:  # KeyboardInterrupt and Celery's time limits included
        fail(run, describe(exc))
        raise


class Progress:
    """
    ``progress(percent, stage)`` records the stage, percentage and heartbeat on the run (and
    tells ``callback(percent, stage)``); ``progress.heartbeat(detail)`` only refreshes the
    heartbeat within the stage.  ``timings`` holds each finished stage's seconds.
    """

    def __init__(self, run, callback=None):
        self.run = run
        self.callback = callback
        self.timings = {}
        self._stage = None
        self._started = time.perf_counter()

    def __call__(self, percent, stage):
        now = time.perf_counter()
        if self._stage:
            self.timings[self._stage] = round(now - self._started, 2)
        self._stage, self._started = stage, now
        self._record(percent, stage)
        if self.callback:
            self.callback(percent, stage)

    def heartbeat(self, detail):
        # A part of a fanned-out run heartbeats under the run's stage ("3 of 5 parts done").
        stage = (self._stage or self.run.stage or "working").split(":")[0]
        self._record(self.run.progress, f"{stage}: {detail}")

    def _record(self, percent, stage):
        model = type(self.run)
        updated = model.objects.filter(pk=self.run.pk, status=BackgroundRun.RUNNING).update(
            progress=percent, stage=stage[:128], heartbeat_at=timezone.now())
        if not updated:
            raise RunAborted(f"{label(self.run)} lost its lock (declared dead).")
        self.run.progress, self.run.stage = percent, stage
        logger.info("%s: %s %%, %s", label(self.run), percent, stage)


def publish(run, prepare=None, **fields):
    """
    Make ``run`` current (with ``fields`` saved on it) and the previous current run
    superseded, in one transaction, and release the lock.  ``prepare()``, if given, runs first
    in the same transaction and may return more fields.  :class:`RunAborted` when the run no
    longer holds the lock: nothing changes.
    """
    model = type(run)
    with transaction.atomic():
        held = RunLock.objects.select_for_update().filter(name=_name(model), run_id=run.pk)
        if not held.exists():
            raise RunAborted(f"{label(run)} lost its lock (declared dead).")
        if prepare is not None:
            fields.update(prepare() or {})
        now = timezone.now()
        model.objects.filter(status=BackgroundRun.CURRENT).update(
            status=BackgroundRun.SUPERSEDED)
        published = model.objects.filter(pk=run.pk, status=BackgroundRun.RUNNING).update(
            status=BackgroundRun.CURRENT, progress=100, stage="published", heartbeat_at=now,
            finished_at=now, **fields)
        if published != 1:  # declared dead meanwhile: roll the switch back
            raise RunAborted(f"{label(run)} lost its lock (declared dead).")
        held.delete()
    run.refresh_from_db()
    return run


def current(model):
    """The current run of ``model``, or None."""
    return model.objects.filter(status=BackgroundRun.CURRENT).order_by("-started_at", "-id").first()


def prune(model, keep):
    """
    Delete superseded runs beyond the newest ``keep`` (at least 1) and failed runs beyond the
    newest ``keep`` (kept for their errors), results first; the current and running runs always
    stay.  Returns the number of runs deleted.
    """
    keep = max(int(keep), 1)
    doomed = []
    for status in (BackgroundRun.SUPERSEDED, BackgroundRun.FAILED):
        ids = list(model.objects.filter(status=status).order_by("-started_at", "-id")
                   .values_list("pk", flat=True))
        doomed += ids[keep:]
    if doomed:
        model.delete_results(doomed)
        model.objects.filter(pk__in=doomed).delete()
    return len(doomed)
