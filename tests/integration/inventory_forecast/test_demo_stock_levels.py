"""set_demo_stock_levels on imported history, with Oscar's low-stock alerts."""

import pytest
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from inventory_forecast.demo import recent_weekly_demand, set_demo_stock_levels

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


# Net units sold per week over the 13 weeks (see the test above; 20002: 4 + 3 sold, all
# cancelled - its row of 500009 has an unparsable customer id and is not imported).
WEEKLY = {"20001": 6 / 13, "20002": 0.0, "20003A": 3 / 13, "20004": 0.0}


def test_levels_follow_the_rule_and_alerts_match(imported_history):
    partner = Partner.objects.get()
    report = set_demo_stock_levels(partner, seed=11)
    records = {r.partner_sku: r for r in StockRecord.objects.all()}
    # Two weeks of demand rounded up: ceil(12/13), ceil(6/13); none without demand.
    assert {sku: r.low_stock_threshold for sku, r in records.items()} == {
        "20001": 1, "20002": None, "20003A": 1, "20004": None}
    for sku, record in records.items():
        weekly = WEEKLY[sku]
        if weekly:  # out of stock, or 0.25 to 16 weeks of demand in whole units
            assert record.num_in_stock == 0 or (
                round(0.25 * weekly) <= record.num_in_stock <= round(16 * weekly)), sku
        else:  # no recent demand: 0..48 units
            assert 0 <= record.num_in_stock <= 48
    assert report.records == 4
    assert report.out_of_stock == sum(1 for r in records.values() if r.num_in_stock == 0)
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


def test_levels_depend_on_the_seed_and_each_sku_alone(imported_history):
    from oscar.test.factories import create_stockrecord

    partner = Partner.objects.get()
    elsewhere = create_stockrecord(partner_name="Other warehouse", partner_sku="20001",
                                   num_in_stock=123)
    set_demo_stock_levels(partner, seed=11)
    first = dict(StockRecord.objects.filter(partner=partner).values_list("partner_sku",
                                                                         "num_in_stock"))
    set_demo_stock_levels(partner, seed=12)
    other_seed = dict(StockRecord.objects.filter(partner=partner).values_list("partner_sku",
                                                                              "num_in_stock"))
    assert other_seed != first
    # Without the first record (by id), every other SKU draws the same level as before.
    StockRecord.objects.filter(partner=partner).order_by("id").first().delete()
    set_demo_stock_levels(partner, seed=11)
    again = dict(StockRecord.objects.filter(partner=partner).values_list("partner_sku",
                                                                         "num_in_stock"))
    assert len(again) == 3 and again == {sku: first[sku] for sku in again}
    # Another partner's stock, even under the same SKU, is never touched.
    elsewhere.refresh_from_db()
    assert elsewhere.num_in_stock == 123


def test_command_needs_an_imported_partner(db):
    with pytest.raises(CommandError, match="No partner named"):
        call_command("set_demo_stock_levels")


def test_command_reports(imported_history, capsys):
    call_command("set_demo_stock_levels", "--seed", "5")
    assert "4 stock records of Main warehouse" in capsys.readouterr().out
