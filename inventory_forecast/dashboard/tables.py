"""The risk list's table (django-tables2, as Oscar's dashboard lists): every column sortable but
the reason and the alert's actions; ties broken by the forecast's id, so pages never overlap."""

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from django_tables2 import A, Column, TemplateColumn
from oscar.core.loading import get_class
from oscar.templatetags.currency_filters import currency

from ..alerts import cover_text, reason

DashboardTable = get_class("dashboard.tables", "DashboardTable")


class NumberColumn(Column):
    """A right-aligned number with ``decimals`` places (formatted in Python: a template per
    cell costs a compilation per cell)."""

    def __init__(self, *args, decimals=0, **kwargs):
        self.decimals = decimals
        kwargs.setdefault("attrs", {"td": {"class": "text-right"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        # Django formats digits as given: round first.
        return number_format(round(value, self.decimals), self.decimals, force_grouping=True)


def number(verbose_name, accessor, order_by, decimals=0, **kwargs):
    return NumberColumn(verbose_name=verbose_name, accessor=A(accessor),
                        order_by=(order_by, "pk"), decimals=decimals, default="-", **kwargs)


class RiskTable(DashboardTable):
    product = TemplateColumn(
        verbose_name=_("Product"), accessor=A("stockrecord__product"), order_by=("title", "pk"),
        template_name="inventory_forecast/dashboard/_risk_row_product.html")
    sku = Column(verbose_name=_("SKU"), accessor=A("stockrecord__partner_sku"),
                 order_by=("stockrecord__partner_sku", "pk"))
    partner = Column(verbose_name=_("Partner"), accessor=A("stockrecord__partner__name"),
                     order_by=("stockrecord__partner__name", "pk"))
    stock = number(_("Stock"), "stockrecord__num_in_stock", "stockrecord__num_in_stock")
    allocated = number(_("Allocated"), "stockrecord__num_allocated",
                       "stockrecord__num_allocated")
    weekly_demand = number(_("Demand / week"), "weekly_demand", "weekly_demand", decimals=1)
    days_of_cover = Column(verbose_name=_("Days of cover"), accessor=A("days_of_cover"),
                           order_by=("cover_rank", "pk"), attrs={"td": {"class": "text-right"}},
                           default=_("no demand"))
    stockout_date = Column(verbose_name=_("Stock-out"), accessor=A("stockout_date"),
                           order_by=("stockout_rank", "pk"), default="-")
    reorder_point = number(_("Reorder point"), "reorder_point", "reorder_point")
    suggested_order = number(_("Suggested order"), "suggested_order", "suggested_order")
    abc_class = Column(verbose_name=_("ABC"), accessor=A("abc_class"),
                       order_by=("abc_class", "-revenue", "pk"))
    risk = TemplateColumn(
        verbose_name=_("Risk"), accessor=A("risk"),
        order_by=("risk_rank", "-revenue_at_risk", "pk"),
        template_name="inventory_forecast/dashboard/_risk_row_risk.html")
    revenue_at_risk = Column(verbose_name=_("Revenue at risk"), accessor=A("revenue_at_risk"),
                             order_by=("revenue_at_risk", "pk"),
                             attrs={"td": {"class": "text-right"}})
    reason = Column(verbose_name=_("Reason"), accessor=A("pk"), orderable=False)
    alert = TemplateColumn(
        verbose_name=_("Alert"), accessor=A("alert_id"), orderable=False,
        template_name="inventory_forecast/dashboard/_risk_row_alert.html")

    icon = "fas fa-chart-line"

    class Meta(DashboardTable.Meta):
        order_by = "risk"  # worst first, then by revenue at risk
        attrs = {"class": "table table-striped table-bordered table-sm", "id": "risk_list"}
        row_attrs = {"id": lambda record: f"risk_{record.stockrecord_id}"}

    def render_reason(self, record):
        return reason(record)

    def render_days_of_cover(self, value):
        return cover_text(value)

    def render_stockout_date(self, value):
        return date_format(value, "SHORT_DATE_FORMAT")

    def render_revenue_at_risk(self, value):
        return currency(value) if value else "-"
