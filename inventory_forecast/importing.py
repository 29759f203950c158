"""
Import an order-history CSV (the UCI Online Retail layout) into Oscar's catalogue, partner,
customer and order tables.

What goes where
---------------
* Every product code becomes one stand-alone ``catalogue.Product`` (``upc`` = the code, title = the
  code's most frequent description, title-cased) of one product class, with one
  ``partner.StockRecord`` at one partner (``partner_sku`` = the code, price = the code's most
  frequent unit price, latest price on a tie).
* Every known customer id becomes a ``User`` with an unusable password and an address under the
  reserved ``.invalid`` domain, so no e-mail can ever reach anyone; nothing is sent on import.
* Every purchase invoice becomes one ``order.Order`` (``number`` = the invoice number, its real
  date, status "Complete") with one ``order.Line`` per product row.  Postage rows (POST, DOT, C2 by
  default) are added to the order's shipping charge; they are not products.
* Cancellation invoices (a leading ``C``) are *linked to* the orders they cancel, Oscar-style: each
  cancelled row is matched to the same customer's most recent earlier order lines of the same
  product that still have uncancelled units, and recorded as a ``ShippingEvent`` of type
  "Cancelled" (notes = the cancellation invoice number, date = its date) with a
  ``ShippingEventQuantity`` per line.  Order totals stay as invoiced; net units of a line are
  ``line.quantity`` minus its cancelled quantities (see :func:`cancelled_quantities`).  A line whose
  units are all cancelled gets status "Cancelled", and so does an order whose lines all are.
  Cancelled units that match no earlier purchase (guest invoices, purchases before the file
  starts) are counted in the report and not stored.

Rows that cannot be used are skipped and counted by reason: a missing invoice number or code, an
unparsable date, quantity, price or customer id, a zero or negative price, a non-positive
quantity outside a cancellation (stock adjustments), and codes that are not products.

The whole import runs in one transaction: an error or an interruption leaves the database as it
was.  Once it has committed, ``signals.order_history_imported`` is sent with the new orders' ids
(the recommendations app turns them into purchase events).  Re-running a file creates nothing twice: orders are keyed by invoice number, products by
code, customers by id and applied cancellations by their invoice number.
"""

import csv
import gzip
import io
import logging
import re
from collections import Counter, defaultdict
from itertools import islice
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sites.models import Site
from django.db import transaction
from oscar.core.loading import get_model
from oscar.core.utils import slugify

from . import conf
from .db import chunked, lookup
from .signals import order_history_imported

logger = logging.getLogger(__name__)

CANCELLED = "Cancelled"
COMPLETE = "Complete"
CENT = Decimal("0.01")


class ImportAborted(Exception):
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


