"""
What a date or a number from outside may be: one rule for the order-history importer, the CSV
readers of the analytics commands and the events API, so that a row the forecasts, the
recommender or a product page could not use is refused where it comes in, with its reason,
and never stored.

* A date (or timestamp) lies between ``OSCAR_INSIGHTS_EARLIEST_DATE`` (1990-01-01: before the
  web shops whose history this reads) and now plus ``OSCAR_INSIGHTS_CLOCK_SKEW_SECONDS`` (300:
  a client's clock may run a little ahead).  ``0001-01-01`` would otherwise move a forecast's
  history, or the recommender's temporal split, back two thousand years.
* A quantity is a finite number of at most ``OSCAR_INSIGHTS_MAX_QUANTITY`` units (1,000,000 a
  line) in absolute value; ``inf`` and ``nan`` are never numbers of units.
* A price is finite, of at most ``OSCAR_INSIGHTS_MAX_PRICE`` (1,000,000.00) a unit; and a
  line's total (price x quantity) must fit Oscar's money columns (12 digits, 2 decimals), which
  SQLite does not enforce: a value it stored could not be read back.

Each check returns the value or raises :class:`Implausible` with a reason for people.
"""

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from . import conf

#: The largest amount Oscar's money columns hold (``max_digits=12, decimal_places=2``).
MONEY_LIMIT = Decimal("9999999999.99")
#: The largest quantity Oscar's order line holds (a ``PositiveIntegerField``: 32 bits).
QUANTITY_LIMIT = 2_147_483_647


class Implausible(ValueError):
    """A value outside what the shop's data can hold or mean; ``reason`` says which rule."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def earliest():
    """The earliest plausible date (``OSCAR_INSIGHTS_EARLIEST_DATE``), a date."""
    value = conf.EARLIEST_DATE
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def latest(now=None):
    """The latest plausible moment: now plus the allowed clock skew (aware)."""
    return (now or timezone.now()) + timedelta(seconds=conf.CLOCK_SKEW_SECONDS)


def check_datetime(value, now=None):
    """``value`` (a datetime, naive ones read as UTC, or a date) if it is plausible."""
    moment = value
    if not isinstance(value, datetime):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif timezone.is_naive(value):
        moment = value.replace(tzinfo=UTC)
    first = earliest()
    if moment.date() < first:
        raise Implausible(f"date before {first.isoformat()}")
    if moment > latest(now):
        raise Implausible("date in the future")
    return value


def check_quantity(value):
    """``value`` (units, int or float) if it is finite and within the maximum."""
    if isinstance(value, float) and not math.isfinite(value):
        raise Implausible("quantity is not a finite number")
    limit = min(conf.MAX_QUANTITY, QUANTITY_LIMIT)
    if abs(value) > limit:
        raise Implausible(f"quantity over {limit:,}")
    return value


def check_price(value, quantity=1):
    """``value`` (a unit price, Decimal or float) if it is finite, within the maximum, and its
    line total for ``quantity`` fits the money columns."""
    if isinstance(value, Decimal):
        finite = value.is_finite()
    else:
        finite = math.isfinite(value)
    if not finite:
        raise Implausible("price is not a finite number")
    limit = Decimal(str(conf.MAX_PRICE))
    price = abs(Decimal(str(value)))
    if price > limit:
        raise Implausible(f"price over {limit:,}")
    if price * abs(Decimal(quantity)) > MONEY_LIMIT:
        raise Implausible(f"line total over {MONEY_LIMIT:,}")
    return value
