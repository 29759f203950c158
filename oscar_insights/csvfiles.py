"""
Reading order-line CSV files (plain or gzip): the one reader of the analytics commands
(``evaluate_recommendations``, ``forecast_backtest``), cleaning rows as
``docs/evaluation.md`` says, and :func:`open_text` for every CSV the project reads.
"""

import csv
import gzip
import io
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.utils import timezone

from . import plausible
from .conf import ONLINE_RETAIL_PRODUCT_CODE


class CsvFileError(ValueError):
    """The file cannot be read at all: missing, unreadable, or without the columns named."""


class MissingColumns(CsvFileError):
    """The file's header lacks a column the reader needs."""


def open_text(path):
    """Open a CSV file as text; gzip is recognised by its magic bytes, whatever the name."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise CsvFileError(f"Cannot read {path}: {exc.strerror}") from exc
    # Bytes that are not UTF-8 come through as lone surrogates, so that the reader can name
    # the line they are on (a decoding error would surface a whole buffer later).
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8-sig", newline="",
                                errors="surrogateescape")
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="", errors="surrogateescape")


NUL_IN_FIELD = "NUL character in a field"


SURROGATE = re.compile("[\udc80-\udcff]")


class NotUtf8(ValueError):
    def __init__(self, text):
        super().__init__(f"not UTF-8 text (byte 0x{ord(SURROGATE.search(text)[0]) - 0xdc00:02x})")


def _check_text(values):
    """Whether one of ``values`` (strings or None) holds a NUL character; raises
    :class:`NotUtf8` when one holds bytes that were not UTF-8.  One pass: this runs on every
    field of every row."""
    nul = False
    for value in values:
        if not value or not isinstance(value, str):
            continue
        if not value.isascii() and SURROGATE.search(value):
            raise NotUtf8(value)
        nul = nul or "\x00" in value
    return nul


def _unreadable(path, line, exc):
    """A :class:`CsvFileError` naming the file, the line and why it cannot be read on."""
    if isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error)):
        why = f"the gzip file is truncated or corrupt ({exc})"
    else:  # csv.Error: a field over csv.field_size_limit(), an unclosed quote...
        why = str(exc)
    return CsvFileError(f"{path}, line {line}: {why}. Nothing was read past it.")


UNREADABLE = (NotUtf8, EOFError, gzip.BadGzipFile, zlib.error, csv.Error)


def dict_reader(handle, path, required, skip=None):
    """
    The records of the CSV ``handle`` as dicts, once its header holds every ``required``
    column.  A file that cannot be read on (bytes that are not UTF-8, a truncated gzip, a field
    over the csv module's limit) raises :class:`CsvFileError` naming the file and line; a
    record with a NUL character (which PostgreSQL cannot store) is left out and
    ``skip(NUL_IN_FIELD)`` called.
    """
    reader = csv.DictReader(handle)
    try:
        found = reader.fieldnames or []
        _check_text(found)
    except UNREADABLE as exc:
        raise _unreadable(path, 1, exc) from None
    missing = [name for name in required if name not in found]
    if missing:
        raise MissingColumns(f"{path}: missing column(s) {', '.join(missing)}; found "
                           f"{', '.join(found) or 'no header'}.")
    return _records(reader, path, skip)


def _records(reader, path, skip):
    while True:
        try:
            record = next(reader)
            nul = _check_text(record.values())
        except StopIteration:
            return
        except NotUtf8 as exc:
            raise _unreadable(path, reader.line_num, exc) from None
        except UNREADABLE as exc:
            raise _unreadable(path, reader.line_num + 1, exc) from None
        if nul:
            if skip is not None:
                skip(NUL_IN_FIELD)
            continue
        yield record


@dataclass(frozen=True)
class OrderLineColumns:
    """Column names of an order-lines CSV (the defaults: the Online Retail layout); an empty
    name means the file has no such column and its rule is off."""

    item: str = "StockCode"
    timestamp: str = "InvoiceDate"
    quantity: str = "Quantity"
    user: str = "CustomerID"
    basket: str = "InvoiceNo"
    price: str = "UnitPrice"


class OrderLine(NamedTuple):
    user: str  # "" when the row has none
    item: str
    when: datetime
    basket: str
    quantity: float | None  # None: an empty quantity (a day whose demand is unknown)


def read_order_lines(path, columns=OrderLineColumns(), date_format="%Y-%m-%d %H:%M:%S",
                     item_pattern=ONLINE_RETAIL_PRODUCT_CODE, cancellation_prefix="C",
                     require_user=False, allow_missing_quantity=False, keep_zero=False):
    """
    ``(lines, skipped)``: the usable :class:`OrderLine` rows of ``path`` in file order, and a
    Counter of the dropped rows by reason, as :func:`iter_order_lines` cleans them.
    """
    skipped = Counter()
    lines = list(iter_order_lines(path, columns, date_format, item_pattern, cancellation_prefix,
                                  require_user, allow_missing_quantity, keep_zero, skipped))
    return lines, skipped


def iter_order_lines(path, columns=OrderLineColumns(), date_format="%Y-%m-%d %H:%M:%S",
                     item_pattern=ONLINE_RETAIL_PRODUCT_CODE, cancellation_prefix="C",
                     require_user=False, allow_missing_quantity=False, keep_zero=False,
                     skipped=None):
    """
    The usable :class:`OrderLine` rows of ``path`` one by one, in file order (a file of
    millions of lines is never held whole); ``skipped`` (a Counter), when given, counts the
    dropped rows by reason as they are read.  Dropped, in this order: rows without a user
    (``require_user``), without an item, of baskets starting with ``cancellation_prefix``
    (cancellations), items not matching ``item_pattern`` (item ids are upper-cased first when a
    pattern is given), unparsable or implausible dates and numbers
    (:mod:`oscar_insights.plausible`: a date before 1990 or in the future, ``inf``, ``nan``,
    a quantity or price over its maximum), prices <= 0, negative quantities, zero
    quantities (unless ``keep_zero``: a day without sales), and empty quantities (unless
    ``allow_missing_quantity``).  A user id written as a float ("17850.0") is read as "17850".
    """
    c = columns
    pattern = re.compile(item_pattern) if item_pattern else None
    skipped = Counter() if skipped is None else skipped
    dates = {}
    now = timezone.now()
    with open_text(path) as handle:
        wanted = [name for name in (c.item, c.timestamp, c.quantity, c.user, c.basket, c.price)
                  if name]
        for row in dict_reader(handle, path, wanted, skip=lambda why: skipped.update([why])):
            user = (row[c.user] or "").strip() if c.user else ""
            if user.endswith(".0"):
                user = user[:-2]
            if require_user and not user:
                skipped["no user"] += 1
                continue
            item = (row[c.item] or "").strip()
            if pattern is not None:
                item = item.upper()
            if not item:
                skipped["no id"] += 1
                continue
            basket = (row[c.basket] or "").strip() if c.basket else ""
            if cancellation_prefix and basket.upper().startswith(cancellation_prefix):
                skipped["cancellation"] += 1
                continue
            if pattern is not None and not pattern.match(item):
                skipped["not a product"] += 1
                continue
            text = (row[c.timestamp] or "").strip()
            when = dates.get(text)
            if when is None:
                try:
                    when = plausible.check_datetime(datetime.strptime(text, date_format), now)
                except plausible.Implausible as exc:
                    skipped[exc.reason] += 1
                    continue
                except ValueError:
                    skipped["unparsable date"] += 1
                    continue
                dates[text] = when
            raw = (row[c.quantity] or "").strip() if c.quantity else "1"
            try:
                quantity = float(raw) if raw else None
                price = float(row[c.price]) if c.price else None
            except (TypeError, ValueError):
                skipped["unparsable number"] += 1
                continue
            try:
                if quantity is not None:
                    plausible.check_quantity(quantity)
                if price is not None:
                    plausible.check_price(price, quantity or 1)
            except plausible.Implausible as exc:
                skipped[exc.reason] += 1
                continue
            if price is not None and price <= 0:
                skipped["price <= 0"] += 1
                continue
            if quantity is None:
                if not allow_missing_quantity:
                    skipped["no quantity"] += 1
                    continue
            elif quantity < 0 or (quantity == 0 and not keep_zero):
                skipped["quantity <= 0"] += 1
                continue
            yield OrderLine(user, item, when, basket, quantity)


def add_arguments(parser, user=True):
    """The column and cleaning options of an order-lines CSV, for a management command."""
    defaults = OrderLineColumns()
    if user:
        parser.add_argument("--user-column", default=defaults.user)
    parser.add_argument("--item-column", "--id-column", dest="item_column", default=defaults.item)
    parser.add_argument("--timestamp-column", "--date-column", dest="timestamp_column",
                        default=defaults.timestamp)
    parser.add_argument("--quantity-column", default=defaults.quantity)
    parser.add_argument("--basket-column", default=defaults.basket,
                        help="rows of baskets starting with C are cancellations; '' if none")
    parser.add_argument("--price-column", default=defaults.price, help="'' if none")
    parser.add_argument("--date-format", default="%Y-%m-%d %H:%M:%S")
    parser.add_argument("--item-pattern", default=ONLINE_RETAIL_PRODUCT_CODE,
                        help="regular expression of the ids that are products; '' for any id")


def columns(options, user=True):
    """The :class:`OrderLineColumns` that :func:`add_arguments`' options name."""
    return OrderLineColumns(
        item=options["item_column"], timestamp=options["timestamp_column"],
        quantity=options["quantity_column"], user=options["user_column"] if user else "",
        basket=options["basket_column"], price=options["price_column"],
    )
