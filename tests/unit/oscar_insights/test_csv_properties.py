"""
Property tests (hypothesis) of the row parsers of the importer and of both analytics commands'
readers: any bytes give parsed rows or a clear reason — a per-row reason counted in the report,
or one error naming the file — and never another exception.
"""

import gzip
import os
import tempfile
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory_forecast.history import read_sales_csv
from oscar_insights.csvfiles import CsvFileError, OrderLineColumns, read_order_lines
from oscar_insights.importing import (
    ImportAborted,
    ImportOptions,
    ImportReport,
    RowError,
    RowParser,
    read_order_history,
)

HEADER = b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
COLUMNS = HEADER.decode().strip().split(",")
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Values near what such files hold, and anything at all.
plausible_values = st.one_of(
    st.sampled_from(["", "1", "-3", "0", "2.50", "1e30", "inf", "nan", "NaN", "3000000000",
                     "123456789012.34", "0001-01-01 00:00:00", "2999-01-01 10:00:00",
                     "2011-03-01 10:00:00", "C536379", "85123A", "POST", "17850.0", "\x00"]),
    st.text(max_size=40))
records = st.fixed_dictionaries({name: st.one_of(st.none(), plausible_values)
                                 for name in COLUMNS})


def row_bytes(values):
    return ",".join(v.replace(",", ";").replace("\n", " ") for v in values).encode(
        "utf-8", "surrogatepass")


files = st.one_of(
    st.binary(max_size=600),
    st.lists(st.lists(plausible_values, min_size=0, max_size=10), max_size=12).map(
        lambda rows: HEADER + b"\n".join(row_bytes(r) for r in rows)),
)


@contextmanager
def written(data, compress=False):
    handle, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(handle, "wb") as out:
        out.write(gzip.compress(data) if compress else data)
    try:
        yield path
    finally:
        os.unlink(path)


@SETTINGS
@given(records)
def test_the_importers_row_parser_gives_a_row_or_a_reason(record):
    parse = RowParser(ImportOptions(timezone="Europe/London"))
    try:
        row = parse(record)
    except RowError as exc:
        assert exc.reason
    else:
        assert row.invoice and row.code and row.price.is_finite()


@SETTINGS
@given(files, st.booleans())
def test_reading_an_order_history_gives_rows_or_one_error_naming_the_file(data, compress):
    with written(data, compress) as path:
        report = ImportReport()
        try:
            invoices, cancellations = read_order_history(path, ImportOptions(), report)
        except ImportAborted as exc:
            assert str(exc).startswith(path)
        else:
            assert report.rows_read == (sum(len(i.lines) for i in invoices.values())
                                        + len(cancellations) + report.rows_skipped
                                        + report.shipping_rows)


@SETTINGS
@given(files, st.booleans())
def test_the_analytics_readers_give_rows_or_one_error_naming_the_file(data, compress):
    with written(data, compress) as path:
        for read in (lambda: read_order_lines(path, OrderLineColumns()),
                     lambda: read_sales_csv(path, OrderLineColumns(user=""), "%Y-%m-%d %H:%M:%S")):
            try:
                result, skipped = read()
            except CsvFileError as exc:
                assert str(exc).startswith(path)
            else:
                assert all(count > 0 for count in skipped.values())
