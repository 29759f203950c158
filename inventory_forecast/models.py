"""Forecast runs, per-SKU forecasts and plans, replenishment settings and stock-risk alerts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oscar_insights.models import BackgroundRun, RunPart

from . import replenishment


class ReplenishmentSettings(models.Model):
    """
    Replenishment parameters: defaults for a partner's stock records (``partner`` set) or
    overrides for one stock record (``stockrecord`` set).  Empty fields fall back: stock record
    -> partner -> ``INVENTORY_FORECAST_*`` settings.
    """

    partner = models.OneToOneField(
        "partner.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("partner"),
    )
    stockrecord = models.OneToOneField(
        "partner.StockRecord", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("stock record"),
    )
    lead_time_days = models.PositiveIntegerField(_("supplier lead time (days)"), null=True,
                                                 blank=True)
    review_days = models.PositiveIntegerField(_("review period (days)"), null=True, blank=True)
    service_level = models.DecimalField(
        _("target service level"), max_digits=4, decimal_places=3, null=True, blank=True,
        help_text=_("Share of replenishment cycles without a stock-out, e.g. 0.950."),
    )
    pack_size = models.PositiveIntegerField(_("pack size"), null=True, blank=True)
    minimum_order = models.PositiveIntegerField(_("minimum order (units)"), null=True, blank=True)
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("What one unit costs from the supplier, for purchase orders (a stock "
                    "record's own; Oscar keeps no cost price)."))

    class Meta:
        verbose_name = _("replenishment settings")
        verbose_name_plural = _("replenishment settings")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(partner__isnull=False, stockrecord__isnull=True)
                           | models.Q(partner__isnull=True, stockrecord__isnull=False)),
                name="invfc_settings_partner_xor_stockrecord",
            ),
            models.CheckConstraint(
                condition=(models.Q(service_level__isnull=True)
                           | models.Q(service_level__gt=0.5, service_level__lt=1)),
                name="invfc_settings_service_level_range",
            ),
        ]

    def __str__(self):
        if self.stockrecord_id:
            return f"Settings of stock record {self.stockrecord_id}"
        return f"Defaults of partner {self.partner_id}"


class ForecastRun(BackgroundRun):
    """
    One forecast run over every stock record (:mod:`oscar_insights.runs`: one running at a
    time, published all at once).  Dashboards and alerts read the current run's forecasts; a
    failed run keeps its error and leaves the current one in place.  ``metrics``: accuracy of
    the run's backtests (mean RMSSE, WAPE, bias, realised service level...).
    """

    skus = models.PositiveIntegerField(_("stock records forecast"), default=0)
    as_of = models.DateField(_("forecasts from"), null=True, blank=True,
                             help_text=_("The first day forecast: history ends the day before."))

    class Meta(BackgroundRun.Meta):
        verbose_name = _("forecast run")
        verbose_name_plural = _("forecast runs")
        constraints = [
            # Publishing holds the run lock; this guards readers on the databases that have
            # partial unique indexes.
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="current"),
                                    name="invfc_run_one_current"),
        ]

    def __str__(self):
        return f"Forecast run #{self.pk} ({self.get_status_display()})"

    @classmethod
    def delete_results(cls, run_ids):
        SkuForecast.objects.filter(run_id__in=run_ids).delete()
        ForecastChunk.objects.filter(run_id__in=run_ids).delete()


class ForecastChunk(RunPart):
    """
    A chunk of a forecast run's stock records, forecast and backtested by a task of its own
    (:mod:`inventory_forecast.chunks`).  ``backtest`` holds its result until the run is
    calibrated and published, then is emptied.
    """

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="chunks",
                            verbose_name=_("run"))
    stockrecords = models.JSONField(_("stock records"), default=list)
    backtest = models.BinaryField(_("backtest"), null=True, blank=True)

    class Meta(RunPart.Meta):
        verbose_name = _("forecast chunk")
        verbose_name_plural = _("forecast chunks")
        constraints = [models.UniqueConstraint(fields=["run", "index"],
                                               name="invfc_chunk_run_index")]

    def __str__(self):
        return f"Chunk {self.index + 1} of forecast run #{self.run_id} ({self.status})"


RISK_CHOICES = [
    (replenishment.OUT_OF_STOCK, _("Out of stock")),
    (replenishment.STOCKOUT_BEFORE_DELIVERY, _("Stock-out before the next delivery")),
    (replenishment.REORDER_NOW, _("Reorder now")),
    (replenishment.REORDER_SOON, _("Reorder soon")),
    (replenishment.OK, _("OK")),
]


# An alert's risk: a plan's, or a forecast break (demand far outside its interval).
ALERT_RISK_CHOICES = [*RISK_CHOICES[:2], (replenishment.FORECAST_BREAK, _("Forecast break")),
                      *RISK_CHOICES[2:]]

BREAK_CHOICES = [("above", _("Demand above its forecast interval")),
                 ("below", _("Demand below its forecast interval"))]

ABC_CHOICES = [("A", "A"), ("B", "B"), ("C", "C")]


class SkuForecast(models.Model):
    """The forecast, its accuracy and the replenishment plan of one stock record in one run."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="forecasts",
                            verbose_name=_("run"), db_index=False)
    stockrecord = models.ForeignKey("partner.StockRecord", on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("stock record"))
    demand_class = models.CharField(_("demand pattern"), max_length=16, blank=True)
    method = models.CharField(_("forecasting method"), max_length=64, blank=True)
    period_days = models.PositiveSmallIntegerField(_("days per period"), default=7)
    forecast = models.JSONField(_("forecast per period"), default=list)
    mean_daily = models.FloatField(_("mean daily demand"))
    # Inputs of the plan, kept so that a stock change re-plans without forecasting again.
    lead_quantile = models.FloatField(_("lead-time demand quantile"))
    protection_quantile = models.FloatField(_("protection-interval demand quantile"))
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"))
    review_days = models.PositiveIntegerField(_("review period (days)"))
    service_level = models.FloatField(_("target service level"))
    # The plan at the time of the run (re-planned when an order changes stock).
    available = models.IntegerField(_("available stock"))
    safety_stock = models.FloatField(_("safety stock"))
    reorder_point = models.FloatField(_("reorder point"))
    order_up_to = models.FloatField(_("order-up-to level"))
    suggested_order = models.PositiveIntegerField(_("suggested order"))
    on_order = models.PositiveIntegerField(
        _("on order"), default=0,
        help_text=_("Units of open purchase orders, counted in the inventory position."))
    days_of_cover = models.FloatField(_("days of cover"), null=True, blank=True,
                                      help_text=_("Empty: no demand, the stock never runs out."))
    stockout_date = models.DateField(_("projected stock-out"), null=True, blank=True)
    expected_lost_sales = models.FloatField(_("expected lost sales over the lead time"))
    risk = models.CharField(_("risk"), max_length=32, choices=RISK_CHOICES)
    # The risk's rank, worst first (0): kept by the database, indexed for the risk list's order.
    risk_rank = models.GeneratedField(
        expression=models.Case(
            *(models.When(risk=risk, then=models.Value(rank))
              for rank, risk in enumerate(replenishment.RISKS)),
            default=models.Value(len(replenishment.RISKS))),
        output_field=models.PositiveSmallIntegerField(), db_persist=True)
    # What the SKU is worth (:mod:`.classification`): revenue over the ABC window, its class,
    # and the expected lost sales priced at the stock record's price.
    unit_price = models.FloatField(_("unit price"), null=True, blank=True)
    revenue = models.FloatField(_("revenue over the ABC window"), default=0.0)
    abc_class = models.CharField(_("ABC class"), max_length=1, choices=ABC_CHOICES, blank=True)
    revenue_at_risk = models.FloatField(
        _("revenue at risk"), default=0.0,
        help_text=_("Expected lost sales over the lead time at the stock record's price."))
    # Backtest accuracy of the chosen method on this SKU's own history.
    mae = models.FloatField(_("MAE"), null=True, blank=True)
    rmsse = models.FloatField(_("RMSSE"), null=True, blank=True)
    wape = models.FloatField(_("WAPE"), null=True, blank=True)
    bias = models.FloatField(_("bias"), null=True, blank=True)
    stockout_share = models.FloatField(
        _("realised stock-out share"), null=True, blank=True,
        help_text=_("Share of backtest windows whose lead-time demand exceeded the reorder point."),
    )
    # The latest lead-time window of the backtest (forecast out of sample): its demand, its
    # forecast, its length, and whether the demand fell far outside the interval.
    recent_weeks = models.PositiveSmallIntegerField(_("latest window (weeks)"), null=True,
                                                    blank=True)
    recent_forecast = models.FloatField(_("latest window's forecast"), null=True, blank=True)
    recent_demand = models.FloatField(_("latest window's demand"), null=True, blank=True)
    accuracy_break = models.CharField(_("forecast break"), max_length=8, blank=True,
                                      choices=BREAK_CHOICES)

    class Meta:
        verbose_name = _("SKU forecast")
        verbose_name_plural = _("SKU forecasts")
        constraints = [
            models.UniqueConstraint(fields=["run", "stockrecord"], name="invfc_forecast_unique"),
        ]
        indexes = [
            models.Index(fields=["run", "risk"], name="invfc_forecast_run_risk"),
            # The risk list's first page: worst risk, most revenue at risk first.
            models.Index(fields=["run", "risk_rank", "-revenue_at_risk", "id"],
                         name="invfc_forecast_risk_order"),
        ]

    def __str__(self):
        return f"Forecast of stock record {self.stockrecord_id} (run {self.run_id})"


