"""
import_order_history on tests/fixtures/order_history_small.csv, against the real database.

The expected figures are worked out by hand from the 26 rows of the fixture:

* 6 orders (500001-500004, 500008, 500009); 500007 has only bad rows, 500010 only postage.
* 9 order lines; 4 products (20001, 20002, 20003A written 20003a once, 20004); 3 customers
  (10001, 10002, 10003 written "10003.0").
* 10 rows skipped: M and D are not products, a zero price, a negative quantity outside a
  cancellation, a missing code, an unparsable date, quantity, price and customer id.
* Cancellations: C500010 cancels 15 red mugs of customer 10001 — 12 from 500002 (the newest order)
  and 3 from 500001 — and 4 blue mugs from 500001; C500011 cancels all of 500003; C500012 predates
  the purchase it could cancel and C500013 is a guest's: 2 units match nothing.
"""

import gzip
import shutil
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from oscar_insights import db as db_helpers
from oscar_insights import importing
from oscar_insights.importing import import_order_history
from oscar_insights.orders import cancelled_units

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
ShippingEvent = get_model("order", "ShippingEvent")
ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
User = get_user_model()

pytestmark = pytest.mark.django_db


def snapshot():
    """Counts of everything the importer writes."""
    return {
        "orders": Order.objects.count(),
        "lines": Line.objects.count(),
        "products": Product.objects.count(),
        "stockrecords": StockRecord.objects.count(),
        "users": User.objects.count(),
        "events": ShippingEvent.objects.count(),
        "event_quantities": ShippingEventQuantity.objects.count(),
    }


EXPECTED = {
    "orders": 6,
    "lines": 9,
    "products": 4,
    "stockrecords": 4,
    "users": 3,
    "events": 3,
    "event_quantities": 5,
}


def test_report_counts(imported_history):
    report = imported_history
    assert report.rows_read == 26
    assert report.orders_created == 6
    assert report.order_lines_created == 9
    assert report.products_created == 4
    assert report.customers_created == 3
    assert report.shipping_rows == 2
    assert report.cancellation_rows == 6
    assert report.cancelled_units_applied == 32
    assert report.cancelled_units_unmatched == 2
    assert report.cancellation_events_created == 3
    assert report.skipped == {
        importing.SKIP_NON_PRODUCT: 2,
        importing.SKIP_NON_POSITIVE_PRICE: 1,
        importing.SKIP_NON_POSITIVE_QUANTITY: 1,
        importing.SKIP_MISSING_CODE: 1,
        importing.SKIP_BAD_DATE: 1,
        importing.SKIP_BAD_QUANTITY: 1,
        importing.SKIP_BAD_PRICE: 1,
        importing.SKIP_BAD_CUSTOMER: 1,
    }
    assert report.non_product_codes == {"M": 1, "D": 1}
    assert snapshot() == EXPECTED


def test_orders_keep_real_dates_totals_and_postage(imported_history):
    order = Order.objects.get(number="500001")
    assert order.date_placed.isoformat() == "2011-01-03T09:00:00+00:00"
    assert order.user.username == "customer-10001"
    assert order.shipping_incl_tax == Decimal("18.00")
    assert order.total_incl_tax == Decimal("43.00")  # 6 x 2.50 + 4 x 2.50 + 18.00 postage
    assert sorted(order.lines.values_list("partner_sku", "quantity")) == [("20001", 6), ("20002", 4)]
    guest = Order.objects.get(number="500004")
    assert guest.user is None
    assert guest.total_incl_tax == Decimal("2.50")
    assert Order.objects.get(number="500009").user.username == "customer-10003"


def test_products_and_customers(imported_history):
    mug = Product.objects.get(upc="20001")
    assert mug.title == "Red Mug"
    assert mug.stockrecords.get().price == Decimal("2.50")  # 3 of its 4 rows are at 2.50
    assert Product.objects.filter(upc="20003A").exists()
    customer = User.objects.get(username="customer-10001")
    assert customer.email == "customer-10001@customers.invalid"
    assert not customer.has_usable_password()
    assert customer.date_joined.isoformat() == "2011-01-03T09:00:00+00:00"


