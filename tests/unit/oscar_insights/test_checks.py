"""The core's system checks report configuration mistakes with their ids."""

import pytest
from celery import current_app

from oscar_insights.checks import check_broker, check_import_settings


def ids(errors):
    return [error.id for error in errors]


def test_defaults_pass():
    assert check_import_settings(None) == []
    assert check_broker(None) == []  # the test settings configure a broker


@pytest.mark.parametrize("name, value, expected", [
    ("IMPORT_PRODUCT_CODE_PATTERN", r"^[A-Z", "oscar_insights.E001"),
    ("IMPORT_SHIPPING_CODES", "POST", "oscar_insights.E002"),
    ("IMPORT_PARTNER_NAME", " ", "oscar_insights.E003"),
    ("ENQUEUE_TIMEOUT", 0, "oscar_insights.E004"),
    ("ENQUEUE_TIMEOUT", "1", "oscar_insights.E004"),
])
def test_bad_import_settings(settings, name, value, expected):
    setattr(settings, f"OSCAR_INSIGHTS_{name}", value)
    assert ids(check_import_settings(None)) == [expected]


def test_a_shop_without_a_broker_is_warned(monkeypatch):
    # As in a shop that configured no Celery app: no broker URL anywhere.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its conf
    monkeypatch.setitem(current_app.conf, "broker_url", None)
    monkeypatch.setitem(current_app.conf, "broker_write_url", None)
    messages = check_broker(None)
    assert ids(messages) == ["oscar_insights.W001"]
    assert "recommendations, inventory_forecast" in messages[0].msg