class StockRiskAlert(models.Model):
    """
    A forecast-based stock risk: raised when a stock record's risk is one of
    ``INVENTORY_FORECAST_ALERT_RISKS`` (or its recent demand broke its forecast) after a
    forecast run or an order, closed when it is no longer.  Complements Oscar's
    threshold-based ``partner.StockAlert``.
    """

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"
    STATUSES = [(OPEN, _("Open")), (ACKNOWLEDGED, _("Acknowledged")), (CLOSED, _("Closed"))]

    stockrecord = models.ForeignKey("partner.StockRecord", on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("stock record"))
    status = models.CharField(_("status"), max_length=16, choices=STATUSES, default=OPEN)
    risk = models.CharField(_("risk"), max_length=32, choices=ALERT_RISK_CHOICES)
    reason = models.TextField(_("reason"))
    forecast = models.ForeignKey(SkuForecast, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("forecast"))
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    reported_risk = models.CharField(
        _("risk last e-mailed"), max_length=32, choices=ALERT_RISK_CHOICES, blank=True,
        help_text=_("The daily digest reports an alert once, and again when it worsens."))
    snoozed_until = models.DateField(
        _("snoozed until"), null=True, blank=True,
        help_text=_("Hidden from the live alerts until this day, unless the risk worsens."))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock risk alert")
        verbose_name_plural = _("stock risk alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stockrecord"], condition=~models.Q(status="closed"),
                name="invfc_alert_one_live_per_stockrecord",
            ),
        ]
        # The dashboard lists alerts by status, newest first, and counts the live ones.
        indexes = [models.Index(fields=["status", "-raised_at"], name="invfc_alert_status_raised")]

    def __str__(self):
        return f"{self.get_risk_display()} for stock record {self.stockrecord_id} ({self.status})"


