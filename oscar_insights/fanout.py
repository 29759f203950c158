"""
Runs that fan out over Celery workers: a :class:`~oscar_insights.models.BackgroundRun` split
into parts (:class:`~oscar_insights.models.RunPart` rows, made when the run starts), each part
a Celery task, the run finished by the body of a chord once every part is in.

* :func:`dispatch` sends the parts as a group and the finishing task as the chord's body.
  Celery counts the parts in the result backend; without one (``CELERY_RESULT_BACKEND`` unset)
  or without a broker, nothing is sent and the caller does the parts in-process, one after
  another, the way the management commands always do: the same functions, the same results;
* :func:`perform` does one part: it records the attempt, does the work, and marks the part
  done (with its seconds and worker) and the run's progress.  An error on the part's last
  attempt fails the whole run (:func:`oscar_insights.runs.fail`: its results deleted, the
  current run left serving); a part of a run that is no longer running does nothing;
* :func:`attempt` is the body of a part's Celery task: :func:`perform`, retried with an
  exponential back-off.

Parts are idempotent: a part redelivered after its worker died (the tasks acknowledge late)
is done again and overwrites what it wrote.  Which worker does which part changes nothing in
what the run publishes: a part's result depends on its input only, and the run is finished
from the parts in their order.
"""

import logging
import os
import socket
import time

from django.utils import timezone

from . import runs
from .background import broker_url
from .models import BackgroundRun, RunPart

logger = logging.getLogger(__name__)


def can_dispatch(app):
    """Whether the Celery ``app`` can run a chord: a broker and a result backend."""
    from celery.backends.base import DisabledBackend

    return bool(broker_url(app)) and not isinstance(app.backend, DisabledBackend)


def dispatch(part_task, finish_task, run, count):
    """
    Send parts ``0 … count - 1`` of ``run`` (``part_task(run.pk, index)``) as a chord whose
    body is ``finish_task(run.pk)``; True once sent.  False, sending nothing, when the Celery
    app cannot run a chord (:func:`can_dispatch`) or there is no part.
    """
    from celery import chord

    if count == 0 or not can_dispatch(part_task.app):
        return False
    chord(part_task.si(run.pk, index) for index in range(count))(finish_task.si(run.pk))
    return True


def fan_out(run, count, part_task, finish_task, perform):
    """
    The body of a run's Celery task once the run has started with ``count`` parts: send them
    as a chord (:func:`dispatch`) and report so, or, when the app cannot run one, do every
    part here (``perform(run.pk, index)``) and return what ``finish_task`` returns.  A chord
    that cannot be sent fails the run.
    """
    with runs.attempt(run):
        sent = dispatch(part_task, finish_task, run, count)
    if sent:
        return {"run": run.pk, "parts": count, "dispatched": True}
    for index in range(count):
        perform(run.pk, index)
    return finish_task.run(run.pk)


def perform(part_model, run_id, index, work, last_attempt=True, callback=None,
            progress=(2, 72)):
    """
    Do part ``index`` of run ``run_id``: ``work(part)`` computes and stores the part's result
    on ``part`` (and saves it).  Returns the part, done.  ``progress``: the run's percentages
    as its first and its last part are done; ``callback(percent, stage)`` is told.  Raises
    :class:`~oscar_insights.runs.RunAborted` when the run is no longer running; re-raises the
    error of ``work`` (on the ``last_attempt`` the run is failed first).
    """
    part = part_model.objects.select_related("run").filter(run_id=run_id, index=index).first()
    if part is None:  # deleted with the results of a failed (or pruned) run
        run_model = part_model._meta.get_field("run").related_model
        run = run_model.objects.filter(pk=run_id).first()
        raise runs.RunAborted(f"{runs.label(run) if run else f'Run #{run_id}'} is "
                              f"{run.status if run else 'deleted'}: its parts are not done.")
    run = part.run
    if run.status != BackgroundRun.RUNNING:
        raise runs.RunAborted(f"{runs.label(run)} is {run.status}: its parts are not done.")
    total = part_model.objects.filter(run_id=run_id).count()
    what = f"{part_model._meta.verbose_name.capitalize()} {index + 1} of {total}"
    part.attempts += 1
    part.worker = f"{socket.gethostname()}:{os.getpid()}"
    part.save(update_fields=["attempts", "worker"])
    started = time.perf_counter()
    try:
        work(part)
    except Exception as exc:
        part.status = RunPart.FAILED if last_attempt else RunPart.PENDING
        part.error = runs.describe(exc)
        part.save(update_fields=["status", "error"])
        if last_attempt:
            runs.fail(run, f"{what} failed after {part.attempts} attempt"
                           f"{'s' if part.attempts > 1 else ''}: {runs.describe(exc)}")
        else:
            logger.warning("%s of %s failed (attempt %s), to be retried: %s", what,
                           runs.label(run), part.attempts, exc)
        raise
    part.status, part.error = RunPart.DONE, ""
    part.seconds = round(time.perf_counter() - started, 3)
    part.finished_at = timezone.now()
    part.save(update_fields=["status", "error", "seconds", "finished_at"])
    done = part_model.objects.filter(run_id=run_id, status=RunPart.DONE).count()
    first, last = progress
    runs.Progress(run, callback)(first + (last - first) * done // max(total, 1),
                                 f"{done:,} of {total:,} parts done")
    return part


def attempt(task, perform, run_id, index, retries):
    """
    The body of a part's Celery task (``bind=True``): ``perform(run_id, index, last_attempt)``
    (an app's function over :func:`perform`), retried with back-off (5 s, 10 s, 20 s … at most
    5 min) up to ``retries`` times.  Returns what the task reports: the part's seconds, or why
    it was skipped.
    """
    last = task.request.retries >= retries
    try:
        part = perform(run_id, index, last_attempt=last)
    except runs.RunAborted as exc:
        return {"skipped": str(exc)}
    except Exception as exc:
        if last:
            raise
        raise task.retry(exc=exc, countdown=min(5 * 2 ** task.request.retries, 300),
                         max_retries=retries)
    return {"run": run_id, "part": index, "seconds": part.seconds}


def parts_missing(part_model, run):
    """The indexes of ``run``'s parts not done: the run must not be finished.  Raises
    :class:`~oscar_insights.runs.RunAborted` when the run is no longer running (a part failed
    for good: the chord's body has nothing to finish)."""
    run.refresh_from_db(fields=["status"])
    if run.status != BackgroundRun.RUNNING:
        raise runs.RunAborted(f"{runs.label(run)} is {run.status}: it cannot be finished.")
    return list(part_model.objects.filter(run=run).exclude(status=RunPart.DONE)
                .values_list("index", flat=True))
