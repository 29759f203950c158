""""Run forecast now" on the risk list: queued on the broker, followed through the progress
JSON, refused with the reason when the broker is down or a run is already going."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from inventory_forecast.forecasting import run_forecasts
from inventory_forecast.models import ForecastRun
from tests.functional.inventory_forecast.conftest import TODAY

pytestmark = pytest.mark.django_db

RUN = reverse("dashboard:inventory-forecast-run")
PROGRESS = reverse("dashboard:inventory-forecast-run-progress")
LIST = reverse("dashboard:inventory-forecast-risk-list")


def progress(client, after):
    response = client.get(PROGRESS, {"after": after})
    assert response.status_code == 200
    return json.loads(response.content)


def test_a_queued_run_is_followed_until_it_is_done(staff_client, at_risk_history, purge_broker):
    newest = ForecastRun.objects.get().pk
    response = staff_client.post(RUN, follow=True)
    assert response.redirect_chain == [(f"{LIST}?progress={newest}", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The forecast run is queued: its progress shows below."]
    html = response.content.decode()
    assert f'data-progress-url="{PROGRESS}?after={newest}"' in html
    assert "oscar_insights/insights.js" in html
    # No worker here: it waits; once a run starts and finishes, the page's poll says so.
    assert progress(staff_client, newest)["state"] == "queued"
    run = run_forecasts(trigger="test", today=TODAY)
    assert progress(staff_client, newest) == {
        "state": "done", "run": run.pk, "status": "Current", "progress": 100,
        "stage": run.stage}


def test_a_running_run_is_followed_not_doubled(staff_client, at_risk_history):
    running = ForecastRun.objects.create(status=ForecastRun.RUNNING, progress=40,
                                         stage="chunk 2 of 5")
    response = staff_client.post(RUN, follow=True)
    assert response.redirect_chain == [(f"{LIST}?progress={running.pk - 1}", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        f"Run #{running.pk} is already running (40 %)."]
    assert progress(staff_client, running.pk - 1) == {
        "state": "running", "run": running.pk, "status": "Running", "progress": 40,
        "stage": "chunk 2 of 5"}


def test_a_failed_run_shows_its_error(staff_client, at_risk_history):
    newest = ForecastRun.objects.get().pk
    ForecastRun.objects.create(status=ForecastRun.FAILED, progress=72,
                               error="ValueError: bad history")
    status = progress(staff_client, newest)
    assert status["state"] == "failed" and status["stage"] == "ValueError: bad history"


def test_a_broker_that_is_down_is_said_with_the_command_to_run(staff_client, at_risk_history,
                                                               broker_down):
    response = staff_client.post(RUN, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    [message] = [str(m) for m in response.context["messages"]]
    assert "could not be queued" in message and "python manage.py run_forecasts" in message
    assert ForecastRun.objects.count() == 1


def test_a_bad_after_is_a_400(staff_client, db):
    assert staff_client.get(PROGRESS, {"after": "x"}).status_code == 400


def test_running_needs_the_add_permission_and_a_post(client, django_user_model, db):
    staff = django_user_model.objects.create_user(username="s", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(
        content_type__app_label="inventory_forecast", codename="view_skuforecast"))
    client.force_login(staff)
    assert "Run forecast now" not in client.get(LIST).content.decode()
    assert client.post(RUN).status_code == 403
    staff.user_permissions.add(Permission.objects.get(
        content_type__app_label="inventory_forecast", codename="add_forecastrun"))
    client.force_login(django_user_model.objects.get(pk=staff.pk))
    assert "Run forecast now" in client.get(LIST).content.decode()
    assert client.get(RUN).status_code == 405


def test_a_run_silent_past_its_timeout_does_not_block_a_new_one(staff_client, at_risk_history,
                                                                 purge_broker, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.INVENTORY_FORECAST_RUN_TIMEOUT = 600
    dead = ForecastRun.objects.create(status=ForecastRun.RUNNING, progress=40,
                                      heartbeat_at=timezone.now() - timedelta(seconds=601))
    response = staff_client.post(RUN, follow=True)
    assert response.redirect_chain == [(f"{LIST}?progress={dead.pk}", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The forecast run is queued: its progress shows below."]
