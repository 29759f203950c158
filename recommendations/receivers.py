"""Oscar's signals -> the event log.  Receivers record, nothing else (one write each); catalogue
changes renew the stamp of the cached blocks (:mod:`.fragments`)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from oscar.core.loading import get_class, get_model

from oscar_insights.signals import order_history_imported

from . import attribution, conf, fragments, recent, tracking
from .middleware import context_for, current_context
from .models import Interaction
from .tracking import Shopper

# Through Oscar's loader, so that shops with forked apps (and forked signals) keep working.
WishListLine = get_model("wishlists", "Line")
product_viewed = get_class("catalogue.signals", "product_viewed")
basket_addition = get_class("basket.signals", "basket_addition")
review_added = get_class("catalogue.reviews.signals", "review_added")
user_search = get_class("search.signals", "user_search")
order_placed = get_class("order.signals", "order_placed")
# What a rendered block shows of a product: its page, price, availability, curated list.
CATALOGUE_MODELS = [get_model("catalogue", "Product"), get_model("partner", "StockRecord"),
                    get_model("catalogue", "ProductRecommendation")]
for model in CATALOGUE_MODELS:
    for signal in (post_save, post_delete):
        signal.connect(fragments.catalogue_changed, sender=model,
                       dispatch_uid=f"recommendations.fragments.{signal is post_save}.{model.__name__}")


def _quantity(request):
    try:
        return max(int(request.POST.get("quantity", 1)), 1)
    except (TypeError, ValueError):
        return 1


@receiver(product_viewed, dispatch_uid="recommendations.product_viewed")
def record_product_view(sender, product, request=None, **kwargs):
    if request is None:  # sent outside a request (a script, a forked view): nobody to credit
        return
    context = context_for(request)
    shopper = context.shopper()
    if shopper:
        source = context.source
        event = Interaction.RECOMMENDATION_CLICK if source else Interaction.VIEW
        recent.remember(request, product.pk)
        context.record_after_response(
            event, shopper, product=product, source=source or "product_page", durable=False
        )


@receiver(basket_addition, dispatch_uid="recommendations.basket_addition")
def record_basket_addition(sender, product, request=None, **kwargs):
    if request is None:
        return
    shopper = context_for(request).shopper()
    if shopper:
        recent.remember(request, product.pk)
        tracking.record(
            Interaction.BASKET_ADD, shopper, product=product, quantity=_quantity(request),
            source=request.POST.get(conf.SOURCE_PARAMETER, "")[:64] or "basket_form",
        )


@receiver(review_added, dispatch_uid="recommendations.review_added")
def record_review(sender, review, request=None, **kwargs):
    if request is None:
        return
    shopper = context_for(request).shopper()
    if shopper:
        tracking.record(
            Interaction.REVIEW, shopper, product=review.product, score=review.score,
            source="review_form",
        )


@receiver(user_search, dispatch_uid="recommendations.user_search")
def record_search(sender, query, **kwargs):
    context = current_context()
    query = (query or "").strip()
    shopper = context.shopper() if context is not None and query else None
    if shopper:
        context.record_after_response(
            Interaction.SEARCH, shopper, query=query, source="search", durable=False
        )


@receiver(post_save, sender=WishListLine, dispatch_uid="recommendations.wishlist_line")
def record_wishlist_addition(sender, instance, created, raw=False, **kwargs):
    context = current_context()
    if not created or raw or context is None or not instance.product_id:
        return
    shopper = context.shopper()
    # Only the owner's own additions: a staff member editing a list is not its shopper.
    if shopper and shopper.user_id == instance.wishlist.owner_id:
        tracking.record(
            Interaction.WISHLIST_ADD, shopper, product=instance.product_id, source="wishlist"
        )


@receiver(order_placed, dispatch_uid="recommendations.order_placed")
def record_order(sender, order, user, **kwargs):
    """Purchases (and, for a signed-in shopper, the merge of their anonymous history) once the
    order has committed; a tracking failure is logged and never fails the checkout."""
    context = current_context()
    if context is not None:
        shopper = context.shopper()
        if shopper is None:
            return
        visitor_id = shopper.visitor_id
    else:  # placed outside a web request (a script, an API client's worker)
        visitor_id = ""
    shopper = Shopper(user_id=order.user_id, visitor_id=visitor_id)

    def record():
        opted_out = tracking.is_opted_out(shopper.user_id)
        if shopper.user_id and visitor_id:
            tracking.merge_visitor_into_user(visitor_id, shopper.user_id, opted_out=opted_out)
        if not opted_out:
            prefetch_related_objects([order], "lines")  # read once for both
            tracking.record_order(order, shopper)
            attribution.attribute_order(order, shopper)
            if shopper.user_id:
                fragments.purchases_changed(shopper.user_id)

    transaction.on_commit(record, robust=True)


@receiver(user_logged_in, dispatch_uid="recommendations.user_logged_in")
def merge_on_login(sender, request, user, **kwargs):
    if request is None:
        return
    context = context_for(request)
    if tracking.is_opted_out(user.pk):
        context.set_opt_out_cookie = True
        if context.visitor_id:
            tracking.merge_visitor_into_user(context.visitor_id, user.pk, opted_out=True)
    elif context.visitor_id and not context.skip:
        tracking.merge_visitor_into_user(context.visitor_id, user.pk, opted_out=False)
    if context.visitor_id:
        # A fresh id from now on: whoever browses here after this account is someone else.
        context.forget_visitor = True


@receiver(user_logged_out, dispatch_uid="recommendations.user_logged_out")
def forget_visitor_on_logout(sender, request, **kwargs):
    """A new anonymous id after sign-out, so the next person at this browser is not linked."""
    if request is not None:
        context_for(request).forget_visitor = True


@receiver(order_history_imported, dispatch_uid="recommendations.order_history_imported")
def backfill_imported_orders(sender, order_ids, **kwargs):
    """Imported orders become purchase events at once, so models can train on them."""
    tracking.backfill_purchases(order_ids)
