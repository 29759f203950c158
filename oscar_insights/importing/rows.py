"""
Reading an order-history CSV for the importer: options, the per-row parser, the import report,
and :func:`read_order_history`, which classifies every row (purchase, postage, cancellation or
skipped, with the reason).  No database access.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .. import conf, plausible
from ..csvfiles import CsvFileError, MissingColumns, dict_reader, open_text

CENT = Decimal("0.01")


class ImportAborted(CsvFileError):
    """The file cannot be imported at all (missing columns, unreadable file)."""


@dataclass(frozen=True)
class ColumnNames:
    """Names of the CSV columns; the defaults are the Online Retail layout."""

    invoice: str = "InvoiceNo"
    code: str = "StockCode"
    description: str = "Description"
    quantity: str = "Quantity"
    date: str = "InvoiceDate"
    price: str = "UnitPrice"
    customer: str = "CustomerID"
    country: str = "Country"

    def required(self):
        return [self.invoice, self.code, self.quantity, self.date, self.price]


@dataclass
class ImportOptions:
    columns: ColumnNames = field(default_factory=ColumnNames)
    date_format: str = "%Y-%m-%d %H:%M:%S"
    timezone: str = ""
    partner_name: str = ""
    product_class_name: str = ""
    email_domain: str = ""
    product_code_pattern: str = ""
    shipping_codes: tuple = ()
    batch_size: int = 2000

    def __post_init__(self):
        self.timezone = self.timezone or settings.TIME_ZONE
        self.partner_name = self.partner_name or conf.IMPORT_PARTNER_NAME
        self.product_class_name = (
            self.product_class_name or conf.IMPORT_PRODUCT_CLASS_NAME
        )
        self.email_domain = self.email_domain or conf.IMPORT_EMAIL_DOMAIN
        self.product_code_pattern = (
            self.product_code_pattern or conf.IMPORT_PRODUCT_CODE_PATTERN
        )
        self.shipping_codes = tuple(
            code.upper() for code in (self.shipping_codes or conf.IMPORT_SHIPPING_CODES)
        )


@dataclass
class ImportReport:
    rows_read: int = 0
    order_lines_created: int = 0
    orders_created: int = 0
    orders_already_imported: int = 0
    products_created: int = 0
    customers_created: int = 0
    shipping_rows: int = 0
    cancellation_rows: int = 0
    cancellations_already_applied: int = 0
    cancelled_units_applied: int = 0
    cancelled_units_unmatched: int = 0
    cancellation_events_created: int = 0
    skipped: Counter = field(default_factory=Counter)
    non_product_codes: Counter = field(default_factory=Counter)
    # Steps that failed after the import committed (a receiver of order_history_imported):
    # "<receiver>: <error>".  The orders are stored; the step can be run again.
    follow_up_errors: list = field(default_factory=list)

    @property
    def rows_skipped(self):
        return sum(self.skipped.values())

    def lines(self):
        """The report as text lines, for the management command and logs."""
        out = [
            f"Rows read: {self.rows_read:,}",
            f"Orders created: {self.orders_created:,} "
            f"({self.order_lines_created:,} lines); already imported: "
            f"{self.orders_already_imported:,}",
            f"Products created: {self.products_created:,}; customers created: "
            f"{self.customers_created:,}",
            f"Postage rows added to shipping charges: {self.shipping_rows:,}",
            f"Cancellation rows: {self.cancellation_rows:,}; units cancelled on their orders: "
            f"{self.cancelled_units_applied:,}; units with no matching purchase: "
            f"{self.cancelled_units_unmatched:,}; cancellation invoices already applied: "
            f"{self.cancellations_already_applied:,}",
            f"Rows skipped: {self.rows_skipped:,}",
        ]
        for reason, count in self.skipped.most_common():
            out.append(f"  {count:>8,}  {reason}")
            if reason == SKIP_NON_PRODUCT:
                codes = ", ".join(f"{c} ({n})" for c, n in self.non_product_codes.most_common(12))
                out.append(f"            codes: {codes}")
        for error in self.follow_up_errors:
            out.append(f"Failed after the import (the orders are stored): {error}")
        return out


SKIP_MISSING_INVOICE = "missing invoice number"
SKIP_MISSING_CODE = "missing stock code"
SKIP_BAD_DATE = "unparsable date"
SKIP_BAD_QUANTITY = "unparsable quantity"
SKIP_BAD_PRICE = "unparsable price"
SKIP_BAD_CUSTOMER = "unparsable customer id"
SKIP_NON_PRODUCT = "not a product (fee, adjustment or other non-product code)"
SKIP_NON_POSITIVE_PRICE = "zero or negative unit price (stock fix)"
SKIP_NON_POSITIVE_QUANTITY = "zero or negative quantity outside a cancellation (stock adjustment)"
SKIP_CANCELLATION_NOT_NEGATIVE = "cancellation row with a non-negative quantity"


class RowError(ValueError):
    """A row that cannot be imported; ``reason`` is one of the ``SKIP_*`` texts."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Row:
    invoice: str
    code: str
    description: str
    quantity: int
    date: datetime
    price: Decimal
    customer: str  # "" for a guest
    is_cancellation: bool


