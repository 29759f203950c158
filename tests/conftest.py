"""Fixtures shared by the unit, integration and functional tests."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings

from oscar_insights.importing import import_order_history

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_process_memory():
    """Each test starts as a new web process would: nothing in the blocks' local memory (a
    fragment or version of an earlier test would otherwise outlive its rolled-back rows) and
    no impression waiting to be written (it would be added to this test's database)."""
    from django.apps import apps

    if apps.is_installed("recommendations"):
        from recommendations import fragments, impressions

        fragments.forget_local()
        impressions.forget()


@pytest.fixture
def small_history_path():
    """The hand-made order history whose expected import is worked out in the tests."""
    return FIXTURES / "order_history_small.csv"


@pytest.fixture
def break_shop(db, tmp_path, django_capture_on_commit_callbacks):
    """Twenty steady sellers, one whose demand jumped lately and one whose demand stopped
    (:func:`tests.factories.write_break_history`), 500 of each in stock; ``{sku: stock record
    id}``."""
    from oscar.core.loading import get_model

    from tests.factories import write_break_history

    with django_capture_on_commit_callbacks(execute=True):
        import_order_history(write_break_history(tmp_path / "sales.csv"))
    StockRecord = get_model("partner", "StockRecord")
    StockRecord.objects.update(num_in_stock=500, num_allocated=0)
    return {r.partner_sku: r.pk for r in StockRecord.objects.all()}


@pytest.fixture
def imported_history(db, small_history_path, django_capture_on_commit_callbacks):
    """The small order history, imported (and its on-commit work done); returns the report."""
    with django_capture_on_commit_callbacks(execute=True):
        return import_order_history(small_history_path)


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user(
        username="staff", email="staff@example.com", password="pw", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    return client


def _database_url():
    """A URL for the test database that the current test process uses."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path, request):
    """
    A real ``celery -A shop worker`` process on the test database and the configured broker.

    Yields the path of the worker's log file.  The worker uses the shop's own settings module,
    pointed at the test database; tests must use committed data (``transactional_db``).
    ``@pytest.mark.worker_env(NAME="value")`` adds environment variables for the worker.
    """
    marker = request.node.get_closest_marker("worker_env")
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "SHOP_VAR_DIR": str(settings.VAR_DIR),
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **(marker.kwargs if marker else {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "shop", "worker",
        "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
        "--hostname", f"test-worker-{os.getpid()}@%h",
    ]
    current_app.control.purge()  # no task queued by an earlier test reaches this worker
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def broker_down(monkeypatch):
    """The shop's Celery app pointed at a local port nothing listens on."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its conf
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in (("broker_url", f"redis://127.0.0.1:{port}/0"),
                        ("broker_write_url", None), ("broker_transport", None)):
        monkeypatch.setitem(current_app.conf, name, value)


@pytest.fixture
def no_broker(monkeypatch):
    """As in a shop that configured no broker at all."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its conf
    for name in ("broker_url", "broker_write_url", "broker_transport"):
        monkeypatch.setitem(current_app.conf, name, None)


@pytest.fixture
def purge_broker():
    """Tasks the test queues on the real broker without a worker are dropped afterwards."""
    yield
    current_app.control.purge()
