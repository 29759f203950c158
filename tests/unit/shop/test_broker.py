"""The embedded broker writes whole messages only."""

import os

import pytest
from kombu import Connection

from shop.broker import Transport


def test_messages_appear_whole_and_round_trip(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with Connection(transport=Transport, transport_options=options) as conn:
        queue = conn.SimpleQueue("jobs")
        queue.put({"task": "shop.health_check", "n": 1})
        names = os.listdir(folder)
        # No partial file left behind; the message file is named for its queue.
        assert len(names) == 1 and names[0].endswith(".jobs.msg") and not names[0].startswith(".")
        message = queue.get(timeout=5)
        assert message.payload == {"task": "shop.health_check", "n": 1}
        message.ack()
        queue.close()
    assert os.listdir(folder) == []


def test_the_shop_uses_it_for_the_filesystem_broker(settings):
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("a broker server is configured")
    from shop.celery import app

    assert app.connection_for_write().transport_cls == "shop.broker:Transport"
