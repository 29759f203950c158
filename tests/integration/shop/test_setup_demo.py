"""setup_demo prepares a browsable shop once and is safe to run again."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from haystack.query import SearchQuerySet
from oscar.core.loading import get_model

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
Country = get_model("address", "Country")

pytestmark = pytest.mark.django_db


def run(capsys, path):
    call_command("setup_demo", "--data", str(path), "--url", "http://127.0.0.1:8123/")
    return capsys.readouterr().out


def test_setup_demo_then_again(capsys, small_history_path, settings):
    out = run(capsys, small_history_path)
    assert "Orders created: 6 (9 lines)" in out
    assert "4 stock records of Main warehouse" in out
    assert "Search index built: 4 products." in out
    assert "The shop: http://127.0.0.1:8123/" in out
    password = out.split("password ")[1].split(")")[0]
    staff = authenticate(username="staff@example.com", password=password)
    assert staff is not None and staff.is_staff
    assert Country.objects.filter(iso_3166_1_a2="GB", is_shipping_country=True).exists()
    assert (settings.MEDIA_ROOT / settings.OSCAR_MISSING_IMAGE_URL).exists()
    assert StockRecord.objects.filter(num_in_stock__gt=0).exists()
    assert SearchQuerySet().all().count() == 4
    # Recommendations are published from the start (too little history to judge candidates).
    RecommenderVersion = get_model("recommendations", "RecommenderVersion")
    version = RecommenderVersion.objects.get(status="current")
    assert f"Published version #{version.pk}: blend" in out

    again = run(capsys, small_history_path)
    assert "already imported: skipping the import" in again
    assert "Training recommendations" not in again  # a published version is kept
    ForecastRun = get_model("inventory_forecast", "ForecastRun")
    assert ForecastRun.objects.get().status == "current"
    assert "Forecasting demand" not in again
    assert RecommenderVersion.objects.get() == version
    assert Order.objects.count() == 6
    assert f"password {password})" in again  # the same account and password are printed


def test_missing_index_is_rebuilt_without_reimporting(capsys, small_history_path):
    run(capsys, small_history_path)
    call_command("clear_index", interactive=False, verbosity=0)
    out = run(capsys, small_history_path)
    assert "skipping the import" in out
    assert "Search index built: 4 products." in out
