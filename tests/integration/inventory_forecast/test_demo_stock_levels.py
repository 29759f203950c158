"""set_demo_stock_levels on imported history, with Oscar's low-stock alerts."""

import pytest
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from inventory_forecast.demo import demo_stock_level, recent_weekly_demand, set_demo_stock_levels

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
StockAlert = get_model("partner", "StockAlert")

pytestmark = pytest.mark.django_db


def test_recent_demand_is_net_of_cancellations(imported_history):
    partner = Partner.objects.get()
    demand = recent_weekly_demand(partner)
    by_sku = {StockRecord.objects.get(pk=pk).partner_sku: weekly for pk, weekly in demand.items()}
    # All orders lie within 91 days of the last one (8 March 2011); 13 weeks in the window.
    # 20001: 6 + 12 + 1 + 2 sold, 15 cancelled.  20004: 10 sold, 10 cancelled.
    assert by_sku["20001"] == pytest.approx(6 / 13)
    assert by_sku["20004"] == 0
    assert by_sku["20003A"] == pytest.approx(3 / 13)


def test_levels_follow_the_rule_and_alerts_match(imported_history):
    partner = Partner.objects.get()
    report = set_demo_stock_levels(partner, seed=11)
    demand = recent_weekly_demand(partner)
    for record in StockRecord.objects.all():
        expected = demo_stock_level(record.partner_sku, demand.get(record.id, 0.0), 11)
        assert (record.num_in_stock, record.low_stock_threshold) == expected
    below = [r for r in StockRecord.objects.all() if r.is_below_threshold]
    open_alerts = StockAlert.objects.filter(status=StockAlert.OPEN)
    assert sorted(a.stockrecord_id for a in open_alerts) == sorted(r.id for r in below)
    assert report.below_threshold == len(below) == report.alerts_opened


def test_rerun_is_stable_and_stale_alerts_are_closed(imported_history):
    partner = Partner.objects.get()
    # 20004 had all its units cancelled: no recent demand, no threshold, never below it.
    candle = StockRecord.objects.get(partner_sku="20004")
    stale = StockAlert.objects.create(stockrecord=candle, threshold=5)
    first = set_demo_stock_levels(partner, seed=11)
    stale.refresh_from_db()
    assert stale.status == StockAlert.CLOSED and stale.date_closed is not None
    assert first.alerts_closed == 1
    levels = list(StockRecord.objects.order_by("id").values_list("num_in_stock", flat=True))
    again = set_demo_stock_levels(partner, seed=11)
    assert list(StockRecord.objects.order_by("id").values_list("num_in_stock", flat=True)) == levels
    assert again.alerts_opened == 0 and again.alerts_closed == 0


def test_command_needs_an_imported_partner(db):
    with pytest.raises(CommandError, match="No partner named"):
        call_command("set_demo_stock_levels")


def test_command_reports(imported_history, capsys):
    call_command("set_demo_stock_levels", "--seed", "5")
    assert "4 stock records of Main warehouse" in capsys.readouterr().out
