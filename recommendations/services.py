"""
The read path: what template tags, views and the API ask for.  Each call reads the active
version's published lists in one or two indexed queries; nothing is computed here.

Lists are product ids, best first.  A shopper without a list of their own gets the active
version's popular products; a product without a behaviour list of the asked kind gets its
catalogue-similar products.  With no published version yet, everything is empty.
"""

from oscar_insights import runs

from . import conf
from .models import ProductRecommendation, RecommenderVersion, ShopperRecommendation


def active_version():
    """The version shoppers are served from (the current one), or None before the first training."""
    return runs.current(RecommenderVersion)


def _ids(items, limit, exclude):
    exclude = set(exclude)
    ids = [item for item, _score in items if item not in exclude]
    return ids[:limit]


def for_shopper(user=None, visitor_id="", limit=None, exclude=(), personal_only=False):
    """
    "Recommended for you": the product ids published for a signed-in ``user`` (or, when
    anonymous, for ``visitor_id``), else the popular products (``personal_only``: nothing).
    Only the shopper's own list is ever read: nobody sees another shopper's history.
    """
    limit = limit or conf.TOP_N
    lists = ShopperRecommendation.objects.filter(version__status=RecommenderVersion.CURRENT)
    if user is not None and user.is_authenticated:
        lists = lists.filter(user=user)
    elif visitor_id:
        lists = lists.filter(user__isnull=True, visitor_id=visitor_id)
    else:
        lists = lists.none()
    items = lists.values_list("items", flat=True).first()
    if items is None:
        return [] if personal_only else popular(limit, exclude)
    return _ids(items, limit, exclude)


def popular(limit=None, exclude=()):
    """The products with the most distinct buyers, in the current version."""
    version = RecommenderVersion.objects.filter(status=RecommenderVersion.CURRENT)
    items = version.values_list("popular", flat=True).first() or []
    return _ids(items, limit or conf.TOP_N, exclude)


def trending(limit=None, exclude=()):
    """The products with the most recent buyers (each buyer's purchases decayed over days)."""
    version = RecommenderVersion.objects.filter(status=RecommenderVersion.CURRENT)
    items = version.values_list("trending", flat=True).first() or []
    return _ids(items, limit or conf.TOP_N, exclude)


def related(product_id, kind=ProductRecommendation.ALSO_BOUGHT, limit=None, exclude=(),
            fallback=True):
    """
    Products related to ``product_id``: ``kind`` is one of ``ProductRecommendation.KINDS``.
    Behaviour lists fall back to the product's catalogue-similar products (unless not
    ``fallback``).
    """
    if kind not in dict(ProductRecommendation.KINDS):
        raise ValueError(f"Unknown kind {kind!r}: one of "
                         f"{', '.join(k for k, _ in ProductRecommendation.KINDS)}.")
    kinds = ([kind] if kind == ProductRecommendation.SIMILAR or not fallback
             else [kind, ProductRecommendation.SIMILAR])
    rows = dict(
        ProductRecommendation.objects.filter(
            version__status=RecommenderVersion.CURRENT, product_id=product_id, kind__in=kinds
        ).values_list("kind", "items")
    )
    for candidate in kinds:
        if rows.get(candidate):
            return _ids(rows[candidate], limit or conf.TOP_N, set(exclude) | {product_id})
    return []