class RowParser:
    """Turns one CSV record (a dict) into a :class:`Row`, or raises :class:`RowError`."""

    _customer_re = re.compile(r"^(\d+)(?:\.0*)?$")

    def __init__(self, options):
        self.columns = options.columns
        self.date_format = options.date_format
        self.tz = ZoneInfo(options.timezone)
        self.now = timezone.now()
        self._dates = {}

    def parse_date(self, text):
        try:
            return self._dates[text]
        except KeyError:
            pass
        try:
            value = datetime.strptime(text.strip(), self.date_format).replace(tzinfo=self.tz)
        except ValueError:
            raise RowError(SKIP_BAD_DATE) from None
        try:
            plausible.check_datetime(value, self.now)
        except plausible.Implausible as exc:
            raise RowError(exc.reason) from None
        self._dates[text] = value
        return value

    def __call__(self, record):
        c = self.columns
        invoice = (record.get(c.invoice) or "").strip().upper()
        if not invoice:
            raise RowError(SKIP_MISSING_INVOICE)
        code = (record.get(c.code) or "").strip().upper()
        if not code:
            raise RowError(SKIP_MISSING_CODE)
        date = self.parse_date(record.get(c.date) or "")
        try:
            quantity = int((record.get(c.quantity) or "").strip())
        except ValueError:
            raise RowError(SKIP_BAD_QUANTITY) from None
        try:
            price = Decimal((record.get(c.price) or "").strip())
        except InvalidOperation:
            raise RowError(SKIP_BAD_PRICE) from None
        if not price.is_finite():
            raise RowError(SKIP_BAD_PRICE)
        try:
            plausible.check_quantity(quantity)
            plausible.check_price(price, quantity)
        except plausible.Implausible as exc:
            raise RowError(exc.reason) from None
        customer = (record.get(c.customer) or "").strip()
        if customer:
            match = self._customer_re.match(customer)
            if not match:
                raise RowError(SKIP_BAD_CUSTOMER)
            customer = match.group(1)
        return Row(
            invoice=invoice,
            code=code,
            description=" ".join((record.get(c.description) or "").split()),
            quantity=quantity,
            date=date,
            price=price,
            customer=customer,
            is_cancellation=invoice.startswith("C"),
        )


@dataclass
class _Invoice:
    number: str
    date: datetime
    customer: str
    lines: list = field(default_factory=list)  # Row objects of products
    shipping: Decimal = Decimal("0.00")


def _aborting(records):
    """The records, a file unreadable midway aborting the import (nothing is written)."""
    try:
        yield from records
    except CsvFileError as exc:
        raise ImportAborted(str(exc)) from None


def read_order_history(path, options, report, progress=None):
    """
    Parse and classify every row of the file.

    Returns ``(invoices, cancellations)``: purchase invoices by number (product rows and postage
    only) and the cancellation rows of products, each in file order.  Skipped rows are counted in
    ``report``.  ``progress(n, final=False)`` is called with the number of rows read so far,
    every few thousand rows, and once more with ``final=True`` at the end of the file.
    """
    parse = RowParser(options)
    is_product = re.compile(options.product_code_pattern).match
    shipping_codes = set(options.shipping_codes)
    invoices = {}
    cancellations = []
    try:
        handle = open_text(path)
    except CsvFileError as exc:
        raise ImportAborted(str(exc)) from None
    with handle:
        def unusable(reason):
            report.rows_read += 1
            report.skipped[reason] += 1

        try:
            reader = dict_reader(handle, path, options.columns.required(), skip=unusable)
        except MissingColumns as exc:
            raise ImportAborted(f"{exc} Name the columns with the --*-column options.") from None
        except CsvFileError as exc:
            raise ImportAborted(str(exc)) from None
        for record in _aborting(reader):
            report.rows_read += 1
            if progress is not None and report.rows_read % 5000 == 0:
                progress(report.rows_read)
            try:
                row = parse(record)
            except RowError as exc:
                report.skipped[exc.reason] += 1
                continue
            if row.is_cancellation:
                if row.quantity >= 0:
                    report.skipped[SKIP_CANCELLATION_NOT_NEGATIVE] += 1
                elif not is_product(row.code):
                    report.skipped[SKIP_NON_PRODUCT] += 1
                    report.non_product_codes[row.code] += 1
                else:
                    report.cancellation_rows += 1
                    cancellations.append(row)
                continue
            if row.code in shipping_codes and row.quantity > 0 and row.price > 0:
                invoice = invoices.get(row.invoice)
                if invoice is None:
                    invoice = invoices[row.invoice] = _Invoice(row.invoice, row.date, row.customer)
                invoice.shipping += (row.price * row.quantity).quantize(CENT, ROUND_HALF_UP)
                report.shipping_rows += 1
                continue
            if not is_product(row.code):
                report.skipped[SKIP_NON_PRODUCT] += 1
                report.non_product_codes[row.code] += 1
                continue
            if row.price <= 0:
                report.skipped[SKIP_NON_POSITIVE_PRICE] += 1
                continue
            if row.quantity <= 0:
                report.skipped[SKIP_NON_POSITIVE_QUANTITY] += 1
                continue
            invoice = invoices.get(row.invoice)
            if invoice is None:
                invoice = invoices[row.invoice] = _Invoice(row.invoice, row.date, row.customer)
            invoice.lines.append(row)
        if progress is not None:
            progress(report.rows_read, final=True)
    # An invoice of postage only is no order.
    invoices = {number: inv for number, inv in invoices.items() if inv.lines}
    return invoices, cancellations

