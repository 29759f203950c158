"""The small sales history of ``tests.factories`` imported, with stock levels set."""

import pytest
from oscar.core.loading import get_model

from oscar_insights.importing import import_order_history
from tests.factories import write_sales_history

StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def history(tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_order_history(write_sales_history(tmp_path / "sales.csv"))
    records = {r.partner_sku: r for r in StockRecord.objects.all()}
    for sku, stock in (("10001", 200), ("10002", 0), ("10003", 50)):
        StockRecord.objects.filter(pk=records[sku].pk).update(num_in_stock=stock, num_allocated=0)
    return {sku: record.pk for sku, record in records.items()}
