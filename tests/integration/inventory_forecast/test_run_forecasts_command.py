"""run_forecasts' summary: figures for an established shop, and for a young one (six weeks of
sales) the plain fact that there is no backtest yet and what the plans used instead, not
``RMSSE nan, WAPE nan; stock-out share None``."""

from datetime import date

import pytest
from django.core.management import call_command
from django.test import override_settings

from oscar_insights.importing import import_order_history
from tests.factories import write_sales_history

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def run(capsys):
    with override_settings(INVENTORY_FORECAST_AS_OF="latest-order"):
        call_command("run_forecasts")
    return capsys.readouterr().out


def test_a_young_shop_is_told_there_is_no_backtest_yet(tmp_path, capsys,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_order_history(write_sales_history(tmp_path / "young.csv", weeks=6, end=TODAY))
    out = run(capsys)
    assert "nan" not in out and "None" not in out
    assert "not enough history for a backtest yet" in out
    assert "safety stock from the textbook formula z·σ·√(lead time)" in out
    assert "alerts: " in out and " opened, " in out


def test_an_established_shop_gets_its_backtest_figures(history, capsys):
    out = run(capsys)
    assert "backtest RMSSE " in out and "backtest stock-out share " in out
    assert "not enough history" not in out and "nan" not in out