def open_text(path):
    """Open a CSV file as text; gzip is recognised by its magic bytes, whatever the name."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise ImportAborted(f"Cannot read {path}: {exc.strerror}") from exc
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8-sig", newline="")
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


@dataclass
class _Invoice:
    number: str
    date: datetime
    customer: str
    lines: list = field(default_factory=list)  # Row objects of products
    shipping: Decimal = Decimal("0.00")


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
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in options.columns.required() if name not in (reader.fieldnames or [])]
        if missing:
            raise ImportAborted(
                f"{path}: missing column(s) {', '.join(missing)}; found "
                f"{', '.join(reader.fieldnames or []) or 'no header'}. "
                "Name the columns with the --*-column options."
            )
        for number, record in enumerate(reader, start=1):
            if progress is not None and number % 5000 == 0:
                progress(number)
            report.rows_read = number
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


def _catalogue_entries(invoices):
    """Title and price per product code, from its purchase rows (see the module docstring)."""
    descriptions = defaultdict(Counter)
    prices = defaultdict(Counter)
    latest = {}
    for invoice in invoices.values():
        for row in invoice.lines:
            if row.description:
                descriptions[row.code][row.description] += 1
            prices[row.code][row.price] += 1
            if row.code not in latest or row.date >= latest[row.code][0]:
                latest[row.code] = (row.date, row.price)
    entries = {}
    for code, counter in prices.items():
        top = max(counter.values())
        candidates = {price for price, n in counter.items() if n == top}
        price = latest[code][1] if latest[code][1] in candidates else max(candidates)
        title = descriptions[code].most_common(1)[0][0].title() if descriptions[code] else f"Product {code}"
        entries[code] = (title[:255], price.quantize(CENT, ROUND_HALF_UP))
    return entries


def _insert(model, objects, batch_size, progress=None):
    """Insert ``objects`` (any iterable, consumed lazily) in batches; yield them once saved."""
    iterator = iter(objects)
    while batch := list(islice(iterator, batch_size)):
        model.objects.bulk_create(batch, batch_size=batch_size)
        if progress is not None:
            progress(len(batch))
        yield from batch


def cancelled_quantities(lines):
    """Units cancelled per order line id (ShippingEvents of type "Cancelled") for ``lines``
    (order lines or their ids); lines with nothing cancelled are absent."""
    ShippingEvent = get_model("order", "ShippingEvent")
    ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
    # No join: SQLite, without statistics, plans the join event-first and probes every
    # cancellation for every line.  Cancellation events are few; filter on them in Python.
    cancellations = set(
        ShippingEvent.objects.filter(event_type__name=CANCELLED).values_list("id", flat=True)
    )
    cancelled = defaultdict(int)
    if not cancellations:
        return cancelled
    for chunk in chunked(getattr(line, "pk", line) for line in lines):
        rows = ShippingEventQuantity.objects.filter(line_id__in=chunk).values_list(
            "line_id", "event_id", "quantity"
        )
        for line_id, event_id, quantity in rows:
            if event_id in cancellations:
                cancelled[line_id] += quantity
    return dict(cancelled)


def import_order_history(path, options=None, progress=None):
    """
    Import ``path`` (see the module docstring); returns an :class:`ImportReport`.

    ``progress``, if given, is an object with ``rows(n_read_so_far, final=False)`` and
    ``lines(n_written)`` methods, called while the file is read and while order lines are written.  An exception raised
    anywhere, a ``KeyboardInterrupt`` included, rolls the whole import back.
    """
    options = options or ImportOptions()
    report = ImportReport()
    invoices, cancellations = read_order_history(
        path, options, report, progress=getattr(progress, "rows", None)
    )
    with transaction.atomic():
        order_ids = _write(invoices, cancellations, options, report, progress)

        def announce():
            for receiver, error in order_history_imported.send_robust(
                sender=import_order_history, order_ids=order_ids, report=report
            ):
                if isinstance(error, Exception):
                    logger.error("%s failed after the import: %r", receiver, error)

        transaction.on_commit(announce)
    return report


def _write(invoices, cancellations, options, report, progress):
    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    Partner = get_model("partner", "Partner")
    StockRecord = get_model("partner", "StockRecord")
    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    User = get_user_model()
    batch = options.batch_size

    existing_numbers = set(lookup(Order.objects.all(), "number", invoices))
    report.orders_already_imported = len(existing_numbers)
    new_invoices = [inv for number, inv in invoices.items() if number not in existing_numbers]

    # Catalogue: one product class, products and stock records for codes not seen before.
    product_class, _ = ProductClass.objects.get_or_create(
        name=options.product_class_name,
        defaults={"slug": slugify(options.product_class_name), "track_stock": True},
    )
    partner, _ = Partner.objects.get_or_create(name=options.partner_name)
    entries = _catalogue_entries(invoices)
    products = lookup(Product.objects.all(), "upc", entries)
    new_products = [
        Product(
            upc=code,
            title=title,
            slug=slugify(title) or code.lower(),
            product_class=product_class,
            structure=Product.STANDALONE,
        )
        for code, (title, _price) in sorted(entries.items())
        if code not in products
    ]
    for product in _insert(Product, new_products, batch):
        products[product.upc] = product.id
    report.products_created = len(new_products)
    stockrecords = lookup(StockRecord.objects.filter(partner=partner), "partner_sku", entries)
    new_records = [
        StockRecord(
            product_id=products[code],
            partner=partner,
            partner_sku=code,
            price_currency=settings.OSCAR_DEFAULT_CURRENCY,
            price=price,
            num_in_stock=0,
        )
        for code, (_title, price) in sorted(entries.items())
        if code not in stockrecords
    ]
    for record in _insert(StockRecord, new_records, batch):
        stockrecords[record.partner_sku] = record.id

    # Customers.
    customer_ids = {inv.customer for inv in invoices.values() if inv.customer}
    customer_ids.update(row.customer for row in cancellations if row.customer)
    usernames = {cid: f"customer-{cid}" for cid in customer_ids}
    users = lookup(User.objects.all(), "username", usernames.values())
    first_seen = {}
    for item in [*invoices.values(), *cancellations]:
        if item.customer and (item.customer not in first_seen or item.date < first_seen[item.customer]):
            first_seen[item.customer] = item.date
    new_users = [
        User(
            username=usernames[cid],
            email=f"customer-{cid}@{options.email_domain}",
            password=make_password(None),
            date_joined=first_seen[cid],
        )
        for cid in sorted(customer_ids)
        if usernames[cid] not in users
    ]
    for user in _insert(User, new_users, batch):
        users[user.username] = user.id
    report.customers_created = len(new_users)

    # Orders and their lines.
    site_id = Site.objects.get_current().id
    currency = settings.OSCAR_DEFAULT_CURRENCY
    orders = []
    for inv in new_invoices:
        total = sum(
            ((row.price * row.quantity).quantize(CENT, ROUND_HALF_UP) for row in inv.lines),
            Decimal("0.00"),
        ) + inv.shipping
        orders.append(
            Order(
                number=inv.number,
                site_id=site_id,
                user_id=users[usernames[inv.customer]] if inv.customer else None,
                currency=currency,
                total_incl_tax=total,
                total_excl_tax=total,
                shipping_incl_tax=inv.shipping,
                shipping_excl_tax=inv.shipping,
                shipping_method="Postage" if inv.shipping else "Imported order",
                shipping_code="imported",
                status=COMPLETE,
                date_placed=inv.date,
                analytics_tracked=True,
            )
        )
    orders = list(_insert(Order, orders, batch))
    report.orders_created = len(orders)
    def make_line(order, row):
        unit = row.price.quantize(CENT, ROUND_HALF_UP)
        line_price = (row.price * row.quantity).quantize(CENT, ROUND_HALF_UP)
        return Line(
            order_id=order.id,
            partner_id=partner.id,
            partner_name=partner.name,
            partner_sku=row.code,
            stockrecord_id=stockrecords[row.code],
            product_id=products[row.code],
            title=entries[row.code][0],
            upc=row.code,
            quantity=row.quantity,
            line_price_incl_tax=line_price,
            line_price_excl_tax=line_price,
            line_price_before_discounts_incl_tax=line_price,
            line_price_before_discounts_excl_tax=line_price,
            unit_price_incl_tax=unit,
            unit_price_excl_tax=unit,
            status=COMPLETE,
            num_allocated=0,
        )

    # Built lazily, batch by batch: half a million model instances at once would cost ~0.5 GB.
    line_objects = (make_line(order, row) for order, inv in zip(orders, new_invoices) for row in inv.lines)
    lines_progress = getattr(progress, "lines", None)
    report.order_lines_created = sum(1 for _ in _insert(Line, line_objects, batch, lines_progress))

    _apply_cancellations(cancellations, users, usernames, partner, report, batch)
    return [order.id for order in orders]


def _apply_cancellations(cancellations, users, usernames, partner, report, batch):
    ShippingEvent = get_model("order", "ShippingEvent")
    ShippingEventType = get_model("order", "ShippingEventType")
    ShippingEventQuantity = get_model("order", "ShippingEventQuantity")
    Line = get_model("order", "Line")
    Order = get_model("order", "Order")
    if not cancellations:
        return
    event_type, _ = ShippingEventType.objects.get_or_create(
        name=CANCELLED, defaults={"code": "cancelled"}
    )
    applied = set(
        ShippingEvent.objects.filter(event_type=event_type).values_list("notes", flat=True)
    )
    pending = [row for row in cancellations if _cancellation_note(row.invoice) not in applied]
    report.cancellations_already_applied = len(
        {row.invoice for row in cancellations if _cancellation_note(row.invoice) in applied}
    )
    guest_units = sum(-row.quantity for row in pending if not row.customer)
    report.cancelled_units_unmatched += guest_units
    pending = [row for row in pending if row.customer]
    if not pending:
        return

    # Candidate lines: the customers' lines of the cancelled products, newest order first.
    user_ids = {users[usernames[row.customer]] for row in pending}
    codes = {row.code for row in pending}
    candidates = defaultdict(list)  # (user_id, code) -> [[line_id, order_id, date, remaining]]
    line_rows = []
    for chunk in chunked(user_ids):
        line_rows.extend(
            row
            for row in Line.objects.filter(order__user_id__in=chunk, partner=partner).values_list(
                "id", "order_id", "order__user_id", "partner_sku", "order__date_placed", "quantity"
            )
            if row[3] in codes
        )
    line_rows.sort(key=lambda row: (row[4], row[0]), reverse=True)  # newest order first
    already = cancelled_quantities([row[0] for row in line_rows])
    for line_id, order_id, user_id, code, placed, quantity in line_rows:
        remaining = quantity - already.get(line_id, 0)
        if remaining > 0:
            candidates[(user_id, code)].append([line_id, order_id, placed, remaining])

    # Allocate each cancelled row, oldest cancellation first, to the newest earlier lines.
    allocations = defaultdict(lambda: defaultdict(int))  # (invoice, order_id) -> line_id -> units
    invoice_dates = {}
    for row in sorted(pending, key=lambda r: (r.date, r.invoice)):
        units = -row.quantity
        invoice_dates[row.invoice] = row.date
        for candidate in candidates.get((users[usernames[row.customer]], row.code), ()):
            line_id, order_id, placed, remaining = candidate
            if units == 0:
                break
            if remaining == 0 or placed > row.date:
                continue
            take = min(units, remaining)
            candidate[3] -= take
            units -= take
            allocations[(row.invoice, order_id)][line_id] += take
            report.cancelled_units_applied += take
        report.cancelled_units_unmatched += units

    events = [
        ShippingEvent(order_id=order_id, event_type=event_type, notes=_cancellation_note(invoice))
        for (invoice, order_id) in allocations
    ]
    events = list(_insert(ShippingEvent, events, batch))
    for event, (invoice, _order_id) in zip(events, allocations):
        event.date_created = invoice_dates[invoice]  # auto_now_add overrode it on insert
    ShippingEvent.objects.bulk_update(events, ["date_created"], batch_size=batch)
    quantities = [
        ShippingEventQuantity(event_id=event.id, line_id=line_id, quantity=units)
        for event, key in zip(events, allocations)
        for line_id, units in allocations[key].items()
    ]
    list(_insert(ShippingEventQuantity, quantities, batch))
    report.cancellation_events_created = len(events)

    # Statuses: fully cancelled lines, and orders whose every line is fully cancelled.
    touched_lines = list({line_id for per_line in allocations.values() for line_id in per_line})
    cancelled = cancelled_quantities(touched_lines)
    quantities_by_line = lookup(Line.objects.all(), "id", touched_lines, key="quantity")
    fully = [line_id for line_id, quantity in quantities_by_line.items() if cancelled.get(line_id, 0) >= quantity]
    for chunk in chunked(fully):
        Line.objects.filter(id__in=chunk).update(status=CANCELLED)
    for chunk in chunked({order_id for (_invoice, order_id) in allocations}):
        live = set(
            Line.objects.filter(order_id__in=chunk).exclude(status=CANCELLED).values_list("order_id", flat=True)
        )
        Order.objects.filter(id__in=[oid for oid in chunk if oid not in live]).update(status=CANCELLED)


def _cancellation_note(invoice):
    return f"Cancellation invoice {invoice}"
