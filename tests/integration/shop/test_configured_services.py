"""The services chosen by environment variables are the ones the shop really talks to."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection


@pytest.mark.skipif("REDIS_URL" not in os.environ, reason="runs in the PostgreSQL + Redis pass")
def test_cache_lives_in_redis():
    import redis

    cache.set("shop-test-key", {"answer": 42}, timeout=30)
    assert cache.get("shop-test-key") == {"answer": 42}
    server = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert any(b"shop-test-key" in key for key in server.scan_iter("*shop-test-key*"))
    cache.delete("shop-test-key")


@pytest.mark.django_db
def test_database_is_the_configured_engine():
    url = os.environ.get("DATABASE_URL", "sqlite://")
    assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")


def test_embedded_default_needs_no_broker_server():
    url = os.environ.get("CELERY_BROKER_URL")
    if url:
        assert settings.CELERY_BROKER_URL == url
    else:
        assert settings.CELERY_BROKER_URL == "filesystem://"
        assert os.path.isdir(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
