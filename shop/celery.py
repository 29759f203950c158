"""The shop's Celery application, configured from Django settings (``CELERY_*`` names)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders():
    """Create the folders of the embedded filesystem broker (and the shop's var/ dir) if missing."""
    from django.conf import settings

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_ready.connect
def check_health_on_start(sender, **kwargs):
    """Queue one health check as soon as a worker is ready, so its log shows the loop works."""
    sender.app.send_task("shop.health_check")
