"""Replenishment settings per stock record: the stock record's own, else its partner's, else
the ``INVENTORY_FORECAST_*`` defaults; and the forecast periods they span."""

import math
from dataclasses import dataclass

from . import conf

PERIOD_DAYS = 7  # forecasts are weekly


@dataclass
class Policy:
    lead_time_days: int
    review_days: int
    service_level: float
    pack_size: int
    minimum_order: int


def policies(stockrecords):
    """``{stock record id: Policy}``: stock record overrides, else partner defaults, else the
    ``INVENTORY_FORECAST_*`` settings.  ``stockrecords``: (id, partner id) pairs."""
    from .models import ReplenishmentSettings

    stockrecords = list(stockrecords)
    fields = ("lead_time_days", "review_days", "service_level", "pack_size", "minimum_order")
    # The settings table is small (rows only where someone set something): read it whole
    # rather than with an IN list of every stock record.
    rows = list(ReplenishmentSettings.objects.all())
    by_record = {s.stockrecord_id: s for s in rows if s.stockrecord_id}
    by_partner = {s.partner_id: s for s in rows if s.partner_id}
    defaults = {"lead_time_days": conf.LEAD_TIME_DAYS, "review_days": conf.REVIEW_DAYS,
                "service_level": conf.SERVICE_LEVEL, "pack_size": conf.PACK_SIZE,
                "minimum_order": conf.MINIMUM_ORDER}
    result = {}
    for pk, partner in stockrecords:
        values = {}
        for name in fields:
            value = None
            for source in (by_record.get(pk), by_partner.get(partner)):
                if source is not None and getattr(source, name) is not None:
                    value = getattr(source, name)
                    break
            values[name] = defaults[name] if value is None else value
        values["service_level"] = float(values["service_level"])
        result[pk] = Policy(**values)
    return result



def periods(policy):
    """``(lead, protection)``: the policy's lead time and protection interval (lead time +
    review period) in whole forecast periods, rounded up."""
    lead = max(math.ceil(policy.lead_time_days / PERIOD_DAYS), 1)
    protection = max(math.ceil((policy.lead_time_days + policy.review_days) / PERIOD_DAYS), lead)
    return lead, protection

