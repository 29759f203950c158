"""Parsing and classifying order-history rows, without the database."""

import gzip
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from oscar_insights import importing
from oscar_insights.importing import ImportOptions, ImportReport, RowError, RowParser, writing
from oscar_insights.importing import rows as rows_module

GOOD = {
    "InvoiceNo": "536365",
    "StockCode": "85123a",
    "Description": "WHITE  HANGING HEART T-LIGHT HOLDER",
    "Quantity": "6",
    "InvoiceDate": "2010-12-01 08:26:00",
    "UnitPrice": "2.55",
    "CustomerID": "17850",
    "Country": "United Kingdom",
}


@pytest.fixture
def parse(settings):
    return RowParser(ImportOptions(timezone="Europe/London"))


def test_good_row_is_normalised(parse):
    row = parse(GOOD)
    assert row.invoice == "536365"
    assert row.code == "85123A"
    assert row.description == "WHITE HANGING HEART T-LIGHT HOLDER"
    assert row.quantity == 6
    assert row.price == Decimal("2.55")
    assert row.customer == "17850"
    assert row.is_cancellation is False
    assert row.date == datetime(2010, 12, 1, 8, 26, tzinfo=ZoneInfo("Europe/London"))


def test_summer_dates_are_british_summer_time(parse):
    row = parse({**GOOD, "InvoiceDate": "2011-07-01 12:00:00"})
    assert row.date.utcoffset().total_seconds() == 3600


def test_cancellation_and_float_customer_ids(parse):
    row = parse({**GOOD, "InvoiceNo": "c536379", "Quantity": "-1", "CustomerID": "14527.0"})
    assert row.is_cancellation is True
    assert row.invoice == "C536379"
    assert row.customer == "14527"


def test_guest_rows_have_no_customer(parse):
    assert parse({**GOOD, "CustomerID": ""}).customer == ""


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"InvoiceNo": " "}, importing.SKIP_MISSING_INVOICE),
        ({"StockCode": ""}, importing.SKIP_MISSING_CODE),
        ({"InvoiceDate": "01/12/2010 08:26"}, importing.SKIP_BAD_DATE),
        ({"InvoiceDate": ""}, importing.SKIP_BAD_DATE),
        ({"Quantity": "6.5"}, importing.SKIP_BAD_QUANTITY),
        ({"Quantity": ""}, importing.SKIP_BAD_QUANTITY),
        ({"UnitPrice": "two"}, importing.SKIP_BAD_PRICE),
        ({"UnitPrice": "NaN"}, importing.SKIP_BAD_PRICE),
        ({"CustomerID": "12a"}, importing.SKIP_BAD_CUSTOMER),
    ],
)
def test_bad_rows_give_their_reason(parse, change, reason):
    with pytest.raises(RowError) as caught:
        parse({**GOOD, **change})
    assert caught.value.reason == reason


def test_other_date_formats_by_option():
    parse = RowParser(ImportOptions(date_format="%m/%d/%Y %H:%M", timezone="UTC"))
    assert parse({**GOOD, "InvoiceDate": "12/1/2010 8:26"}).date.day == 1


def _write(path, text, compress):
    if compress:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("compress", [False, True])
def test_reads_plain_and_gzip_files_whatever_their_name(tmp_path, compress):
    path = tmp_path / "history.csv"  # gzip is recognised by content, not by name
    header = ",".join(GOOD)
    rows = [
        ",".join(GOOD.values()),
        ",".join({**GOOD, "StockCode": "POST", "UnitPrice": "18"}.values()),
        ",".join({**GOOD, "StockCode": "BANK CHARGES"}.values()),
        ",".join({**GOOD, "InvoiceNo": "C536366", "Quantity": "-2"}.values()),
        ",".join({**GOOD, "InvoiceNo": "C536367", "Quantity": "2"}.values()),
    ]
    _write(path, "\n".join([header, *rows]) + "\n", compress)
    report = ImportReport()
    invoices, cancellations = importing.read_order_history(path, ImportOptions(), report)
    assert report.rows_read == 5
    assert list(invoices) == ["536365"]
    assert invoices["536365"].shipping == Decimal("108.00")  # 6 x 18.00 postage
    assert [row.code for row in invoices["536365"].lines] == ["85123A"]
    assert [(row.invoice, row.quantity) for row in cancellations] == [("C536366", -2)]
    assert report.skipped == {
        importing.SKIP_NON_PRODUCT: 1,
        importing.SKIP_CANCELLATION_NOT_NEGATIVE: 1,
    }
    assert report.non_product_codes == {"BANK CHARGES": 1}


def test_missing_columns_abort_with_the_columns_found(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("Invoice,Code\n1,2\n")
    with pytest.raises(importing.ImportAborted, match="missing column.*InvoiceNo.*found Invoice, Code"):
        importing.read_order_history(path, ImportOptions(), ImportReport())


def test_unreadable_file_aborts(tmp_path):
    with pytest.raises(importing.ImportAborted, match="Cannot read"):
        importing.read_order_history(tmp_path / "nope.csv", ImportOptions(), ImportReport())


def test_catalogue_entry_takes_most_frequent_description_and_price():
    parse = RowParser(ImportOptions(timezone="UTC"))
    rows = [
        parse({**GOOD, "Description": "RED MUG", "UnitPrice": "2.50", "InvoiceDate": "2011-01-01 10:00:00"}),
        parse({**GOOD, "Description": "RED MUG", "UnitPrice": "2.10", "InvoiceDate": "2011-01-02 10:00:00"}),
        parse({**GOOD, "Description": "red mug ", "UnitPrice": "2.10", "InvoiceDate": "2011-01-03 10:00:00"}),
        parse({**GOOD, "Description": "", "UnitPrice": "2.50", "InvoiceDate": "2011-01-04 10:00:00"}),
    ]
    invoice = rows_module._Invoice("1", rows[0].date, "17850", lines=rows)
    # 2.50 and 2.10 are both seen twice: the latest price (2.50, 4 January) wins the tie.
    assert writing._catalogue_entries({"1": invoice}) == {"85123A": ("Red Mug", Decimal("2.50"))}