def test_cancellations_are_linked_to_the_orders_they_cancel(imported_history):
    red_500002 = Line.objects.get(order__number="500002", partner_sku="20001")
    red_500001 = Line.objects.get(order__number="500001", partner_sku="20001")
    blue_500001 = Line.objects.get(order__number="500001", partner_sku="20002")
    cancelled = cancelled_units(Line.objects.all())
    assert cancelled[red_500002.id] == 12
    assert cancelled[red_500001.id] == 3
    assert cancelled[blue_500001.id] == 4
    assert red_500002.status == "Cancelled" and blue_500001.status == "Cancelled"
    assert red_500001.status == "Complete"  # 3 of its 6 units remain
    assert Order.objects.get(number="500001").status == "Complete"
    assert Order.objects.get(number="500003").status == "Cancelled"  # every unit cancelled
    event = ShippingEvent.objects.get(order__number="500002")
    assert event.notes == "Cancellation invoice C500010"
    assert event.event_type.name == "Cancelled"
    assert event.date_created.isoformat() == "2011-03-05T10:00:00+00:00"
    # Nothing is cancelled on orders the cancellations could not have cancelled.
    assert not ShippingEvent.objects.filter(order__number__in=["500004", "500008"]).exists()


def test_rerunning_the_same_file_creates_nothing(imported_history, small_history_path):
    again = import_order_history(small_history_path)
    assert snapshot() == EXPECTED
    assert again.orders_created == again.products_created == again.customers_created == 0
    assert again.orders_already_imported == 6
    assert again.cancellations_already_applied == 2
    assert again.cancelled_units_applied == 0


def test_a_later_file_adds_only_what_is_new(imported_history, small_history_path, tmp_path):
    later = tmp_path / "later.csv"
    text = small_history_path.read_text()
    later.write_text(
        text
        + "500020,20005,YELLOW BOWL,2,2011-04-01 09:00:00,4.00,10002,France\n"
        + "C500021,20001,RED MUG,-2,2011-04-02 09:00:00,2.50,10003,United Kingdom\n"
    )
    report = import_order_history(later)
    assert report.orders_created == 1 and report.products_created == 1
    assert report.cancelled_units_applied == 2
    line = Line.objects.get(order__number="500009", partner_sku="20001")
    assert cancelled_units([line])[line.id] == 2
    assert Line.objects.get(pk=line.pk).status == "Cancelled"


def test_gzip_file_imports_the_same(db, small_history_path, tmp_path):
    compressed = tmp_path / "history.csv.gz"
    with open(small_history_path, "rb") as source, gzip.open(compressed, "wb") as target:
        shutil.copyfileobj(source, target)
    report = import_order_history(compressed)
    assert report.orders_created == 6
    assert snapshot() == EXPECTED


class Interrupt:
    """A progress observer that stops the import while order lines are written (a Ctrl-C)."""

    def rows(self, n, final=False):
        pass

    def lines(self, n):
        raise KeyboardInterrupt


def test_an_interrupted_import_leaves_nothing_behind(db, small_history_path):
    before = snapshot()
    with pytest.raises(KeyboardInterrupt):
        import_order_history(small_history_path, progress=Interrupt())
    assert snapshot() == before


def test_an_interrupted_rerun_keeps_what_was_imported(imported_history, tmp_path, small_history_path):
    later = tmp_path / "later.csv"
    later.write_text(
        small_history_path.read_text()
        + "500020,20005,YELLOW BOWL,2,2011-04-01 09:00:00,4.00,10002,France\n"
    )
    with pytest.raises(KeyboardInterrupt):
        import_order_history(later, progress=Interrupt())
    assert snapshot() == EXPECTED


def test_command_prints_the_report_by_reason(db, small_history_path, capsys):
    call_command("import_order_history", str(small_history_path), "--no-progress")
    out = capsys.readouterr().out
    assert "Orders created: 6 (9 lines)" in out
    assert f"       1  {importing.SKIP_BAD_DATE}" in out
    assert "codes: M (1), D (1)" in out  # equal counts: in the order met (M in 500004)
    assert "rows/s" in out


def test_command_column_options(db, tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text(
        "order,sku,name,qty,when,price,client,country\n"
        "9001,30001,TEA POT,2,2011-05-01 10:00:00,12.00,555,United Kingdom\n"
    )
    call_command(
        "import_order_history", str(path), "--no-progress",
        "--invoice-column", "order", "--code-column", "sku", "--description-column", "name",
        "--quantity-column", "qty", "--date-column", "when", "--price-column", "price",
        "--customer-column", "client", "--country-column", "country",
    )
    order = Order.objects.get(number="9001")
    assert order.user.username == "customer-555"
    assert order.lines.get().title == "Tea Pot"


def test_command_reports_missing_columns_clearly(db, tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text("order,sku\n1,2\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_order_history", str(path), "--no-progress")
    assert Order.objects.count() == 0


def test_lookups_in_small_chunks_give_the_same_import(db, small_history_path, monkeypatch):
    # Large files are looked up in chunks (SQLite caps query parameters); force many chunks.
    monkeypatch.setattr(db_helpers, "CHUNK_SIZE", 2)
    report = import_order_history(small_history_path)
    assert snapshot() == EXPECTED
    assert report.cancelled_units_applied == 32
    assert import_order_history(small_history_path).orders_already_imported == 6
