"""The shopper-behaviour event log and shoppers' tracking preferences."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oscar_insights.models import BackgroundRun, RunPart


class Interaction(models.Model):
    """
    One thing a shopper did: append-only (never updated, except to attach an anonymous
    visitor's history to the account they sign in to).

    The shopper is ``user`` when signed in, else ``visitor_id`` (a random first-party cookie);
    both may be set once a visitor has signed in.  ``product`` is empty only for searches.
    """

    VIEW = "view"
    BASKET_ADD = "basket_add"
    PURCHASE = "purchase"
    REVIEW = "review"
    WISHLIST_ADD = "wishlist_add"
    SEARCH = "search"
    RECOMMENDATION_CLICK = "rec_click"
    EVENT_TYPES = [
        (VIEW, _("Product view")),
        (BASKET_ADD, _("Basket add")),
        (PURCHASE, _("Purchase")),
        (REVIEW, _("Review")),
        (WISHLIST_ADD, _("Wish list add")),
        (SEARCH, _("Search")),
        (RECOMMENDATION_CLICK, _("Recommendation click")),
    ]

    event_type = models.CharField(_("event"), max_length=16, choices=EVENT_TYPES)
    # Indexes are few on purpose: each costs every tracked request a page write.  The composite
    # indexes below cover the user and product foreign keys; the nightly purge and training
    # read whole ranges and need no index on created_at.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,  # deleting a user deletes their behaviour data
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
        db_index=False,
    )
    visitor_id = models.CharField(_("visitor id"), max_length=32, blank=True)
    product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
        db_index=False,
    )
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("review score"), null=True, blank=True)
    query = models.CharField(_("search query"), max_length=255, blank=True)
    source = models.CharField(
        _("source"), max_length=64, blank=True,
        help_text=_("Page or recommendation block the event came from, where known."),
    )
    order = models.ForeignKey(
        "order.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("order"), db_index=False,
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["user", "created_at"], name="rec_interaction_user_time"),
            models.Index(fields=["product", "event_type"], name="rec_interaction_product_type"),
            # Merging on sign-in looks up anonymous rows only; signed-in rows stay out of it.
            models.Index(
                fields=["visitor_id"], condition=models.Q(user__isnull=True),
                name="rec_interaction_anon_visitor",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event_type="search") | models.Q(product__isnull=False),
                name="rec_interaction_product_unless_search",
            ),
        ]

    def __str__(self):
        who = f"user {self.user_id}" if self.user_id else f"visitor {self.visitor_id}"
        what = self.product_id if self.product_id else repr(self.query)
        return f"{self.get_event_type_display()} of {what} by {who} at {self.created_at:%Y-%m-%d %H:%M}"


class TrackingPreference(models.Model):
    """A signed-in shopper's choice not to have their behaviour recorded."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("user"),
    )
    opted_out = models.BooleanField(_("do not record my behaviour"), default=False)
    # When the shopper last erased their history: a training run that read it before then
    # must not publish recommendations computed from it.
    history_erased_at = models.DateTimeField(_("history erased"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("tracking preference")
        verbose_name_plural = _("tracking preferences")

    def __str__(self):
        return f"{self.user_id}: {'opted out' if self.opted_out else 'tracked'}"


class BackfilledOrder(models.Model):
    """
    An order the backfill has dealt with, whether it recorded events for it or not (opted-out
    shopper, fully cancelled, past retention).  The backfill never looks at it again, so events
    that were erased, purged or never wanted do not come back.
    """

    order = models.OneToOneField(
        "order.Order", on_delete=models.CASCADE, primary_key=True, related_name="+",
        verbose_name=_("order"),
    )
    created_at = models.DateTimeField(_("backfilled"), auto_now_add=True)

    class Meta:
        verbose_name = _("backfilled order")
        verbose_name_plural = _("backfilled orders")

    def __str__(self):
        return str(self.order_id)


class RecommenderVersion(BackgroundRun):
    """
    One training run and, once published, the recommendations it computed
    (:mod:`oscar_insights.runs`: one running at a time, published all at once).  Until a run
    is *current*, shoppers get the previous current version's lists; a failed run's lists are
    deleted.  ``metrics`` holds the evaluation of every candidate and why ``algorithm`` won.
    """

    algorithm = models.CharField(_("algorithm"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The same list for everyone: shoppers without a list of their own, and the "Trending" block.
    popular = models.JSONField(_("popular products"), default=list, blank=True)
    trending = models.JSONField(_("trending products"), default=list, blank=True)
    events = models.PositiveIntegerField(_("events read"), default=0)
    shoppers = models.PositiveIntegerField(_("shoppers with a list"), default=0)
    products = models.PositiveIntegerField(_("products with lists"), default=0)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The fitted model, a file of RECOMMENDATIONS_ARTEFACT_STORAGE (artefacts.py).
    artefact = models.CharField(_("model file"), max_length=255, blank=True)
    artefact_sha256 = models.CharField(_("model file SHA-256"), max_length=64, blank=True)

    class Meta(BackgroundRun.Meta):
        verbose_name = _("recommender version")
        verbose_name_plural = _("recommender versions")
        constraints = [
            # Publishing holds the run lock; this guards readers on the databases that have
            # partial unique indexes.
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="current"),
                name="rec_version_one_current",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.algorithm or '?'} ({self.get_status_display()})"

    @classmethod
    def delete_results(cls, run_ids):
        from . import artefacts

        artefacts.delete(cls.objects.filter(pk__in=run_ids).values_list("artefact", flat=True))
        # Children in one statement each (no per-row cascade in Python).
        ShopperRecommendation.objects.filter(version_id__in=run_ids).delete()
        ProductRecommendation.objects.filter(version_id__in=run_ids).delete()
        RankChunk.objects.filter(run_id__in=run_ids).delete()


class RankChunk(RunPart):
    """
    A chunk of a training run's shoppers (inner ids ``first`` to ``stop`` of the saved model),
    ranked from the version's model file and written by a task of its own
    (:mod:`recommendations.ranking`).
    """

    run = models.ForeignKey(RecommenderVersion, on_delete=models.CASCADE,
                            related_name="rank_chunks", verbose_name=_("version"))
    first = models.PositiveIntegerField(_("first shopper"))
    stop = models.PositiveIntegerField(_("shoppers up to"))
    shoppers = models.PositiveIntegerField(_("shopper lists written"), default=0)

    class Meta(RunPart.Meta):
        verbose_name = _("ranking chunk")
        verbose_name_plural = _("ranking chunks")
        constraints = [models.UniqueConstraint(fields=["run", "index"],
                                               name="rec_rankchunk_run_index")]

    def __str__(self):
        return f"Chunk {self.index + 1} of recommender version #{self.run_id} ({self.status})"


class ShopperRecommendation(models.Model):
    """
    The published top-N of one shopper in one version: ``items`` is a list of
    ``[product id, score]``, best first.  The shopper is a user or an anonymous visitor id.
    """

    version = models.ForeignKey(
        RecommenderVersion, on_delete=models.CASCADE, related_name="shopper_lists",
        verbose_name=_("version"), db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("user"), db_index=False,
    )
    visitor_id = models.CharField(_("visitor id"), max_length=32, blank=True)
    items = models.JSONField(_("items"), default=list)

    class Meta:
        verbose_name = _("shopper recommendation list")
        verbose_name_plural = _("shopper recommendation lists")
        indexes = [
            models.Index(fields=["user"], name="rec_shopperlist_user"),
            models.Index(
                fields=["visitor_id"], condition=models.Q(user__isnull=True),
                name="rec_shopperlist_visitor",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["version", "user", "visitor_id"],
                                    name="rec_shopperlist_unique"),
        ]

    def __str__(self):
        who = f"user {self.user_id}" if self.user_id else f"visitor {self.visitor_id}"
        return f"{who} in version {self.version_id}"


class ProductRecommendation(models.Model):
    """
    A published list of related products of one kind for one product: ``items`` is a list of
    ``[product id, score]``, best first.
    """

    ALSO_BOUGHT = "also_bought"
    ALSO_VIEWED = "also_viewed"
    BOUGHT_TOGETHER = "bought_together"
    SIMILAR = "similar"
    KINDS = [
        (ALSO_BOUGHT, _("Customers who bought this also bought")),
        (ALSO_VIEWED, _("Customers who viewed this also viewed")),
        (BOUGHT_TOGETHER, _("Frequently bought together")),
        (SIMILAR, _("Similar products")),
    ]

    version = models.ForeignKey(
        RecommenderVersion, on_delete=models.CASCADE, related_name="product_lists",
        verbose_name=_("version"), db_index=False,
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("product"), db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=KINDS)
    items = models.JSONField(_("items"), default=list)

    class Meta:
        verbose_name = _("product recommendation list")
        verbose_name_plural = _("product recommendation lists")
        constraints = [
            models.UniqueConstraint(fields=["version", "product", "kind"],
                                    name="rec_productlist_unique"),
        ]
        indexes = [models.Index(fields=["product", "kind"], name="rec_productlist_product")]

    def __str__(self):
        return f"{self.get_kind_display()} for product {self.product_id} (version {self.version_id})"


class Attribution(models.Model):
    """
    An order line of a product the shopper had clicked in a recommendation block within
    ``RECOMMENDATIONS_ATTRIBUTION_DAYS`` before ordering: credited to that block and published
    version (the latest click wins).  Sums of clicks, attributed lines and revenue per block and
    version are one indexed aggregate away (see :func:`recommendations.attribution.summary`).
    """

    line = models.OneToOneField("order.Line", on_delete=models.CASCADE, primary_key=True,
                                related_name="+", verbose_name=_("order line"))
    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("order"), db_index=False)
    block = models.CharField(_("block"), max_length=32)
    # The version's id, kept after the version itself is pruned.
    version_id = models.PositiveIntegerField(_("version"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"))
    ordered_at = models.DateTimeField(_("ordered"))
    quantity = models.PositiveIntegerField(_("quantity"))
    revenue = models.DecimalField(_("revenue"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("recommendation attribution")
        verbose_name_plural = _("recommendation attributions")
        indexes = [models.Index(fields=["block", "version_id"], name="rec_attribution_block")]

    def __str__(self):
        return f"Line {self.line_id} from {self.block} (version {self.version_id})"


class BlockImpression(models.Model):
    """
    How many times a block of a published version was shown on served pages in a day (a
    counter added to by :mod:`recommendations.impressions`; no shopper is stored): clicks over
    impressions is the block's click-through rate.
    """

    day = models.DateField(_("day"))
    block = models.CharField(_("block"), max_length=32)
    # The version's id (0: no version, the best sellers before the first training), kept after
    # the version itself is pruned.
    version_id = models.PositiveIntegerField(_("version"), default=0)
    count = models.PositiveBigIntegerField(_("impressions"), default=0)

    class Meta:
        verbose_name = _("recommendation block impressions")
        verbose_name_plural = _("recommendation block impressions")
        constraints = [models.UniqueConstraint(fields=["day", "block", "version_id"],
                                               name="rec_impression_unique")]

    def __str__(self):
        return f"{self.block} (version {self.version_id}) on {self.day}: {self.count}"
