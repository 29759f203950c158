"""
The shop's settings for a Celery worker started by a test (``celery_worker_process`` with
``@pytest.mark.worker_env(DJANGO_SETTINGS_MODULE="tests.worker_settings")``): forecast runs of
one stock record per chunk, retried once, and the failing forecasters of ``tests.forecasters``
(the method from ``TEST_FORECAST_METHOD``); training runs ranking 50 shoppers per chunk.
"""

import os

from inventory_forecast.conf import DEFAULTS as _FORECAST_DEFAULTS
from shop.settings import *  # noqa: F403

INVENTORY_FORECAST_CHUNK_SIZE = 1
INVENTORY_FORECAST_CHUNK_RETRIES = 1
INVENTORY_FORECAST_FORECASTERS = {
    **_FORECAST_DEFAULTS["FORECASTERS"],
    "broken_on_peaks": {"class": "tests.forecasters.BrokenOnPeaks",
                        "params": {"window_size": 4}},
    "fails_once": {"class": "tests.forecasters.FailsOnce", "params": {"window_size": 4}},
}
INVENTORY_FORECAST_METHOD = os.environ.get("TEST_FORECAST_METHOD", "learnt_combination")

RECOMMENDATIONS_RANK_CHUNK_SIZE = 50
