"""Tasks of the shop itself: a health check that shows the worker is alive."""

import logging
import socket

from celery import shared_task
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="shop.health_check")
def health_check():
    """Touch the database from the worker and log a line; return what was checked."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    report = {
        "status": "ok",
        "worker": socket.gethostname(),
        "database": connection.vendor,
        "checked_at": timezone.now().isoformat(),
    }
    logger.info("Health check: worker %(worker)s reached the %(database)s database", report)
    return report
