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
  ``line.quantity`` minus its cancelled quantities (see :func:`oscar_insights.orders.cancelled_units`).  A line whose
  units are all cancelled gets status "Cancelled", and so does an order whose lines all are.
  Cancelled units that match no earlier purchase (guest invoices, purchases before the file
  starts) are counted in the report and not stored.

Rows that cannot be used are skipped and counted by reason: a missing invoice number or code, an
unparsable date, quantity, price or customer id, an implausible one
(:mod:`oscar_insights.plausible`: a date before 1990 or in the future, a quantity or price over
its maximum, a line total Oscar's columns cannot hold), a NUL character in a field, a zero or
negative price, a non-positive quantity outside a cancellation (stock adjustments), and codes
that are not products.  A file that cannot be read on (not UTF-8, a truncated gzip, a field over
the csv module's limit) aborts the import, naming the line: nothing is written.

The whole import runs in one transaction: an error or an interruption leaves the database as it
was.  Once it has committed, :data:`oscar_insights.signals.order_history_imported` is sent
with the new orders' ids (the recommendations app turns them into purchase events); a receiver
that fails is listed in the report's ``follow_up_errors`` (and the command exits with an error
saying so), the orders stay stored, and the step can be run again
(``manage.py backfill_interactions`` records the events of orders that have none).  Re-running
a file creates nothing twice: orders are keyed by invoice number, products by code, customers by
id and applied cancellations by their invoice number.
"""

import logging

from django.db import transaction

from ..signals import order_history_imported
from .rows import (  # noqa: F401  (the importer's API)
    SKIP_BAD_CUSTOMER,
    SKIP_BAD_DATE,
    SKIP_BAD_PRICE,
    SKIP_BAD_QUANTITY,
    SKIP_CANCELLATION_NOT_NEGATIVE,
    SKIP_MISSING_CODE,
    SKIP_MISSING_INVOICE,
    SKIP_NON_POSITIVE_PRICE,
    SKIP_NON_POSITIVE_QUANTITY,
    SKIP_NON_PRODUCT,
    ColumnNames,
    ImportAborted,
    ImportOptions,
    ImportReport,
    Row,
    RowError,
    RowParser,
    read_order_history,
)
from .writing import write

logger = logging.getLogger(__name__)


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
        order_ids = write(invoices, cancellations, options, report, progress)

        def announce():
            for receiver, error in order_history_imported.send_robust(
                sender=import_order_history, order_ids=order_ids, report=report
            ):
                if isinstance(error, Exception):
                    name = f"{receiver.__module__}.{receiver.__qualname__}"
                    logger.error("%s failed after the import: %r", name, error)
                    report.follow_up_errors.append(f"{name}: {error}")

        transaction.on_commit(announce)
    return report

