"""
Queueing Celery tasks from a shopper's request without ever costing it: one bounded attempt,
no retry loop, a clear log line when the task cannot be queued.

Celery's ``delay()`` retries a failed publish (and, with no broker configured, publishes to a
default ``amqp://localhost``); after a committed order that adds seconds to the checkout while
the broker is down.  :func:`enqueue` connects with ``OSCAR_INSIGHTS_ENQUEUE_TIMEOUT`` seconds at
most, tries once, and gives up.  Whatever it drops, the next nightly run does anyway.
"""

import logging

from . import conf

logger = logging.getLogger(__name__)


def broker_url(app=None):
    """The broker the Celery app publishes to, or None when none is configured."""
    if app is None:
        from celery import current_app as app
    return app.conf.broker_write_url or app.conf.broker_url or None


def _queue(task, args, kwargs):
    """``(task id or None, why not)``: one bounded attempt (the module docstring)."""
    from kombu.exceptions import OperationalError
    from kombu.utils.url import maybe_sanitize_url

    app = task.app
    url = broker_url(app)
    if not url:
        return None, "no Celery broker is configured (CELERY_BROKER_URL)"
    timeout = conf.ENQUEUE_TIMEOUT
    try:
        with app.connection_for_write(connect_timeout=timeout) as connection:
            # One attempt to connect, bounded by the timeout, instead of Celery's retry loop.
            connection.ensure_connection(max_retries=0, timeout=timeout)
            producer = app.amqp.Producer(connection)
            return task.apply_async(args, kwargs, producer=producer, retry=False).id, ""
    except (OSError, OperationalError) as exc:  # refused, timed out, unknown host...
        return None, f"the broker at {maybe_sanitize_url(url)} is unreachable ({exc})"
    except Exception as exc:
        logger.exception("%s%r not queued: the broker did not take it.", task.name, tuple(args))
        return None, f"the broker did not take it ({type(exc).__name__}: {exc})"


def enqueue(task, args=(), kwargs=None):
    """
    Queue ``task`` with ``args`` / ``kwargs``; returns the task id, or None when it was not
    queued (no broker configured, the broker unreachable or refusing), logged in one line:
    never raises.
    """
    task_id, why = _queue(task, args, kwargs)
    if task_id is None:
        logger.warning("%s%r not queued: %s.", task.name, tuple(args), why)
    return task_id


def enqueue_or_explain(task, kwargs, what):
    """For a management command's ``--enqueue``: the task id, or a ``CommandError`` saying
    why ``what`` could not be queued and how to run it instead."""
    from django.core.management.base import CommandError

    task_id, why = _queue(task, (), kwargs)
    if task_id is None:
        raise CommandError(f"The {what} task could not be queued: {why}.  Start the broker, "
                           "or run the command without --enqueue to do the work here.")
    return task_id
