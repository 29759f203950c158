"""
Implausible dates and numbers (oscar_insights/plausible.py) are refused where they come in:
the importer skips and reports the row and stores nothing a page or a run could not read back;
the analytics commands' reader drops it with its reason; a failed step after the import commits
makes the command fail and loses nothing.
"""

from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from oscar.core.loading import get_model

from inventory_forecast import forecasting
from oscar_insights.csvfiles import OrderLineColumns, read_order_lines
from oscar_insights.importing import import_order_history
from oscar_insights.signals import order_history_imported
from recommendations import training
from recommendations.models import Interaction

Line = get_model("order", "Line")
Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
GOOD = [
    "600001,20001,RED MUG,2,2011-03-01 10:00:00,2.50,17001,UK",
    "600002,20002,BLUE MUG,3,2011-03-08 10:00:00,2.50,17002,UK",
    "600003,20001,RED MUG,1,2011-03-15 10:00:00,2.50,17002,UK",
]
BAD = {
    "price over 1,000,000.00": (
        "600010,20003,GOLD MUG,1,2011-03-01 10:00:00,123456789012.34,17001,UK"),
    "quantity over 1,000,000": "600011,20004,TIN MUG,3000000000,2011-03-01 10:00:00,1.00,17001,UK",
    "line total over 9,999,999,999.99": (
        "600012,20005,SILVER MUG,999999,2011-03-01 10:00:00,999999.00,17001,UK"),
    "date before 1990-01-01": "600013,20006,OLD MUG,1,0001-01-01 00:00:00,1.00,17001,UK",
    "date in the future": "600014,20007,NEW MUG,1,2999-01-01 00:00:00,1.00,17001,UK",
}


def write(path, rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


@pytest.mark.django_db(transaction=True)
def test_the_importer_skips_and_reports_implausible_rows_and_the_shop_keeps_working(tmp_path):
    report = import_order_history(write(tmp_path / "orders.csv", [*GOOD, *BAD.values()]))
    assert report.orders_created == 3 and report.order_lines_created == 3
    assert dict(report.skipped) == dict.fromkeys(BAD, 1)
    assert set(Product.objects.values_list("upc", flat=True)) == {"20001", "20002"}
    for line in report.lines():
        print(line)
    # What was stored reads back: the product page, the purchase events, a forecast and a
    # training run on them (each failed on an implausible row before).
    assert Client().get(Product.objects.get(upc="20001").get_absolute_url()).status_code == 200
    assert Interaction.objects.filter(event_type="purchase").count() == 3
    call_command("backfill_interactions", "--no-progress")
    run = forecasting.run_forecasts(trigger="test")
    assert run.status == "current"
    assert training.train().status == "current"


@pytest.mark.django_db(transaction=True)
def test_a_step_failing_after_the_import_fails_the_command_and_loses_nothing(tmp_path):
    def broken(sender, **kwargs):
        raise RuntimeError("the events table is locked")

    order_history_imported.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(CommandError) as raised:
            call_command("import_order_history", str(write(tmp_path / "o.csv", GOOD)),
                         "--no-progress")
    finally:
        order_history_imported.disconnect(dispatch_uid="test-broken")
    message = str(raised.value)
    assert "are imported, but 1 step(s) after the import failed" in message
    assert "<locals>.broken: the events table is locked" in message
    assert "manage.py backfill_interactions" in message
    assert Order.objects.count() == 3  # stored, and the other receiver recorded its events
    assert Interaction.objects.filter(event_type="purchase").count() == 3


def test_the_analytics_reader_drops_implausible_and_non_finite_rows_with_their_reason(tmp_path):
    path = write(tmp_path / "lines.csv", [
        *GOOD,
        "600020,20001,RED MUG,inf,2011-03-01 10:00:00,2.50,17001,UK",
        "600021,20001,RED MUG,nan,2011-03-01 10:00:00,2.50,17001,UK",
        "600022,20001,RED MUG,1,2011-03-01 10:00:00,nan,17001,UK",
        "600023,20001,RED MUG,1,1850-03-01 10:00:00,2.50,17001,UK",
        "600024,20001,RED MUG,1,2999-03-01 10:00:00,2.50,17001,UK",
        "600025,20001,RED MUG,1e9,2011-03-01 10:00:00,2.50,17001,UK",
    ])
    lines, skipped = read_order_lines(path, OrderLineColumns())
    assert [line.basket for line in lines] == ["600001", "600002", "600003"]
    assert lines[0].when == datetime(2011, 3, 1, 10)
    assert dict(skipped) == {
        "quantity is not a finite number": 2, "price is not a finite number": 1,
        "date before 1990-01-01": 1, "date in the future": 1, "quantity over 1,000,000": 1}
