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


def enqueue(task, args=(), kwargs=None):
    """
    Queue ``task`` with ``args`` / ``kwargs``; returns the task id, or None when it was not
    queued (no broker configured, the broker unreachable or refusing): never raises.
    """
    app = task.app
    if not broker_url(app):
        logger.warning("%s not queued: no Celery broker is configured (CELERY_BROKER_URL).",
                       task.name)
        return None
    timeout = conf.ENQUEUE_TIMEOUT
    try:
        with app.connection_for_write(connect_timeout=timeout) as connection:
            # One attempt to connect, bounded by the timeout, instead of Celery's retry loop.
            connection.ensure_connection(max_retries=0, timeout=timeout)
            producer = app.amqp.Producer(connection)
            return task.apply_async(args, kwargs, producer=producer, retry=False).id
    except Exception:
        logger.exception("%s%r not queued: the broker did not take it.", task.name, tuple(args))
        return None


def enqueue_or_explain(task, kwargs, what):
    """For a management command's ``--enqueue``: the task id, or a ``CommandError`` saying
    that ``what`` could not be queued and how to run it instead."""
    from django.core.management.base import CommandError

    task_id = enqueue(task, kwargs=kwargs)
    if task_id is None:
        raise CommandError(f"The {what} task could not be queued (no broker configured or the "
                           "broker is down: see the log); run the command without --enqueue.")
    return task_id
