"""
What the storefront's blocks would show one shopper or on one product's page, for staff: the
blocks of each page as the demo's templates place them, computed by the storefront's own
:func:`recommendations.blocks.recommend_many` for a request made as that shopper (a customer:
their account and open basket; a visitor id: that visitor's lists).  What only the shopper's
browser holds cannot be seen here: products viewed in their current session (a cookie) are left
out of "Recommended for you" on their own page.
"""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from .. import blocks

# (page, its blocks for a signed-in customer, for a visitor, the limit per block)
PAGES = (
    ("home", _("Home page"), ("for_you", "buy_again", "best_sellers"),
     ("for_you", "best_sellers"), 8),
    ("account", _("Account page"), ("buy_again",), (), None),
    ("basket", _("Basket page"), ("basket",), ("basket",), None),
)
PRODUCT_PAGE = ("bought_together", "also_bought")


class _Visitor:
    """The tracking context of a request made as a known visitor (what ``blocks.shopper_of``
    and ``recent.products`` read)."""

    new_visitor = False
    recent = None

    def __init__(self, visitor_id):
        self.visitor_id = visitor_id


def _request_as(user=None, visitor_id=""):
    Basket = get_model("basket", "Basket")
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = {}
    if user is None:
        request.recommendations_tracking = _Visitor(visitor_id)
        request.basket = Basket()
    else:
        request.basket = (Basket.open.filter(owner=user).order_by("-date_created").first()
                          or Basket())
    return request


def shopper_preview(user=None, visitor_id=""):
    """``[(page label, [(block, title, [Item])])]`` for a customer or a visitor id."""
    request = _request_as(user, visitor_id)
    pages = []
    for _code, label, signed_in, anonymous, limit in PAGES:
        names = signed_in if user is not None else anonymous
        if not names:
            continue
        found = blocks.recommend_many(request, list(names), limit=limit)
        pages.append((label, [(name, blocks.BLOCKS[name].title, found[name]) for name in names]))
    return pages


def product_preview(product):
    """The product page's blocks, for a shopper with nothing in their basket."""
    found = blocks.recommend_many(_request_as(), list(PRODUCT_PAGE), product=product)
    return [(_("Product page"), [(name, blocks.BLOCKS[name].title, found[name])
                                 for name in PRODUCT_PAGE])]