class StockRiskAlertEvent(models.Model):
    """One line of an alert's history: raised, worsened, eased, acknowledged, snoozed, closed."""

    RAISED = "raised"
    WORSENED = "worsened"
    EASED = "eased"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    CLOSED = "closed"
    ACTIONS = [(RAISED, _("Raised")), (WORSENED, _("Worsened")), (EASED, _("Eased")),
               (ACKNOWLEDGED, _("Acknowledged")), (SNOOZED, _("Snoozed")),
               (CLOSED, _("Closed"))]

    alert = models.ForeignKey(StockRiskAlert, on_delete=models.CASCADE, related_name="events",
                              verbose_name=_("alert"))
    action = models.CharField(_("action"), max_length=16, choices=ACTIONS)
    risk = models.CharField(_("risk"), max_length=32, choices=ALERT_RISK_CHOICES)
    user = models.ForeignKey(settings.AUTH_USER_MODEL,
                             on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("stock risk alert event")
        verbose_name_plural = _("stock risk alert events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class PurchaseOrder(models.Model):
    """
    Units ordered from a partner ("mark as ordered" on the suggested purchase orders): while
    it is open its quantities count as on order in every plan, so a suggestion is not repeated
    until the stock arrives; marking it received (or cancelled) ends that.
    """

    OPEN = "open"
    RECEIVED = "received"
    CANCELLED = "cancelled"
    STATUSES = [(OPEN, _("Ordered")), (RECEIVED, _("Received")), (CANCELLED, _("Cancelled"))]

    partner = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("partner"))
    status = models.CharField(_("status"), max_length=16, choices=STATUSES, default=OPEN)
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("ordered by"))
    expected_on = models.DateField(_("expected"), null=True, blank=True)
    closed_at = models.DateTimeField(_("received or cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-ordered_at", "-pk"]
        indexes = [models.Index(fields=["status", "partner"], name="invfc_po_status_partner")]

    def __str__(self):
        return f"Purchase order #{self.pk} ({self.get_status_display()})"


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("purchase order"))
    stockrecord = models.ForeignKey("partner.StockRecord", on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("stock record"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, null=True,
                                    blank=True)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        constraints = [models.UniqueConstraint(fields=["order", "stockrecord"],
                                               name="invfc_po_line_unique")]

    def __str__(self):
        return f"{self.quantity} x stock record {self.stockrecord_id}"


class DigestSubscription(models.Model):
    """A staff member's choice about the daily stock-risk digest (no row: subscribed)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("user"))
    subscribed = models.BooleanField(_("receives the daily digest"), default=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("stock-risk digest subscription")
        verbose_name_plural = _("stock-risk digest subscriptions")

    def __str__(self):
        return f"Digest {'on' if self.subscribed else 'off'} for user {self.user_id}"


class StockOutDay(models.Model):
    """A day a stock record had nothing available (its demand that day is unknown, not zero)."""

    stockrecord = models.ForeignKey("partner.StockRecord", on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("stock record"),
                                    db_index=False)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("stock-out day")
        verbose_name_plural = _("stock-out days")
        constraints = [
            models.UniqueConstraint(fields=["stockrecord", "day"], name="invfc_stockout_day_unique"),
        ]

    def __str__(self):
        return f"Stock record {self.stockrecord_id} out of stock on {self.day}"
