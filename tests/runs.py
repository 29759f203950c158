"""Waiting for a background run that a real Celery worker carries out."""

import time


def finished(model, pk, log, timeout=300):
    """Run ``pk`` of ``model`` once it is no longer running (published or failed); the
    worker's ``log`` in the error when it is still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = model.objects.get(pk=pk)
        if run.status != model.RUNNING:
            return run
        time.sleep(0.5)
    raise AssertionError(f"{model.__name__} #{pk} still running:\n{log.read_text()[-4000:]}")
